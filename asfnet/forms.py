from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from directory.adapters import pending_invitation
from kernel.cache import fail_closed_refusal, reset_fail_closed_refusal
from kernel.identifiers import refuse_personnummer


class SignupForm(AllauthSignupForm):
    """allauth's signup form with the person's name; the e-mail is the invitation's."""

    full_name = forms.CharField(label=_("Your name"), max_length=150, validators=[refuse_personnummer], required=True)
    field_order = ["full_name", "email", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invitation = pending_invitation(getattr(context, "request", None))
        self.invitation = invitation  # the sign-up page names the organisation the person joins
        if invitation is not None and "email" in self.fields:
            self.fields["email"].initial = invitation.email
            self.fields["email"].widget.attrs["readonly"] = True


class _TotpOutageMessageMixin:
    """While the cache (Redis) is unreachable a right TOTP code is refused, because the mark that stops it
    being used twice cannot be written (kernel.cache). Say so, and point to the recovery codes, instead of
    calling a right code incorrect."""

    def clean_code(self) -> str:
        reset_fail_closed_refusal()
        try:
            return super().clean_code()  # type: ignore[misc]
        except ValidationError:
            if fail_closed_refusal():
                raise ValidationError(
                    _(
                        "Codes from your authenticator app cannot be checked right now because of a technical "
                        "fault. Log in with one of your recovery codes, or try again in a few minutes."
                    ),
                    code="totp_unavailable",
                ) from None
            raise


class MfaAuthenticateForm(_TotpOutageMessageMixin, AuthenticateForm):
    pass


class MfaReauthenticateForm(_TotpOutageMessageMixin, ReauthenticateForm):
    pass
