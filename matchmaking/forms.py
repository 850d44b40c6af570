"""Forms for matchmaking. They only parse input; the rules (ESF+ data rules, the personnummer guard, capacity)
are checked once, by the service's `full_clean()` in the same transaction as the write, and the view puts
those errors back on the fields with `add_service_errors`.

Every form lists its fields (no `__all__`, no `exclude`): extra POST fields such as `status=accepted`,
`organisation=…` or `places_available=…` are never read (security-checks C15)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.forms import MunicipalityField
from directory.models import Organisation, ServiceCategory
from matchmaking.models import (
    Adaptation,
    FundedProject,
    LabourMarketEvent,
    Need,
    Opportunity,
    OutcomeEvent,
    Participant,
    Weekday,
)
from matchmaking.occupations import occupation_choices


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has that field,
    otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            if name == NON_FIELD_ERRORS:
                target = None
            form.add_error(target, errors)
    else:
        form.add_error(None, error)


class ParsingModelForm(forms.ModelForm):
    """A ModelForm that builds its fields from the model but leaves model validation to the service: the
    instance is never touched, so one validation path (the service's full_clean) decides."""

    def _post_clean(self) -> None:
        return

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- Participants -------------------------------------------------------------------------------------------
PARTICIPANT_FIELDS = [
    "gender",
    "birth_date",
    "entry_date",
    "status_at_entry",
    "unemployed_months",
    "isced",
    "municipality",
    "disability",
    "third_country_national",
    "foreign_background",
    "minority",
    "homeless",
    "rural",
    "consent_date",
    "consent_scope",
]


class ParticipantForm(ParsingModelForm):
    """ESF+ data of a participant (shared/esf-indicators.md). The code is generated; there is no name."""

    municipality = MunicipalityField(label=_("Municipality of residence"))

    class Meta:
        model = Participant
        fields = PARTICIPANT_FIELDS
        widgets = {"birth_date": DATE, "entry_date": DATE, "consent_date": DATE, "exit_date": DATE}
        help_texts = {
            "unemployed_months": _("Only for people unemployed at entry."),
            "consent_scope": _("What the person agreed to, in a few words. Never a name or personal identity number."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent_date"].required = True


class ParticipantCreateForm(ParticipantForm):
    project = forms.ModelChoiceField(label=_("Funded project"), queryset=FundedProject.objects.none())
    organisation = forms.ModelChoiceField(
        label=_("Raised by"), queryset=Organisation.objects.none(), to_field_name="code"
    )

    class Meta(ParticipantForm.Meta):
        fields = ["project", "organisation", *PARTICIPANT_FIELDS]

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = FundedProject.objects.order_by("diarienummer")
        self.fields["organisation"].queryset = organisations
        self._only_organisation = organisations[0] if len(organisations) == 1 else None
        if self._only_organisation is not None:
            # One organisation to choose from: nothing to ask (a forged other value is still refused).
            self.fields["organisation"].required = False
            self.fields["organisation"].widget = forms.HiddenInput()
        if not self.is_bound:
            self.initial.setdefault("entry_date", timezone.localdate())
            self.initial.setdefault("consent_date", timezone.localdate())
            if self.fields["project"].queryset.count() == 1:
                self.initial["project"] = self.fields["project"].queryset.first()

    def clean_organisation(self) -> Organisation | None:
        return self.cleaned_data.get("organisation") or self._only_organisation

    def data_for_service(self) -> dict[str, Any]:
        data = super().data_for_service()
        data.pop("project", None)
        data.pop("organisation", None)
        return data


class ParticipantEditForm(ParticipantForm):
    class Meta(ParticipantForm.Meta):
        fields = [*PARTICIPANT_FIELDS, "exit_date"]
        help_texts = {
            **ParticipantForm.Meta.help_texts,
            "exit_date": _("Set it when the person leaves the project."),
        }


class OutcomeForm(ParsingModelForm):
    class Meta:
        model = LabourMarketEvent
        fields = ["event", "date"]
        widgets = {"date": DATE}
        help_texts = {
            "event": _("“Improved situation” applies only to people who were employed at entry."),
        }


# --- Needs --------------------------------------------------------------------------------------------------
class NeedForm(ParsingModelForm):
    occupation_codes = forms.MultipleChoiceField(
        label=_("Occupational fields"), choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Kinds of work of interest"),
        queryset=ServiceCategory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    times = forms.MultipleChoiceField(
        label=_("Preferred times"), choices=Weekday.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    adaptations = forms.MultipleChoiceField(
        label=_("Adaptations needed"), choices=Adaptation.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    municipality = MunicipalityField(label=_("Municipality"))

    class Meta:
        model = Need
        fields = [
            "occupation_codes",
            "services",
            "hours_per_week",
            "times",
            "municipality",
            "travel_km",
            "adaptations",
            "supervisor_needed",
            "language",
            "earliest_start",
            "free_text",
        ]
        widgets = {"earliest_start": DATE, "free_text": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "travel_km": _("How far the person can travel to a placement, in kilometres."),
            "free_text": _(
                "Only what helps find a good place. Never a name or personal identity number. "
                "Seen only by your organisation and the project's coordinators."
            ),
        }

    def __init__(self, *args: Any, participant: Participant | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occupation_codes"].choices = occupation_choices()
        self.fields["services"].queryset = ServiceCategory.objects.filter(active=True)
        if participant is not None and not self.is_bound:
            self.initial.setdefault("municipality", participant.municipality_id)
            self.initial.setdefault("earliest_start", timezone.localdate())

    def data_for_service(self) -> dict[str, Any]:
        data = super().data_for_service()
        data.pop("services", None)
        return data


# --- Opportunities ------------------------------------------------------------------------------------------
OPPORTUNITY_FIELDS = [
    "type",
    "title",
    "description",
    "service",
    "occupation_code",
    "municipality",
    "hours_per_week_min",
    "hours_per_week_max",
    "times",
    "places_total",
    "adaptations",
    "supervisor_available",
    "starts_on",
    "ends_on",
    "published",
]


class OpportunityForm(ParsingModelForm):
    """An opportunity's published details. The live count of places left is not a field: it follows from
    `places_total` and the accepted placements (services)."""

    occupation_code = forms.ChoiceField(label=_("Occupational field"), choices=[], required=False)
    times = forms.MultipleChoiceField(
        label=_("Times offered"), choices=Weekday.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    adaptations = forms.MultipleChoiceField(
        label=_("Adaptations offered"), choices=Adaptation.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    municipality = MunicipalityField(label=_("Municipality"))
    places_total = forms.IntegerField(label=_("Places"), min_value=1, max_value=500)

    class Meta:
        model = Opportunity
        fields = OPPORTUNITY_FIELDS
        widgets = {"starts_on": DATE, "ends_on": DATE, "description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "published": _("Unpublished opportunities are seen only by your organisation."),
            "ends_on": _("Leave empty when the opportunity is open-ended."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.occupation_code if self.instance.pk else ""
        choices = [("", "---------"), *occupation_choices()]
        if current and current not in {code for code, _label in choices}:
            choices.append((current, current))
        self.fields["occupation_code"].choices = choices
        service = self.instance.service_id if self.instance.pk else None
        self.fields["service"].queryset = ServiceCategory.objects.filter(Q(active=True) | Q(pk=service))


class OpportunityCreateForm(OpportunityForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), to_field_name="code"
    )

    class Meta(OpportunityForm.Meta):
        fields = ["organisation", *OPPORTUNITY_FIELDS]

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if not self.is_bound:
            self.initial.setdefault("starts_on", timezone.localdate())
            if len(organisations) == 1:
                self.initial["organisation"] = organisations[0].code

    def data_for_service(self) -> dict[str, Any]:
        data = super().data_for_service()
        data.pop("organisation", None)
        return data


# --- The pipeline -------------------------------------------------------------------------------------------
class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can you not take this person?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The officer sees this. Never a name or personal identity number."),
    )


class StartForm(forms.Form):
    started_on = forms.DateField(label=_("Started on"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started_on"].initial = timezone.localdate()


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE)
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)
    outcome = forms.ChoiceField(
        label=_("The person's situation afterwards (optional)"),
        choices=[("", _("Record later")), *OutcomeEvent.choices],
        required=False,
    )

    def __init__(self, *args: Any, with_outcome: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()
        if not with_outcome:
            del self.fields["outcome"]  # only the raising officer records outcomes
