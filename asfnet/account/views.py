from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from asfnet import personal_data
from asfnet.account import selectors, services
from asfnet.account.forms import EraseForm, EraseOtherForm, LanguageForm
from asfnet.middleware import set_language_cookie
from directory.access import coordinator_required, request_actor
from kernel.downloads import attachment
from kernel.forms import form_page, posted, submit
from kernel.models import User


@login_required
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # login_required: never anonymous here
    form = LanguageForm(posted(request), initial={"preferred_language": user.preferred_language})
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


@never_cache
@login_required
@reauthentication_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponseBase:
    """Everything asfnet holds about the person (GDPR art. 15) as a ZIP, after a fresh password; audited."""
    user: User = request.user  # type: ignore[assignment]
    subject = personal_data.user_subject(user.email)
    return attachment(
        personal_data.export_zip(subject, requested_by=user),
        filename=personal_data.export_file_name(subject),
        content_type="application/zip",
    )


@never_cache
@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    """The person deletes their own account (GDPR art. 17)."""
    user: User = request.user  # type: ignore[assignment]
    form = EraseForm(posted(request))
    if submit(request, form, lambda: services.account_erase_on_request(actor=request_actor(request), user=user)):
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for the time in the network."))
        return redirect("home")
    return render(request, "asfnet/account/erase.html", {"form": form})


@never_cache
@coordinator_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def erase_person(request: HttpRequest) -> HttpResponse:
    """A coordinator deletes the account of a person who asked for it another way (a letter, a call)."""
    form = EraseOtherForm(posted(request))

    def erase_named() -> None:
        person = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if person is None:
            raise ValidationError({"email": _("No account has this e-mail address.")})
        services.account_erase_on_request(actor=request_actor(request), user=person)

    return form_page(
        request,
        form,
        erase_named,
        success=_("The account is deleted and the erasure is in the journal."),
        then="erase_person",
        template="asfnet/account/erase_person.html",
    )
