"""Forms across the site: how every form is drawn, and how a service's errors land on a form.

* `FormRenderer` — the project's form and field templates, set once in settings.FORM_RENDERER, so that
  `{{ form }}` and `{{ field.as_field_group }}` give the same accessible markup on every page (an error
  summary linked to the fields; each field with its label, help text, errors and aria-describedby, as
  Django's own field template writes them).
* `DecimalField` — every decimal number a person types: Swedish decimal comma and spaces between thousands.
* `errors_to_form` — the one place a view turns a service's ValidationError into form errors. Services raise
  ValidationError with a message, a list of messages, or a dict naming fields (`{"email": ...}`); each
  message lands on the field it names when the form has that field, otherwise at the top of the form —
  never a 500 for a field name the form does not know, and no message lost.
* `submit` — the POST half of every form page: a valid form's data goes to one service; what the service
  refuses lands on the form through `errors_to_form`; a success message is flashed when it saved.
* `posted` — what a form is bound to: the POST's data on a POST (an empty one too), None on a GET.
* `form_page` — a whole form page on top of `submit`: the page with its form, or after a save a redirect.
* `act` — the same for a button without a form (publish, remove, deliver): the service's refusal is flashed.
* `valid_or_flash` — a small form posted from a page that shows no bound form (a button with a note in a list,
  a bulk action): when it is not valid, each of its errors is flashed instead."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.formats import get_format

_SPACES = re.compile(r"[\s\u00a0\u202f]+")  # also the (narrow) no-break space Swedish software puts in 1 000

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


def posted(request: HttpRequest) -> QueryDict | None:
    """The data a form is bound to: on a POST the POST's data, also when it is empty (a form posted without
    any field is validated and shows what is missing); on a GET None, an unbound form with its initial
    values. (`request.POST or None` would show an empty POST the blank form again without a word.)"""
    return request.POST if request.method == "POST" else None


@runtime_checkable
class HasPage(Protocol):
    """A model with a page of its own (Django's get_absolute_url)."""

    def get_absolute_url(self) -> str: ...


def form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[], T],
    *,
    then: str | Callable[[T], Any] | None = None,
    success: str | None = None,
    template: str | None = None,
    context: dict[str, Any] | None = None,
    page: Callable[[], HttpResponse] | None = None,
    default_field: str | None = None,
) -> HttpResponse:
    """One form page: `submit` (`save`, `success` and `default_field` as there), then either a redirect
    after the save, or the page with the form and its errors (a GET, an invalid form, a refusal).

    `then` is where a save leads: a URL name or address, or a function of what `save` returned giving an
    HttpResponse or what `redirect` takes; by default, the page of what `save` returned (its
    get_absolute_url). The page is `template` rendered with `context` and the form as "form", or `page()`
    where the view draws the page itself."""
    if (template is None) == (page is None):
        raise ValueError("form_page takes a template or a page, one of them")
    if saved := submit(request, form, save, success=success, default_field=default_field):
        if then is None:
            if not isinstance(saved.value, HasPage):
                raise TypeError("form_page without `then` needs a save that returns an object with a page")
            return redirect(saved.value)
        target = then(saved.value) if callable(then) else then
        return target if isinstance(target, HttpResponse) else redirect(target)
    if template is not None:
        return render(request, template, {**(context or {}), "form": form})
    assert page is not None  # one of the two, checked above
    return page()


def act(request: HttpRequest, action: Callable[[], T], *, success: str) -> Saved[T] | None:
    """A button's POST without a form: call `action` (one service); flash `success` when it did its work,
    or the service's refusal (every message, in the reader's language) when it raised ValidationError."""
    try:
        result = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    messages.success(request, success)
    return Saved(result)


def valid_or_flash(request: HttpRequest, form: forms.BaseForm) -> bool:
    """True when `form` is valid; otherwise flash each of its errors, in order, and return False (the view
    then goes back to the page the form was posted from, which shows the messages)."""
    if form.is_valid():
        return True
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return False


class DecimalField(forms.DecimalField):
    """A decimal number as the reader writes it: in Swedish with a decimal comma ("65,5848", "1 250 000,50"),
    and with the point that maps and other systems copy ("65.5848"); shown back in the reader's language.

    A text box with a decimal keyboard (`inputmode`), not `type=number`: browsers refuse or silently drop a
    comma in a number box depending on their own locale, and cannot show a localised value in one. English
    keeps Django's reading (a point; a comma is not a decimal separator there)."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.setdefault("inputmode", "decimal")
        return attrs

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = _SPACES.sub("", value)
            if get_format("DECIMAL_SEPARATOR") == ",":
                value = value.replace(",", ".")
        return super().to_python(value)
