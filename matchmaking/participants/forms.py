"""Participants, their outcomes and their needs: forms that only parse input (matchmaking/forms.py says how
the rules are checked and why every form lists its fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.forms import MunicipalityField
from directory.models import Organisation, ServiceCategory
from matchmaking.forms import DATE, ParsingModelForm
from matchmaking.models import (
    Adaptation,
    FundedProject,
    LabourMarketEvent,
    Need,
    Participant,
    Weekday,
)
from matchmaking.occupations import occupation_choices

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
    """ESF+ data of a participant (docs/esf-indicators.md). The code is generated; there is no name."""

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

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation], projects: QuerySet[FundedProject], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects.order_by("diarienummer")
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
        fields = ["event", "criterion", "date"]
        widgets = {"date": DATE}
        help_texts = {
            "event": _("“Improved situation” applies only to people who were employed at entry."),
            "criterion": _(
                "Only for an improved situation, and required for it. A pay rise alone is not an improvement."
            ),
            "date": _("The day it happened: from the entry date until today."),
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
