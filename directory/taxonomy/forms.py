from __future__ import annotations

from typing import Any

from django import forms

from directory.models import ServiceCategory


class ServiceCategoryForm(forms.ModelForm):
    """Name in Swedish and English, order, in use. The identifier (the `?service=` value in shared and saved
    search links) is chosen once, when the category is created."""

    class Meta:
        model = ServiceCategory
        fields = ["slug", "name_sv", "name_en", "position", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["slug"]

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}

    def _post_clean(self) -> None:
        """The service validates and saves; the form only reads the fields (no model validation here, so
        the instance is not changed before the service runs)."""
