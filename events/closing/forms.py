"""The closing report's text."""

from __future__ import annotations

from django import forms

from events.models import ClosingReport


class ClosingReportForm(forms.ModelForm):
    class Meta:
        model = ClosingReport
        fields = ["minutes", "follow_ups"]
        widgets = {
            "minutes": forms.Textarea(attrs={"rows": 10}),
            "follow_ups": forms.Textarea(attrs={"rows": 6}),
        }
