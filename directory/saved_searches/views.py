"""Saved searches: save the search on the directory page, list them (run or delete each). Logged-in users
only; each user sees and deletes only their own (anyone else's → 404)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from directory.filters import load_choices
from directory.forbund.middleware import request_forbund
from directory.forbund.registry import registry
from directory.models import SavedSearch
from directory.saved_searches import services as saved_searches


class SavedSearchForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the search"),
        max_length=SavedSearch._meta.get_field("name").max_length,
        required=False,
    )
    # The search's own query string (the page writes it; the service keeps only the search's parameters).
    query = forms.CharField(max_length=4000, required=False, widget=forms.HiddenInput)


@login_required
@require_POST
def saved_search_create(request: HttpRequest) -> HttpResponse:
    form = SavedSearchForm(request.POST)
    if not form.is_valid():
        for field_name, errors in form.errors.items():
            label = form.fields[field_name].label if field_name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("directory:index")
    params = QueryDict(form.cleaned_data["query"])
    try:
        saved = saved_searches.saved_search_create(
            user=request.user, params=params, name=form.cleaned_data["name"], forbund=request_forbund(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        query = saved_searches.normalise_query(params)
        return redirect(reverse("directory:index") + (f"?{query}" if query else ""))
    messages.success(
        request,
        _("The search was saved as “%(name)s”. You will get an e-mail once a week when new organisations match it.")
        % {"name": saved.name},
    )
    return redirect("directory:saved_searches")


@login_required
@require_GET
def saved_search_list(request: HttpRequest) -> HttpResponse:
    choices = load_choices()
    rows = [
        {
            "saved": saved,
            "description": saved_searches.describe(saved.query_string, choices, registry().get(saved.forbund_id)),
        }
        for saved in saved_searches.saved_search_list(user=request.user)
    ]
    return render(
        request,
        "directory/saved_searches/list.html",
        {"rows": rows, "max_saved": saved_searches.MAX_PER_USER},
    )


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, code: str) -> HttpResponse:
    saved = saved_searches.saved_search_for_user(actor=request.actor, code=code)
    saved_searches.saved_search_delete(actor=request.actor, saved_search=saved)
    messages.success(request, _("The saved search “%(name)s” was deleted.") % {"name": saved.name})
    return redirect("directory:saved_searches")
