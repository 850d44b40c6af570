"""Forms for matchmaking. They only parse input; the rules (ESF+ data rules, the personnummer guard, capacity)
are checked once, by the service's `full_clean()` in the same transaction as the write, and the view puts
those errors back on the fields with `kernel.forms.errors_to_form`.

Every form lists its fields (no `__all__`, no `exclude`): extra POST fields such as `status=accepted`,
`organisation=…` or `places_available=…` are never read (docs/security-checks.md C15).

The feature forms live with their feature: matchmaking/participants/forms.py (participants, outcomes, needs),
matchmaking/opportunities/forms.py, matchmaking/matches/forms.py (answering and closing a placement). Here:
what they share."""

from __future__ import annotations

from typing import Any

from django import forms


class ParsingModelForm(forms.ModelForm):
    """A ModelForm that builds its fields from the model but leaves model validation to the service: the
    instance is never touched, so one validation path (the service's full_clean) decides."""

    def _post_clean(self) -> None:
        return

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
