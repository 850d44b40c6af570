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


class BulkForm(forms.Form):
    """The ticked organisations (by code) and what to do with them."""

    organisations = forms.ModelMultipleChoiceField(
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
