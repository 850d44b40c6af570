from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from asfnet.access import is_coordinator
from directory.models import InvitationRole, Organisation


class OrganisationForm(forms.ModelForm):
    """What members may change about their own organisation. Kind and orgnr are fixed at registration
    and changed only by coordinators (admin), so they are not fields here."""

    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Organisation
        fields = ["name", "kommunkod", "website", "description_sv", "description_en", "published"]
        widgets = {
            "description_sv": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
        }


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=[])
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=[("sv", _("Swedish")), ("en", _("English"))]
    )

    def __init__(self, *args: Any, inviter: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (InvitationRole.MEMBER, InvitationRole.MEMBER.label),
            (InvitationRole.ADMIN, InvitationRole.ADMIN.label),
        ]
        if is_coordinator(inviter):
            choices.append((InvitationRole.COORDINATOR, InvitationRole.COORDINATOR.label))
        self.fields["role"].choices = choices
