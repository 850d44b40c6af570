from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import Organisation
from directory.queues.services import BulkAction

ACTION_LABELS = {
    BulkAction.VERIFY: _("Verify"),
    BulkAction.REMIND: _("Ask the members to update the profile"),
    BulkAction.HIDE: _("Hide from the public directory"),
}


class _Codes(forms.ModelMultipleChoiceField):
    """Organisations by code; a value that is no code at all reads as one that no longer exists."""

    def _check_values(self, value):  # type: ignore[no-untyped-def]
        try:
            return super()._check_values(value)
        except forms.ValidationError as error:
            if error.code in ("invalid_choice", "invalid_pk_value", "invalid_list", "required"):
                raise
            raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value") from error


class BulkForm(forms.Form):
    """The ticked organisations (by code) and what to do with them."""

    organisations = _Codes(
        queryset=Organisation.objects.all(),
        to_field_name="code",
        error_messages={
            "required": _("Tick at least one organisation."),
            "invalid_choice": _("One of the ticked organisations no longer exists. Nothing was changed."),
            "invalid_pk_value": _("One of the ticked organisations no longer exists. Nothing was changed."),
        },
    )
    action = forms.ChoiceField(
        choices=list(ACTION_LABELS.items()),
        error_messages={
            "required": _("Choose what to do with the ticked organisations."),
            "invalid_choice": _("Choose what to do with the ticked organisations."),
        },
    )
