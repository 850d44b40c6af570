from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.access import Actor
from directory.models import (
    InvitationRole,
    Municipality,
    Organisation,
    ServiceCategory,
    SupportOffered,
    swedish_sort_key,
)
from kernel.forms import DecimalField
from kernel.identifiers import normalise_sni, validate_kommunkod


def _format_sni(code: str) -> str:
    """`47791` → `47.791` (how SNI codes are usually written)."""
    return f"{code[:2]}.{code[2:]}" if len(code) > 2 else code


class _SwedishOrder(forms.models.ModelChoiceIterator):
    def __iter__(self):  # type: ignore[no-untyped-def]
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for municipality in self.queryset.in_swedish_order():
            yield self.choice(municipality)


class _ByCounty(forms.models.ModelChoiceIterator):
    """Municipalities grouped by county (290 boxes in 21 groups), both in Swedish order."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        counties: dict[str, list[Any]] = {}
        for municipality in self.queryset.in_swedish_order():
            counties.setdefault(municipality.county_name, []).append(self.choice(municipality))
        for county in sorted(counties, key=swedish_sort_key):
            yield (county, counties[county])


class MunicipalitiesField(forms.ModelMultipleChoiceField):
    """Several municipalities, as tick boxes grouped by county."""

    iterator = _ByCounty

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Municipality.objects.only("code", "name", "county_name"))
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(**kwargs)


class MunicipalityField(forms.ModelChoiceField):
    """A municipality from the reference (all of Sweden's), offered as a select in Swedish alphabetical order.
    A value that is not four digits says so; four digits that are no municipality (`9999`) too."""

    iterator = _SwedishOrder
    default_error_messages = {
        "invalid_choice": _("“%(value)s” is not a Swedish municipality code. Choose a municipality from the list."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Municipality.objects.only("code", "name"))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not isinstance(value, Municipality):
            validate_kommunkod(str(value))
        return super().to_python(value)


class OrganisationForm(forms.ModelForm):
    """What members may change about their own organisation, grouped in fieldsets. Kind and orgnr are fixed
    at registration and changed only by coordinators (admin), so they are not fields here; neither are
    the freshness and verification columns (mass assignment, docs/security-checks.md C15)."""

    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https", max_length=200)
    kommunkod = MunicipalityField(label=_("Municipality"))
    services = forms.ModelMultipleChoiceField(
        label=_("Services"),
        queryset=ServiceCategory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    municipalities_served = MunicipalitiesField(label=_("Municipalities served"), required=False)
    support_offered = forms.MultipleChoiceField(
        label=_("Support offered"),
        choices=SupportOffered.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sni_codes = forms.CharField(
        label=_("SNI codes"),
        required=False,
        max_length=200,
        help_text=_("SNI 2007 codes separated by commas, e.g. 47.791, 88.992."),
    )
    latitude = DecimalField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        max_digits=12,
        help_text=_("Decimal degrees, e.g. 65.5848."),
    )
    longitude = DecimalField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        max_digits=12,
        help_text=_("Decimal degrees, e.g. 22.1547."),
    )
    confirm = forms.BooleanField(
        label=_("These details are correct (confirm)"),
        required=False,
        help_text=_("Tick to confirm that the whole profile is up to date, so it does not ask for an update."),
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "legal_name",
            "kommunkod",
            "published",
            "street_address",
            "postal_code",
            "city",
            "phone",
            "email",
            "website",
            "description_sv",
            "description_en",
            "summary_easy_sv",
            "services",
            "municipalities_served",
            "takes_placements",
            "placement_capacity",
            "support_offered",
            "premises_accessibility",
            "employees",
            "sni_codes",
            "latitude",
            "longitude",
        ]
        widgets = {
            "description_sv": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "summary_easy_sv": forms.Textarea(attrs={"rows": 3, "lang": "sv"}),
            "premises_accessibility": forms.Textarea(attrs={"rows": 3}),
        }

    # (id, legend, fields): rendered by templates/directory/edit.html, one <fieldset> each.
    FIELDSETS = [
        ("basic", _("Basic details"), ["name", "legal_name", "kommunkod", "published"]),
        (
            "contact",
            _("Contact and address"),
            ["street_address", "postal_code", "city", "phone", "email", "website"],
        ),
        ("description", _("Description"), ["description_sv", "description_en", "summary_easy_sv"]),
        ("services", _("Services"), ["services"]),
        ("area", _("Municipalities served"), ["municipalities_served"]),
        ("placements", _("Placements and support"), ["takes_placements", "placement_capacity", "support_offered"]),
        ("premises", _("Premises"), ["premises_accessibility"]),
        ("size", _("Employees and industry"), ["employees", "sni_codes"]),
        ("coordinates", _("Location on the map"), ["latitude", "longitude"]),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        # Active services, plus any retired one the organisation still has (so saving does not drop it).
        selected = instance.services.values("pk") if instance.pk else ServiceCategory.objects.none().values("pk")
        self.fields["services"].queryset = ServiceCategory.objects.filter(Q(active=True) | Q(pk__in=selected))
        if instance.pk and not self.is_bound:
            self.initial["sni_codes"] = ", ".join(_format_sni(code) for code in instance.sni_codes or [])

    def clean_sni_codes(self) -> list[str]:
        raw = self.cleaned_data.get("sni_codes") or ""
        codes: list[str] = []
        errors: list[ValidationError] = []
        for part in raw.replace(";", ",").split(","):
            if not part.strip():
                continue
            try:
                code = normalise_sni(part.strip())
            except ValidationError as error:
                errors.append(error)
            else:
                if code not in codes:
                    codes.append(code)
        if errors:
            raise ValidationError(errors)
        return codes

    def _clean_coordinate(self, name: str) -> Decimal | None:
        value = self.cleaned_data.get(name)
        return None if value is None else value.quantize(Decimal("0.000001"))

    def clean_latitude(self) -> Decimal | None:
        return self._clean_coordinate("latitude")

    def clean_longitude(self) -> Decimal | None:
        return self._clean_coordinate("longitude")

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [(key, legend, [self[name] for name in names]) for key, legend, names in self.FIELDSETS]

    def profile_data(self) -> dict[str, Any]:
        """The cleaned data for directory.services.organisation_update (without the confirm tick)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "confirm"}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=[])
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=[("sv", _("Swedish")), ("en", _("English"))]
    )

    def __init__(self, *args: Any, inviter: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (InvitationRole.MEMBER, InvitationRole.MEMBER.label),
            (InvitationRole.ADMIN, InvitationRole.ADMIN.label),
        ]
        if inviter.is_coordinator and inviter.forbund_id is not None:
            choices.append((InvitationRole.COORDINATOR, InvitationRole.COORDINATOR.label))
        self.fields["role"].choices = choices
