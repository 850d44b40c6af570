"""Placement opportunities: forms that only parse input (matchmaking/forms.py says how the rules are
checked and why every form lists its fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.forms import MunicipalityField
from directory.models import Organisation, ServiceCategory
from matchmaking.forms import DATE, ParsingModelForm
from matchmaking.models import (
    Adaptation,
    Opportunity,
    Weekday,
)
from matchmaking.occupations import occupation_choices
from matchmaking.opportunities.services import EDITABLE_FIELDS

# --- Opportunities ------------------------------------------------------------------------------------------
# The form offers exactly what the service lets an organisation change.
OPPORTUNITY_FIELDS = list(EDITABLE_FIELDS)


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
