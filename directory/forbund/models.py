"""The Förbund model. Imported by directory.models (registered there); refers to the directory's and the
kernel's models by name, so that this module imports neither."""

from __future__ import annotations

import contextlib
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kernel.identifiers import format_orgnr, normalise_orgnr, refuse_personnummer, validate_orgnr
from kernel.models import TimeStampedModel

# A host name as the Host header carries it, without port: letters, digits, dots and hyphens.
validate_host = RegexValidator(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$",
    _("Enter a host name such as sodranorrbotten.asfnet.se: lower-case letters, digits, dots and hyphens."),
)


class Forbund(TimeStampedModel):
    """A samordningsförbund (Finsam, lag 2003:1210): its area, its coordinators and what it tells the public.
    Funded projects, participants, report runs and its calendar belong to one förbund; organisations, the
    service taxonomy and municipalities are national."""

    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[refuse_personnummer])
    short_name = models.CharField(
        _("short name"), max_length=60, validators=[refuse_personnummer], help_text=_("Shown in the page header.")
    )
    orgnr = models.CharField(_("organisation number"), max_length=11, validators=[validate_orgnr])
    host = models.CharField(
        _("host name"),
        max_length=253,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_host, refuse_personnummer],
        help_text=_("The address this förbund's portal answers on. Not needed while the installation has one förbund."),
    )
    municipalities = models.ManyToManyField(
        "directory.Municipality", verbose_name=_("municipalities"), related_name="forbund", blank=True
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("coordinators"), related_name="coordinated_forbund", blank=True
    )
    intro_sv = models.TextField(_("introduction (Swedish)"), blank=True, validators=[refuse_personnummer])
    intro_en = models.TextField(_("introduction (English)"), blank=True, validators=[refuse_personnummer])
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(
        _("contact telephone"),
        max_length=30,
        blank=True,
        validators=[
            RegexValidator(r"^\+?[0-9 ()-]{5,30}$", _("Enter a telephone number: digits, spaces, + ( ) -.")),
            refuse_personnummer,
        ],
    )
    dpo_email = models.EmailField(_("data protection officer's e-mail"), blank=True)
    accessibility_email = models.EmailField(
        _("e-mail for accessibility feedback"), blank=True, help_text=_("Where visitors report what they cannot use.")
    )
    accessibility_assessed_on = models.DateField(
        _("accessibility last assessed"), null=True, blank=True, help_text=_("The date of the latest review.")
    )
    # Always our own re-encoded PNG (directory.profile.logos.reencode_logo) under a generated name, set on the
    # settings page or in the admin; served by the forbund:logo view, never from the media directory. Its
    # size rides along (width_field/height_field), so the header gives width and height without opening it.
    logo = models.ImageField(
        _("logo"),
        upload_to="forbund/",
        blank=True,
        width_field="logo_width",
        height_field="logo_height",
        help_text=_("Shown in the page header next to the förbund's name."),
    )
    logo_width = models.PositiveSmallIntegerField(_("logo width"), null=True, blank=True, editable=False)
    logo_height = models.PositiveSmallIntegerField(_("logo height"), null=True, blank=True, editable=False)
    show_national_events = models.BooleanField(
        _("show national events in the calendar"),
        default=True,
        help_text=_("Events that belong to no förbund (national webinars, conferences) appear in this calendar too."),
    )

    class Meta:
        verbose_name = _("förbund")
        verbose_name_plural = _("förbund")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.orgnr:
            # An invalid number is left as typed: clean_fields reports it on its field (raising here too would
            # show the same message twice, once above the form).
            with contextlib.suppress(ValidationError):
                self.orgnr = format_orgnr(normalise_orgnr(self.orgnr))
        if self.host:
            self.host = self.host.strip().lower()

    @property
    def logo_version(self) -> str:
        """Changes exactly when the logo does (every stored logo has a new generated name): the `?v=` of the
        logo's URL, so a browser fetches a new logo at once and keeps the old one cached meanwhile."""
        return hashlib.sha256(self.logo.name.encode()).hexdigest()[:12] if self.logo else ""

    @property
    def intro(self) -> str:
        """The introduction in the active language (the other one when it is empty)."""
        english = (get_language() or "sv").startswith("en")
        first, second = (self.intro_en, self.intro_sv) if english else (self.intro_sv, self.intro_en)
        return first or second
