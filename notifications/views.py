"""The notification centre: a person's notifications (newest first, unread marked), opening one (marks it
read and goes to the object), marking one or all read, and the e-mail choices. Each person reaches only their
own: anyone else's notification is 404. Signed-in users only.

This app sits below directory, so its views read `request.user` (the recipient), not directory's Actor."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.request import split_domain_port
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kernel.forms import form_page, posted
from kernel.models import User
from kernel.pagination import paginate
from kernel.request_context import current_forbund_id
from notifications import selectors, services
from notifications.forms import PreferencesForm

PER_PAGE = 25


def _recipient(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind login_required)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("login_required lets only a signed-in user through")
    return user


@login_required
@require_GET
def centre(request: HttpRequest) -> HttpResponse:
    """On a förbund's portal: its notifications and the national ones; `?all=1`: every förbund's too."""
    user, forbund_id, every_forbund = _recipient(request), current_forbund_id(), _every_forbund(request.GET)
    mine = selectors.notification_list(user=user, forbund_id=forbund_id, every_forbund=every_forbund)
    here, elsewhere = selectors.notification_counts(user=user, forbund_id=forbund_id)
    context = {
        "page": paginate(request, mine, PER_PAGE, count=here + elsewhere if every_forbund else here),
        "every_forbund": every_forbund,
        "on_a_portal": forbund_id is not None,
        "elsewhere": 0 if every_forbund else elsewhere,
    }
    return render(request, "notifications/centre.html", context)


def _every_forbund(params: QueryDict) -> bool:
    return params.get("all") == "1"


def _back_to_centre(every_forbund: bool) -> HttpResponse:
    return HttpResponseRedirect(reverse("notifications:centre") + ("?all=1" if every_forbund else ""))


@login_required
@require_GET
def open_notification(request: HttpRequest, code: str) -> HttpResponse:
    """The link in the centre and in e-mails: marks the notification read and goes to what it is about."""
    notification = selectors.notification_for_user(user=_recipient(request), code=code)
    services.notification_mark_read(user=_recipient(request), notification=notification)
    if not url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect("notifications:centre")  # a stored path is always ours; this never leaves the site
    if notification.site and urlsplit(notification.site).hostname != split_domain_port(request.get_host())[0]:
        # The object is on a förbund's portal (an address the app stored, never one from the request).
        return HttpResponseRedirect(notification.site + notification.url)
    return HttpResponseRedirect(notification.url)


@login_required
@require_POST
def mark_read(request: HttpRequest, code: str) -> HttpResponse:
    notification = selectors.notification_for_user(user=_recipient(request), code=code)
    services.notification_mark_read(user=_recipient(request), notification=notification)
    return redirect("notifications:centre")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    every_forbund = _every_forbund(request.POST)
    count = services.notifications_mark_all_read(
        user=_recipient(request), forbund_id=current_forbund_id(), every_forbund=every_forbund
    )
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return _back_to_centre(every_forbund)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _recipient(request)
    choices = selectors.preference_choices(user=user)
    form = PreferencesForm(posted(request), choices=choices)
    return form_page(
        request,
        form,
        lambda: services.preferences_set(user=user, choices=form.cleaned_data),
        success=_("Your notification settings are saved."),
        then="notifications:preferences",
        template="notifications/preferences.html",
        context={
            "in_app_only": selectors.in_app_only_kinds(),
            "keep_read_days": settings.NOTIFICATIONS_KEEP_READ_DAYS,
            "keep_days": settings.NOTIFICATIONS_KEEP_DAYS,
        },
    )
