"""Forms of the calendar. Every form lists its fields explicitly (no `__all__`, no `exclude`): status,
sequence, the check-in code and retention bookkeeping are never form fields (security-checks C15)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.forms import MunicipalityField
from directory.models import Organisation
from events.models import Attendance, Audience, Event, Registration
from kernel.identifiers import refuse_personnummer

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

    class Meta:
        model = Event
        fields = [
            "kind",
            "title_sv",
            "title_en",
            "description_sv",
            "description_en",
            "start",
            "end",
            "place_name",
            "street_address",
            "kommunkod",
            "venue_accessibility",
            "online_url",
            "audience",
            "invited_organisations",
            "capacity",
            "registration_opens",
            "registration_closes",
            "retention_days",
        ]
        widgets = {
            "description_sv": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "venue_accessibility": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invited_organisations"].queryset = Organisation.objects.visible_to(user).order_by("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("audience") == Audience.INVITED and not cleaned.get("invited_organisations"):
            self.add_error("invited_organisations", _("Choose at least one organisation to invite."))
        return cleaned

    FIELDSETS = [
        (_("What"), ["organiser", "kind", "title_sv", "title_en", "description_sv", "description_en"]),
        (_("When"), ["start", "end"]),
        (_("Where"), ["place_name", "street_address", "kommunkod", "venue_accessibility", "online_url"]),
        (
            _("Who may come"),
            ["audience", "invited_organisations", "capacity", "registration_opens", "registration_closes"],
        ),
        (_("Personal data"), ["retention_days"]),
    ]

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

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["organiser"].queryset = Organisation.objects.editable_by(user).order_by("name")
        self.order_fields(["organiser", *self._meta.fields])


def _needs_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=300,
        validators=[refuse_personnummer],
        help_text=_("Optional. Deleted after the event according to our retention rules."),
    )


class RegistrationForm(forms.Form):
    """One-click registration of the logged-in member; the optional needs and, for people in several
    organisations, which one they come from."""

    organisation = forms.ChoiceField(label=_("I come from"), choices=[], required=False)
    dietary_needs = _needs_field(_("Dietary needs"))
    accessibility_needs = _needs_field(_("Accessibility needs"))

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.code): o for o in organisations}
        self.fields["organisation"].choices = [(code, o.name) for code, o in self.organisations.items()]
        if len(organisations) < 2:
            self.fields["organisation"].widget = forms.HiddenInput()

    def clean_organisation(self) -> Organisation | None:
        code = self.cleaned_data.get("organisation") or ""
        if code and code not in self.organisations:
            raise forms.ValidationError(_("Choose one of your organisations."))
        return self.organisations.get(code)


class GroupRegistrationForm(forms.Form):
    """Register several colleagues of one organisation at once."""

    colleagues = forms.MultipleChoiceField(label=_("Colleagues"), choices=[], widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, colleagues: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(u.code): u for u in colleagues}
        self.fields["colleagues"].choices = [(code, str(u)) for code, u in self.people.items()]
        self.fields["colleagues"].error_messages["required"] = _("Choose at least one colleague.")

    def clean_colleagues(self) -> list[Any]:
        return [self.people[code] for code in self.cleaned_data["colleagues"]]


class GuestRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150, validators=[refuse_personnummer])
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send a link there: your registration counts once you have followed it."),
    )
    dietary_needs = _needs_field(_("Dietary needs"))
    accessibility_needs = _needs_field(_("Accessibility needs"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "guest")
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=16,
        help_text=_("The six characters shown at the event."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


MARKABLE = [
    (Attendance.PRESENT, Attendance.PRESENT.label),
    (Attendance.ABSENT, Attendance.ABSENT.label),
    (Attendance.EXCUSED, Attendance.EXCUSED.label),
]


class AttendanceForm(forms.Form):
    """One radio group per confirmed registration, named `attendance-<registration code>`."""

    def __init__(self, *args: Any, registrations: list[Registration], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registrations = registrations
        for registration in registrations:
            self.fields[self.field_name(registration)] = forms.ChoiceField(
                label=registration.display_name,
                choices=[(Attendance.UNKNOWN, Attendance.UNKNOWN.label), *MARKABLE],
                required=False,
                initial=registration.attendance,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def field_name(registration: Registration) -> str:
        return f"attendance-{registration.code}"

    def rows(self) -> list[tuple[Registration, forms.BoundField]]:
        return [(r, self[self.field_name(r)]) for r in self.registrations]

    def changes(self) -> list[tuple[Registration, str]]:
        """(registration, new value) for every row whose value was given and differs from the stored one."""
        changed = []
        for registration in self.registrations:
            value = self.cleaned_data.get(self.field_name(registration))
            if value and value != registration.attendance:
                changed.append((registration, value))
        return changed
