"""An attendance certificate: the verification code of one present attendee's certificate. Registered in the
events app by events/models.py."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import TimeStampedModel

# 32 URL-safe characters (192 random bits): guessing a valid code is hopeless, so the public verification
# page needs no rate limit of its own.
CODE_BYTES = 24


def new_certificate_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


class Certificate(TimeStampedModel):
    """Issued the first time the certificate of a present attendee is downloaded; the code is printed on it.
    It outlives the event's retention purge: the verification page then still confirms the event, the date and
    the hours, but no longer anything about the person (the name is never stored here)."""

    code = models.CharField(max_length=64, unique=True, default=new_certificate_code, editable=False)
    registration = models.OneToOneField(
        "events.Registration", on_delete=models.CASCADE, related_name="certificate", editable=False
    )
    # Frozen at issue: a later change of the event's times does not change a certificate already handed out.
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=Decimal("0"))

    class Meta:
        verbose_name = _("attendance certificate")
        verbose_name_plural = _("attendance certificates")

    def __str__(self) -> str:
        return f"certificate of registration {self.registration_id}"
