"""Forms of the calendar. Every form lists its fields explicitly (no `__all__`, no `exclude`): status,
sequence, the check-in code and retention bookkeeping are never form fields (docs/security-checks.md C15)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.access import Actor
from directory.forms import MunicipalityField
from directory.models import Organisation
from events.models import Audience, Event

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class StockholmDateTimeField(forms.DateTimeField):
    """`<input type="datetime-local">`: the browser sends a wall-clock time without a zone, which means
    Swedish time whatever the server's or the visitor's zone. A time that does not exist or exists twice
    (the daylight-saving changes) is refused with a clear message."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def to_python(self, value: Any) -> Any:
        with timezone.override(STOCKHOLM):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        with timezone.override(STOCKHOLM):
            return super().prepare_value(value)


# The form in groups, in order; the model fields of the form are these ("organiser" is the form's own).
EVENT_FIELDSETS = [
    (_("What"), ["organiser", "kind", "title_sv", "title_en", "description_sv", "description_en"]),
    (_("When"), ["start", "end"]),
    (_("Where"), ["place_name", "street_address", "kommunkod", "venue_accessibility", "online_url"]),
    (
        _("Who may come"),
        [
            "audience",
            "invited_organisations",
            "capacity",
            "requires_approval",
            "registration_opens",
            "registration_closes",
        ],
    ),
    (_("Personal data"), ["retention_days"]),
]


class EventForm(forms.ModelForm):
    start = StockholmDateTimeField(label=_("Starts"), help_text=_("Swedish time."))
    end = StockholmDateTimeField(label=_("Ends"), help_text=_("Swedish time."))
    registration_opens = StockholmDateTimeField(
        label=_("Registration opens"), required=False, help_text=_("Leave empty to open at once.")
    )
    registration_closes = StockholmDateTimeField(
        label=_("Registration closes"), required=False, help_text=_("Leave empty to keep it open until the event ends.")
    )
    kommunkod = MunicipalityField(
        label=_("Municipality"), required=False, empty_label=_("— not in a municipality / online —")
    )
    online_url = forms.URLField(
        label=_("Online meeting link"),
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text=_("Shown only to people who are registered."),
    )
    invited_organisations = forms.ModelMultipleChoiceField(
        label=_("Invited organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for events open to invited organisations only."),
    )

    FIELDSETS = EVENT_FIELDSETS

    class Meta:
        model = Event
        fields = [name for _legend, names in EVENT_FIELDSETS for name in names if name != "organiser"]
        widgets = {
            "description_sv": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "venue_accessibility": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invited_organisations"].queryset = Organisation.objects.visible_to(actor).order_by("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("audience") == Audience.INVITED and not cleaned.get("invited_organisations"):
            self.add_error("invited_organisations", _("Choose at least one organisation to invite."))
        return cleaned

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names if name in self.fields]) for legend, names in self.FIELDSETS]

    def event_data(self) -> dict[str, Any]:
        """What the services take: the form's fields, nothing else."""
        data = {name: self.cleaned_data[name] for name in self._meta.fields if name != "invited_organisations"}
        data["invited_organisations"] = list(self.cleaned_data.get("invited_organisations") or [])
        return data


class EventCreateForm(EventForm):
    organiser = forms.ModelChoiceField(
        label=_("Organiser"), queryset=Organisation.objects.none(), to_field_name="code", empty_label=None
    )

    field_order = ["organiser"]

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["organiser"].queryset = Organisation.objects.editable_by(actor).order_by("name")
        self.order_fields(["organiser", *self._meta.fields])
