"""Service errors onto forms: the one place a view turns a service's ValidationError into form errors.

Services raise ValidationError with a message, a list of messages, or a dict naming fields
(`{"email": ...}`). A view calls the service and, on ValidationError, `errors_to_form(form, error)`: each
message lands on the field it names when the form has that field, otherwise at the top of the form — never
a 500 for a field name the form does not know, and no message lost."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def errors_to_form(form: forms.BaseForm, error: ValidationError, *, default_field: str | None = None) -> None:
    """Add `error` to a validated `form`. Messages that name no field of the form go on `default_field`
    (a field of the form, e.g. the upload an error is about) or, by default, at the top."""
    if default_field is not None and default_field not in form.fields:
        raise ValueError(f"the form has no field {default_field!r}")
    if not hasattr(error, "error_dict"):
        form.add_error(default_field, error)
        return
    for name, errors in error.error_dict.items():
        field = name if name != NON_FIELD_ERRORS and name in form.fields else default_field
        form.add_error(field, ValidationError(errors))
