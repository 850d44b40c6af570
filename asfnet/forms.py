from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from django import forms
from django.utils.translation import gettext_lazy as _

from asfnet.adapters import pending_invitation
from asfnet.identifiers import refuse_personnummer


class SignupForm(AllauthSignupForm):
    """allauth's signup form with the person's name; the e-mail is the invitation's."""

    full_name = forms.CharField(label=_("Your name"), max_length=150, validators=[refuse_personnummer], required=True)
    field_order = ["full_name", "email", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invitation = pending_invitation(getattr(context, "request", None))
        if invitation is not None and "email" in self.fields:
            self.fields["email"].initial = invitation.email
            self.fields["email"].widget.attrs["readonly"] = True
