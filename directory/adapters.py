"""allauth adapter: signup only through an invitation; the invitation's address starts verified."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from directory.models import Invitation
from directory.services import invitation_accept, invitation_by_token
from directory.validators import PENDING_ORGANISATION_NAME
from kernel.models import User

INVITATION_SESSION_KEY = "asfnet_invitation_token"


def pending_invitation(request: HttpRequest | None) -> Invitation | None:
    if request is None or not hasattr(request, "session"):
        return None
    token = request.session.get(INVITATION_SESSION_KEY)
    if not token:
        return None
    return invitation_by_token(token)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return pending_invitation(request) is not None

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email).strip().lower()
        invitation = pending_invitation(self.request)
        if invitation is not None and email != invitation.email.lower():
            raise ValidationError(
                _("Use the e-mail address the invitation was sent to: %(email)s.") % {"email": invitation.email}
            )
        return email

    def clean_password(self, password: str, user: User | None = None) -> str:
        invitation = pending_invitation(self.request)
        if user is not None and invitation is not None:
            setattr(user, PENDING_ORGANISATION_NAME, invitation.organisation.name)
        return super().clean_password(password, user=user)

    def save_user(self, request: HttpRequest, user: User, form: forms.Form, commit: bool = True) -> User:
        invitation = pending_invitation(request)
        if invitation is None:  # is_open_for_signup refused earlier; defend anyway
            raise ValidationError(_("Signing up requires an invitation."))
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "") or user.full_name
        user.preferred_language = invitation.language
        user.save()
        invitation_accept(invitation=invitation, user=user)
        request.session.pop(INVITATION_SESSION_KEY, None)
        return user

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        token = request.session.get(INVITATION_SESSION_KEY)
        if token:
            return reverse("directory:invitation_accept", kwargs={"token": token})
        return super().get_login_redirect_url(request)
