"""Partner requests and the buyer's list of ASF eligible for reserved contracts: access, selectors and services.

* A partner request is posted by any member organisation (typically a business or a public body) for one
  service in one municipality. ASF are suggested when they are listed in the directory, offer that service
  and are based in or serve that municipality; each suggestion says why in plain words, and whether the ASF
  holds a valid certification for reserved contracts (LOU 4 kap. 18 §, directory.Certification
  `lou_reserved`).
* Who sees a request: the requesting organisation's members, the members of every ASF it suggests (or that
  has answered it), and coordinators. Anyone else: 404. Only the requester (and coordinators) may close it
  and see the answers; an ASF sees its own answer only.
* Notifications: a new request goes to the members of every suggested ASF; an answer (or a changed one) to
  the person who posted the request (notifications/kinds.py).
* `reserved_asf` lists ASF with a valid `lou_reserved` certification per service and municipality, and
  `reserved_asf_csv` exports it as an invitation list for a market dialogue — the organisations' public
  contact fields only, with formula-looking cells neutralised (docs/security-checks.md E28).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.access import Actor, actor_for, can_edit_organisation
from directory.models import (
    Certification,
    CertificationKind,
    Organisation,
    OrganisationKind,
    ServiceCategory,
    certified_q,
)
from directory.selectors import member_user_ids
from kernel import tabular
from kernel.audit import audit_log, save_audited
from matchmaking.partners.models import PartnerAnswer, PartnerRequest, PartnerRequestStatus, PartnerResponse
from notifications.services import notify

_SERVED = Organisation.municipalities_served.through


# --- Who is suggested -------------------------------------------------------------------------------------
def _in_municipality(code: str) -> Q:
    """Based in the municipality, or serving it."""
    return Q(kommunkod=code) | Q(pk__in=_SERVED.objects.filter(municipality_id=code).values("organisation_id"))


def _reserved_certified() -> QuerySet[Certification]:
    return Certification.objects.valid().filter(kind=CertificationKind.LOU_RESERVED)


def suggested_organisations(request: PartnerRequest) -> QuerySet[Organisation]:
    """ASF listed in the directory that offer the request's service in its municipality."""
    if request.municipality_id is None:
        return Organisation.objects.none()
    return (
        Organisation.objects.listed()
        .filter(kind=OrganisationKind.ASF, services=request.service_id)
        .filter(_in_municipality(request.municipality_id))
    )


@dataclass(frozen=True)
class Reason:
    text: str
    fits: bool = True


@dataclass
class PartnerSuggestion:
    organisation: Organisation
    reasons: list[Reason] = field(default_factory=list)
    certified_until: dt.date | None = None
    response: PartnerResponse | None = None

    @property
    def certified(self) -> bool:
        return self.certified_until is not None


def suggestions(request: PartnerRequest) -> list[PartnerSuggestion]:
    """The suggested ASF with their reasons and answers. Reserved requests list certified ASF first; then by
    name (deterministic: ties by id)."""
    organisations = list(
        suggested_organisations(request).annotate(
            certified_until=Max(
                "certifications__valid_until",
                filter=Q(certifications__kind=CertificationKind.LOU_RESERVED) & certified_q("certifications__"),
            )
        )
    )
    responses = {r.organisation_id: r for r in request.responses.all()}
    where = request.municipality.name if request.municipality else ""
    service = request.service.name
    result = []
    for organisation in organisations:
        reasons = [Reason(_("offers %(service)s") % {"service": service.lower()})]
        if organisation.kommunkod_id == request.municipality_id:
            reasons.append(Reason(_("in %(municipality)s") % {"municipality": where}))
        else:
            reasons.append(Reason(_("serves %(municipality)s") % {"municipality": where}))
        if organisation.certified_until:
            reasons.append(
                Reason(
                    _("certified for reserved contracts (until %(date)s)")
                    % {"date": organisation.certified_until.isoformat()}
                )
            )
        elif request.reserved_for_asf:
            reasons.append(Reason(_("no valid certification for reserved contracts on file"), fits=False))
        result.append(
            PartnerSuggestion(
                organisation=organisation,
                reasons=reasons,
                certified_until=organisation.certified_until,
                response=responses.get(organisation.pk),
            )
        )
    result.sort(
        key=lambda s: (request.reserved_for_asf and not s.certified, s.organisation.name.casefold(), s.organisation.pk)
    )
    return result


# --- Access -----------------------------------------------------------------------------------------------
def _asf_memberships(actor: Actor) -> list[Organisation]:
    return [o for o in actor.organisations if o.kind == OrganisationKind.ASF]


def partner_requests_visible_to(actor: Actor) -> QuerySet[PartnerRequest]:
    """Coordinators: all. Others: their organisations' own requests, and requests that suggest (or were
    answered by) an ASF they belong to."""
    if not actor.is_authenticated:
        return PartnerRequest.objects.none()
    if actor.is_coordinator:
        return PartnerRequest.objects.all()
    visible = Q(organisation_id__in=actor.organisation_ids)
    asf = _asf_memberships(actor)
    if asf:
        visible |= Q(pk__in=PartnerResponse.objects.filter(organisation__in=asf).values("request_id"))
        listed = Organisation.objects.listed().filter(pk__in=[o.pk for o in asf])
        for organisation in listed.prefetch_related("services", "municipalities_served"):
            service_ids = [s.pk for s in organisation.services.all()]
            if service_ids:
                places = [organisation.kommunkod_id, *(m.code for m in organisation.municipalities_served.all())]
                visible |= Q(service_id__in=service_ids, municipality__in=places)
    return PartnerRequest.objects.filter(visible)


def partner_request_for_user(*, actor: Actor, code: UUID | str, manage: bool = False) -> PartnerRequest:
    """The request as this actor may reach it: outside scope 404; `manage` (close, see every answer) only for
    the requester's members and coordinators — a suggested ASF gets 403."""
    request = get_object_or_404(
        partner_requests_visible_to(actor).select_related("organisation", "service", "municipality", "created_by"),
        code=code,
    )
    if manage and not can_manage_request(actor, request):
        raise PermissionDenied
    return request


def can_manage_request(actor: Actor, request: PartnerRequest) -> bool:
    return can_edit_organisation(actor, request.organisation)


def responding_organisations(actor: Actor, request: PartnerRequest) -> list[Organisation]:
    """The actor's ASF that may answer this request: suggested for it, or already answered it."""
    asf = _asf_memberships(actor)
    if not asf:
        return []
    ids = {o.pk for o in asf}
    suggested = set(suggested_organisations(request).filter(pk__in=ids).values_list("pk", flat=True))
    answered = set(request.responses.filter(organisation__in=ids).values_list("organisation_id", flat=True))
    return [o for o in asf if o.pk in suggested | answered]


# --- Selectors ------------------------------------------------------------------------------------------
def partner_request_list(actor: Actor) -> QuerySet[PartnerRequest]:
    return (
        partner_requests_visible_to(actor)
        .select_related("organisation", "service")
        .annotate(interested=Count("responses", filter=Q(responses__answer=PartnerAnswer.INTERESTED)))
        .order_by("status", "-created_at", "-id")
    )


def own_responses(actor: Actor, request: PartnerRequest) -> dict[int, PartnerResponse]:
    ids = [o.pk for o in _asf_memberships(actor)]
    return {r.organisation_id: r for r in request.responses.filter(organisation__in=ids)}


def other_responses(request: PartnerRequest, suggested: Iterable[PartnerSuggestion]) -> list[PartnerResponse]:
    """Answers from ASF that are no longer suggested (their services or area changed since)."""
    shown = {s.organisation.pk for s in suggested}
    return [r for r in request.responses.select_related("organisation") if r.organisation_id not in shown]


# --- Services -------------------------------------------------------------------------------------------
@transaction.atomic
def partner_request_create(*, actor: Actor, organisation: Organisation, data: dict[str, Any]) -> PartnerRequest:
    """A member of `organisation` (or a coordinator) posts a request in the organisation's name."""
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    request = PartnerRequest(organisation=organisation, created_by=actor.user, status=PartnerRequestStatus.OPEN, **data)
    save_audited(request, actor=actor.user, action="partner_request.create")
    notify(
        kind="partner_request",
        recipients=member_user_ids(organisation_ids=suggested_organisations(request).values_list("pk", flat=True)),
        url=request.get_absolute_url(),
        params={
            "organisation": organisation.name,
            "title": request.title,
            "municipality": request.municipality.name if request.municipality is not None else "",
        },
        actor=actor.user,
    )
    return request


@transaction.atomic
def partner_request_close(*, actor: Actor, request: PartnerRequest) -> PartnerRequest:
    if not can_manage_request(actor, request):
        raise PermissionDenied
    closed = PartnerRequest.objects.filter(pk=request.pk, status=PartnerRequestStatus.OPEN).update(
        status=PartnerRequestStatus.CLOSED, updated_at=timezone.now()
    )
    if closed:
        audit_log(actor=actor.user, action="partner_request.close", target=request)
    request.refresh_from_db()
    return request


@transaction.atomic
def partner_response_set(
    *, actor: Actor, request: PartnerRequest, organisation: Organisation, answer: str, note: str = ""
) -> PartnerResponse:
    """An ASF that the request suggests answers interested or not; a later answer replaces the earlier one."""
    if organisation not in responding_organisations(actor, request):
        raise PermissionDenied
    request = PartnerRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != PartnerRequestStatus.OPEN:
        raise ValidationError(_("This request is closed; it no longer takes answers."))
    response = PartnerResponse.objects.filter(request=request, organisation=organisation).first() or PartnerResponse(
        request=request, organisation=organisation
    )
    changed = response.pk is None or response.answer != answer
    response.answer = answer
    response.note = note.strip()
    response.answered_by = actor.user
    save_audited(response, actor=actor.user, action="partner_request.answer", target=request, data={"answer": answer})
    if changed:  # a new answer, or the other answer: the requester hears (an edited note alone: not again)
        notify(
            kind="partner_answer",
            recipients=_requester_ids(request),
            url=request.get_absolute_url(),
            params={"organisation": organisation.name, "title": request.title, "variant": answer},
            actor=actor.user,
        )
    return response


def _requester_ids(request: PartnerRequest) -> list[int]:
    """Who hears the answers to a request: the person who posted it while they are still in the organisation
    (or a coordinator), otherwise the requesting organisation's members."""
    members = member_user_ids(organisation_ids=[request.organisation_id])
    author = actor_for(request.created_by)  # no one for a deactivated account
    if author.user is not None and (author.user.pk in members or author.is_coordinator):
        return [author.user.pk]
    return members


# --- ASF eligible for reserved contracts (the buyer's view) ----------------------------------------------
def reserved_asf(*, service: ServiceCategory | None = None, municipality: str = "") -> QuerySet[Organisation]:
    """Listed ASF with a valid certification for reserved contracts, optionally offering `service` and based
    in or serving `municipality`; with their services and the certification's end date."""
    organisations = Organisation.objects.listed().filter(
        kind=OrganisationKind.ASF, pk__in=_reserved_certified().values("organisation_id")
    )
    if service is not None:
        organisations = organisations.filter(pk__in=service.organisations.values("pk"))
    if municipality:
        organisations = organisations.filter(_in_municipality(municipality))
    return (
        organisations.annotate(
            certified_until=Max(
                "certifications__valid_until",
                filter=Q(certifications__kind=CertificationKind.LOU_RESERVED) & certified_q("certifications__"),
            )
        )
        .select_related("kommunkod")
        .prefetch_related(Prefetch("services", queryset=ServiceCategory.objects.order_by("position", "name_sv")))
        .order_by("name", "pk")
    )


EXPORT_COLUMNS = (
    "name",
    "orgnr",
    "municipality",
    "services",
    "email",
    "phone",
    "website",
    "certified_until",
)


def reserved_asf_csv(organisations: Iterable[Organisation]) -> str:
    """An invitation list for a market dialogue: UTF-8 with a BOM (Excel), comma-separated, public fields only,
    every text cell neutralised against formulas. Built at once, in the active language (the list is short:
    the ASF of one region), so headers and service names are in the language of the request. Expects the
    organisations of reserved_asf (municipality joined, services prefetched)."""
    headers = {
        "name": _("name"),
        "orgnr": _("organisation number"),
        "municipality": _("municipality"),
        "services": _("services"),
        "email": _("e-mail"),
        "phone": _("phone"),
        "website": _("website"),
        "certified_until": _("certified for reserved contracts until"),
    }
    rows = []
    for organisation in organisations:
        certified_until = getattr(organisation, "certified_until", None)
        rows.append(
            [
                organisation.name,
                organisation.orgnr_display,
                organisation.kommunkod.name if organisation.kommunkod else "",
                "; ".join(s.name for s in organisation.services.all()),
                organisation.email,
                organisation.phone,
                organisation.website,
                certified_until.isoformat() if certified_until else "",
            ]
        )
    return "".join(tabular.csv_lines([headers[c] for c in EXPORT_COLUMNS], rows))
