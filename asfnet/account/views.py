from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from asfnet.account import selectors, services
from asfnet.account.forms import LanguageForm
from asfnet.middleware import set_language_cookie
from directory.access import request_actor
from kernel.forms import submit
from kernel.models import User


@login_required
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # login_required: never anonymous here
    form = LanguageForm(request.POST or None, initial={"preferred_language": user.preferred_language})
    saved = submit(
        request,
        form,
        lambda: services.account_language_set(user=user, language=form.cleaned_data["preferred_language"]),
    )
    if saved:
        language = form.cleaned_data["preferred_language"]
        with translation.override(language):  # said in the language just chosen
            messages.success(request, _("Your language is saved."))
        response = redirect("my_account")
        set_language_cookie(response, language)
        return response
    context = {
        "form": form,
        "overview": selectors.account_overview(actor=request_actor(request), user=user),
        "languages": dict(settings.LANGUAGES),
    }
    return render(request, "asfnet/account/overview.html", context)
