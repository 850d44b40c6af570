from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

NATIVE_NAMES = {"sv": "Svenska", "en": "English"}


class LanguageForm(forms.Form):
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        # Each language in its own name, as in the header's switcher: a reader finds their own language.
        choices=[(code, NATIVE_NAMES.get(code, str(name))) for code, name in settings.LANGUAGES],
        help_text=_("The language of the pages after you log in, and of the e-mails the portal sends you."),
        widget=forms.RadioSelect,
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account and everything that is only mine in asfnet is deleted for good."),
        required=True,
    )


class EraseOtherForm(forms.Form):
    email = forms.EmailField(label=_("The person's e-mail address"))
    confirm = forms.BooleanField(
        label=_("The person asked for their account to be deleted, and I have checked who they are."),
        required=True,
    )
