from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.identifiers import refuse_personnummer


class DuplicateSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find the duplicate by name, organisation number or code"),
        max_length=200,
        required=False,
        validators=[refuse_personnummer],
    )
