"""Forms across the site: how every form is drawn, and how a service's errors land on a form.

* `FormRenderer` — the project's form and field templates, set once in settings.FORM_RENDERER, so that
  `{{ form }}` and `{{ field.as_field_group }}` give the same accessible markup on every page (an error
  summary linked to the fields; each field with its label, help text, errors and aria-describedby, as
  Django's own field template writes them).
* `errors_to_form` — the one place a view turns a service's ValidationError into form errors. Services raise
  ValidationError with a message, a list of messages, or a dict naming fields (`{"email": ...}`); each
  message lands on the field it names when the form has that field, otherwise at the top of the form —
  never a 500 for a field name the form does not know, and no message lost.
* `submit` — the POST half of every form page: a valid form's data goes to one service; what the service
  refuses lands on the form through `errors_to_form`; a success message is flashed when it saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest

T = TypeVar("T")


class FormRenderer(TemplatesSetting):
    """Django's renderer through the project's template engine, with the project's form and field layout."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"


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


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What the service of a submitted form returned. Always true, also when the service returns None."""

    value: T


def submit(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[], T],
    *,
    success: str | None = None,
    default_field: str | None = None,
) -> Saved[T] | None:
    """On a POST whose form is valid, call `save` (one service, reading `form.cleaned_data`). A ValidationError
    it raises goes onto the form (`errors_to_form`, `default_field` as there); otherwise `success` is
    flashed. Returns `Saved(result)` when the service saved, None when nothing was saved (not a POST, an
    invalid form, or refused by the service) — then the view shows the form again with its errors."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save()
    except ValidationError as error:
        errors_to_form(form, error, default_field=default_field)
        return None
    if success is not None:
        messages.success(request, success)
    return Saved(result)
