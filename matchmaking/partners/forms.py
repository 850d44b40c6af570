"""Forms for partner requests, answers and the buyer's filter of ASF eligible for reserved contracts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.forms import MunicipalityField
from directory.models import Municipality, Organisation, ServiceCategory
from matchmaking.partners.models import PartnerAnswer, PartnerRequest


def municipality_choices(blank_label: Any = None) -> list[tuple[str, str]]:
    choices = Municipality.objects.choices()
    return [("", blank_label), *choices] if blank_label is not None else choices


class PartnerRequestForm(forms.ModelForm):
    """The requester chooses which of their organisations asks; status and author are never taken from
    the POST (docs/security-checks.md C15)."""

    organisation = forms.ModelChoiceField(
        label=_("Requesting organisation"), queryset=Organisation.objects.none(), to_field_name="code"
    )
    municipality = MunicipalityField(
        label=_("Municipality where the service is needed"), empty_label=_("Choose a municipality")
    )

    class Meta:
        model = PartnerRequest
        fields = ["title", "description", "service", "municipality", "needed_by", "reserved_for_asf"]
        widgets = {
            "needed_by": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "title": _("e.g. Catering for 40 people in Boden in May"),
            "description": _("What, how much, when. Do not write anything about individual persons."),
        }

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["organisation"])
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first().code
        self.fields["service"].queryset = ServiceCategory.objects.filter(active=True)
        self.fields["service"].label = _("Service needed")


class PartnerResponseForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Answering for"), queryset=Organisation.objects.none(), to_field_name="code"
    )
    answer = forms.ChoiceField(label=_("Your answer"), choices=PartnerAnswer.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note to the requester (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].code
            self.fields["organisation"].widget = forms.HiddenInput()


class ReservedAsfFilterForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=ServiceCategory.objects.filter(active=True),
        to_field_name="slug",
        required=False,
        empty_label=_("All services"),
    )
    municipality = forms.ChoiceField(label=_("Municipality"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = municipality_choices(_("All municipalities"))
