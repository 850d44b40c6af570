"""The coordinators' work queues: `/directory/queues/?queue=…` lists the organisations of one queue (filterable by
type, municipality and name); ticking some and choosing an action does it to all of them or to none. Anyone but
a coordinator: 404 (the page does not exist for them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from directory.models import Organisation
from directory.queues.filters import QUEUES, QueueFilter, in_queues_of, queue_counts
from directory.queues.forms import BulkForm
from directory.queues.services import BulkAction, BulkResult, organisations_bulk_act
from kernel.forms import valid_or_flash
from kernel.pagination import paginate, query_without_page

PAGE_SIZE = 50


def _done_message(result: BulkResult) -> str:
    count = result.done
    if result.action == BulkAction.VERIFY:
        text = ngettext("%(count)s organisation was verified.", "%(count)s organisations were verified.", count)
    elif result.action == BulkAction.HIDE:
        text = ngettext(
            "%(count)s organisation was hidden from the public directory.",
            "%(count)s organisations were hidden from the public directory.",
            count,
        )
    else:
        text = ngettext(
            "The members of %(count)s organisation were asked to update its profile.",
            "The members of %(count)s organisations were asked to update their profiles.",
            count,
        )
    text %= {"count": count}
    if result.without_members:
        text += " " + ngettext(
            "%(count)s of them has no members to ask.",
            "%(count)s of them have no members to ask.",
            result.without_members,
        ) % {"count": result.without_members}
    return text


def _bulk(request: HttpRequest) -> None:
    form = BulkForm(request.POST)
    if not valid_or_flash(request, form):
        return
    try:
        result = organisations_bulk_act(
            actor=request.actor,
            action=form.cleaned_data["action"],
            organisations=list(form.cleaned_data["organisations"]),
        )
    except ValidationError as error:
        messages.error(request, _("Nothing was changed: %(reason)s") % {"reason": " ".join(error.messages)})
        return
    except PermissionDenied:
        messages.error(request, _("Nothing was changed: you may not do this."))
        return
    messages.success(request, _done_message(result))


@login_required
@require_http_methods(["GET", "POST"])
def queues(request: HttpRequest) -> HttpResponse:
    if not request.actor.is_coordinator:
        raise Http404
    if request.method == "POST":
        _bulk(request)
        return redirect(request.get_full_path())
    organisations = in_queues_of(request.actor.forbund)
    filterset = QueueFilter(request.GET, queryset=organisations)
    rows = filterset.qs if filterset.is_valid() else Organisation.objects.none()
    page = paginate(request, rows, PAGE_SIZE)
    for organisation in page.object_list:
        organisation.verification_expires = organisation.verification_expires_at  # type: ignore[attr-defined]
    counts = queue_counts(organisations)
    context = {
        "filter": filterset,
        "page": page,
        "queue": filterset.chosen_queue,
        "queues": [(name, label, counts[name]) for name, label in QUEUES.items()],
        "query": query_without_page(request),
        "actions": BulkForm().fields["action"].choices,
    }
    return render(request, "directory/queues/index.html", context)
