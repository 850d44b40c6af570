from __future__ import annotations

from typing import Any

from django import forms

from directory.models import Organisation, OrganisationKind
from matchmaking.forms import DATE
from matchmaking.models import FundedProject

# A project is owned by a public body or an association (a samordningsförbund, a municipality, a region …),
# never by an ASF or a business: the choice stays short enough for one list.
OWNER_KINDS = [
    kind
    for kind in OrganisationKind.values
    if kind not in {OrganisationKind.ASF, OrganisationKind.BUSINESS, OrganisationKind.EDUCATION_PRIVATE}
]


class FundedProjectForm(forms.ModelForm):
    class Meta:
        model = FundedProject
        fields = ["diarienummer", "name", "owner", "starts_on", "ends_on", "programme_area", "objective"]
        widgets = {"starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.instance.owner_id
        queryset = Organisation.objects.filter(kind__in=OWNER_KINDS)
        if owner:
            queryset = queryset | Organisation.objects.filter(pk=owner)
        self.fields["owner"].queryset = queryset.order_by("name")  # type: ignore[attr-defined]

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}

    def _post_clean(self) -> None:
        """The service validates (full_clean) and saves; the form leaves the instance untouched."""
