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
