"""The e-mail choices: one question per kind of notification, three answers each."""

from __future__ import annotations

from typing import Any

from django import forms

from notifications.kinds import Delivery, Kind


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, choices: list[tuple[Kind, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = [kind for kind, _current in choices]
        for kind, current in choices:
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.title,
                help_text=kind.description,
                choices=Delivery.choices,
                initial=current,
                widget=forms.RadioSelect,
            )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields under their group's heading, in the order of the kinds."""
        grouped: dict[str, list[forms.BoundField]] = {}
        labels: dict[str, str] = {}
        for kind in self.kinds:
            grouped.setdefault(kind.group.value, []).append(self[kind.key])
            labels[kind.group.value] = str(kind.group.label)
        return [(labels[group], fields) for group, fields in grouped.items()]
