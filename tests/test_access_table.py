"""One table of every URL × role × expected status (docs/security-checks.md C10–C11, C17, D22).

Each row: a name, how to build the URL from the `world` personas, the method (and POST data), and the
expected status per role. `302` means "redirected to the login page" for anonymous users and an ordinary
redirect otherwise. The meta-test at the bottom fails when a URL of ours has no row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from directory.access import actor_for
from directory.factories import ForbundFactory
from tests.conftest import ROLES

pytestmark = pytest.mark.adversarial("C")

# Roles: anonymous, staff_a (member of ASF A), admin_a (admin of A), staff_b (member of ASF B and of the
# unpublished org), business_member, officer_x (Luleå kommun), coordinator.
ALL_200 = dict.fromkeys(ROLES, 200)
LOGGED_IN_200 = {**dict.fromkeys(ROLES, 200), "anonymous": 302}
COORDINATOR_ONLY = {**dict.fromkeys(ROLES, 403), "anonymous": 302, "coordinator": 200}
COORDINATOR_404 = {**dict.fromkeys(ROLES, 404), "anonymous": 302, "coordinator": 200}
LOGGED_IN_404 = {**dict.fromkeys(ROLES, 404), "anonymous": 302}


@dataclass
class Row:
    name: str
    url: Callable[[object], str]
    expected: dict[str, int]
    method: str = "get"
    data: Callable[[object], dict] = field(default=lambda w: {})
    # Where an anonymous 302 must lead (None: any redirect, e.g. set_language back to the page).
    anonymous_to: str | None = "account_login"


def _org_url(name: str, attr: str) -> Callable[[object], str]:
    return lambda w: reverse(name, kwargs={"code": getattr(w, attr).code})


def _member_remove_url(w) -> str:
    membership = w.org_a.memberships.get(user=w.staff_a)
    return reverse("directory:member_remove", kwargs={"code": w.org_a.code, "member": membership.code})


def _invitation_withdraw_url(w) -> str:
    import datetime as dt

    from django.utils import timezone

    from directory.models import Invitation, hash_token

    invitation = Invitation.objects.create(
        email="invited@example.se",
        organisation=w.org_a,
        role="member",
        token_hash=hash_token(f"access-table-{w.org_a.pk}"),
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    return reverse("directory:invitation_withdraw", kwargs={"code": w.org_a.code, "invitation": invitation.code})


def _project_url(w) -> str:
    from matchmaking.models import FundedProject

    project, _ = FundedProject.objects.get_or_create(
        diarienummer="23-051-S06",
        defaults={"name": "Samverkan för ASF i södra Norrbotten 2.0", "owner": w.forbund, "forbund": ForbundFactory()},
    )
    return reverse("matchmaking:project_edit", kwargs={"code": project.code})


# Organisation upkeep pages exist only for the organisation's members and coordinators (others: 404).
def _org_a_members(status: int) -> dict[str, int]:
    return {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": status, "admin_a": status, "coordinator": status}


def _with_logo(attr: str) -> Callable[[object], str]:
    """The logo URL of an organisation that has a logo (one small fixed file in the media storage)."""

    def url(w) -> str:
        import io

        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage
        from PIL import Image

        name = "logos/access-table.png"
        if not default_storage.exists(name):
            out = io.BytesIO()
            Image.new("RGB", (4, 4), "teal").save(out, format="PNG")
            default_storage.save(name, ContentFile(out.getvalue()))
        organisation = getattr(w, attr)
        type(organisation).objects.filter(pk=organisation.pk).update(logo=name)
        return reverse("directory:logo_image", kwargs={"code": organisation.code})

    return url


def _forbund_logo_url(w) -> str:
    """The logo URL when every förbund has a logo (one small fixed file in the media storage, like the
    organisation's above): the portal's own förbund has one on whichever portal the row is asked."""
    import io

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image

    from directory.forbund import registry
    from directory.models import Forbund

    name = "forbund/access-table.png"
    if not default_storage.exists(name):
        out = io.BytesIO()
        Image.new("RGB", (4, 4), "teal").save(out, format="PNG")
        default_storage.save(name, ContentFile(out.getvalue()))
    Forbund.objects.update(logo=name, logo_width=4, logo_height=4)
    registry.forget()  # an update() sends no signal
    return reverse("forbund:logo")


def _certification_url(name: str) -> Callable[[object], str]:
    def url(w) -> str:
        import datetime as dt

        from directory.models import Certification

        # One of a kind per organisation: a name of its own, so several rows can build one in the same world.
        cert = Certification.objects.create(
            organisation=w.org_a,
            kind="other",
            name=f"Certifikat {Certification.objects.count()}",
            valid_until=dt.date(2030, 1, 1),
        )
        return reverse(name, kwargs={"code": w.org_a.code, "certification": cert.code})

    return url


def _certification_with_evidence_url(name: str) -> Callable[[object], str]:
    """A certification of A whose evidence (a small blank PDF) awaits approval."""

    def url(w) -> str:
        import datetime as dt

        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from directory.models import Certification
        from tests import pdfs

        stored = default_storage.save("certifications/access-table.pdf", ContentFile(pdfs.blank_pdf()))
        cert = Certification.objects.create(
            organisation=w.org_a,
            kind="other",
            name=f"Intyg {Certification.objects.count()}",
            valid_until=dt.date(2030, 1, 1),
            evidence=stored,
            evidence_name="intyg.pdf",
        )
        return reverse(name, kwargs={"code": w.org_a.code, "certification": cert.code})

    return url


def _saved_search_of_staff_a(w) -> str:
    from directory.models import SavedSearch

    saved, _ = SavedSearch.objects.get_or_create(user=w.staff_a, query_string="kind=asf", defaults={"name": "ASF"})
    return reverse("directory:saved_search_delete", kwargs={"code": saved.code})


def _outdated_report_close_url(w) -> str:
    from directory.models import OutdatedReport

    report = OutdatedReport.objects.create(organisation=w.org_a, what_is_wrong="Fel adress")
    return reverse("directory:outdated_report_close", kwargs={"code": w.org_a.code, "report": report.code})


def _merge_confirm_url(duplicate: str) -> Callable[[object], str]:
    return lambda w: reverse(
        "directory:merge_confirm", kwargs={"code": w.org_a.code, "duplicate": getattr(w, duplicate).code}
    )


# Merging duplicates: the pages exist only for coordinators (anyone else logged in: 404).
MERGE_COORDINATOR_ONLY = {**dict.fromkeys(ROLES, 404), "anonymous": 302, "coordinator": 200}


# --- Matchmaking objects, made on first use: participant P_X raised by Luleå kommun (muni_x, officer_x),
# an opportunity at ASF A, and a placement of P_X at A in a given state.
def _participant_x(w):
    import datetime as dt

    from matchmaking import services
    from matchmaking.models import FundedProject, Participant

    existing = Participant.objects.filter(code="P-ACCESSX").first()
    if existing:
        return existing
    project, _ = FundedProject.objects.get_or_create(
        diarienummer="23-051-S06",
        defaults={"name": "Samverkan för ASF i södra Norrbotten 2.0", "owner": w.forbund, "forbund": ForbundFactory()},
    )
    data = {
        "code": "P-ACCESSX",
        "gender": "woman",
        "birth_date": dt.date(1990, 5, 1),
        "entry_date": dt.date(2025, 1, 15),
        "status_at_entry": "unemployed",
        "unemployed_months": 14,
        "municipality_id": "2580",
        "disability": True,
    }
    return services.participant_create(actor=actor_for(w.officer_x), project=project, organisation=w.muni_x, data=data)


def _need_x(w):
    import datetime as dt

    from matchmaking import services

    participant = _participant_x(w)
    need = participant.needs.first()
    if need:
        return need
    data = {"hours_per_week": 20, "municipality_id": "2580", "earliest_start": dt.date.today()}
    return services.need_create(actor=actor_for(w.officer_x), participant=participant, data=data)


def _opportunity_a(w, published: bool = True):
    import datetime as dt

    from matchmaking import services

    existing = w.org_a.opportunities.filter(published=published).first()
    if existing:
        return existing
    data = {
        "type": "arbetstraning",
        "title": "Sortering och butik" if published else "Ännu inte publicerad",
        "municipality_id": "2580",
        "starts_on": dt.date.today(),
        "places_total": 2,
        "published": published,
    }
    return services.opportunity_create(actor=actor_for(w.admin_a), organisation=w.org_a, data=data)


def _opportunity_of_hidden_org(w):
    import datetime as dt

    from matchmaking import services

    existing = w.hidden_org.opportunities.first()
    if existing:
        return existing
    data = {"type": "praktik", "title": "Dold verkstad", "municipality_id": "2580", "starts_on": dt.date.today()}
    return services.opportunity_create(actor=actor_for(w.staff_b), organisation=w.hidden_org, data=data)


def _match_x_at_a(w, status: str = "proposed"):
    import datetime as dt

    from matchmaking import services

    match = _need_x(w).matches.first() or services.match_propose(
        actor=actor_for(w.officer_x), need=_need_x(w), opportunity=_opportunity_a(w)
    )
    if status in ("accepted", "started") and match.status == "proposed":
        match = services.match_accept(actor=actor_for(w.admin_a), match=match)
    if status == "started" and match.status == "accepted":
        match = services.match_start(actor=actor_for(w.admin_a), match=match, started_on=dt.date.today())
    return match


def _today() -> str:
    import datetime as dt

    return dt.date.today().isoformat()


def _mm(name: str, make: Callable[[object], object], key: str = "code") -> Callable[[object], str]:
    return lambda w: reverse(name, kwargs={key: make(w).code})


def _propose_url(w) -> str:
    return reverse("matchmaking:match_propose", kwargs={"code": _need_x(w).code, "opportunity": _opportunity_a(w).code})


# Participant pages: the raising organisation's officers and coordinators; anyone else 404.
P_X_PAGE = {**dict.fromkeys(ROLES, 404), "anonymous": 302, "officer_x": 200, "coordinator": 200}
# Pages for officers of a municipality/agency (and coordinators); any other role 403.
OFFICER_PAGE = {**dict.fromkeys(ROLES, 403), "anonymous": 302, "officer_x": 200, "coordinator": 200}
# A placement of P_X at A: both sides and coordinators; anyone else 404.
MATCH_SIDES = {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 200, "admin_a": 200, "officer_x": 200}
MATCH_SIDES["coordinator"] = 200
# The host's answer: A's members and coordinators; the officer is refused (403); anyone else 404.
HOST_ANSWER = {**MATCH_SIDES, "staff_a": 302, "admin_a": 302, "officer_x": 403, "coordinator": 302}
BOTH_SIDES_302 = {**MATCH_SIDES, "staff_a": 302, "admin_a": 302, "officer_x": 302, "coordinator": 302}


# --- Partner requests and agreements (made on first use) ------------------------------------------------
def _partner_request(w):
    """Norrbygg AB (business_member) asks for a service in Luleå (2580) that ASF A offers: A is suggested."""
    from directory.models import ServiceCategory
    from matchmaking import partners
    from matchmaking.models import PartnerRequest

    existing = PartnerRequest.objects.filter(organisation=w.business).first()
    if existing:
        return existing
    service = ServiceCategory.objects.order_by("position", "pk").first()
    w.org_a.services.add(service)
    data = {"title": "Städning av kontoret", "service": service, "municipality_id": "2580"}
    return partners.partner_request_create(actor=actor_for(w.business_member), organisation=w.business, data=data)


def _agreement(w):
    """An IOP between ASF A and Luleå kommun (muni_x), with one PDF document (one small fixed file in the
    media storage, like the logo above)."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from matchmaking import agreements
    from matchmaking.models import Agreement, AgreementDocument

    existing = Agreement.objects.filter(title="IOP arbetsträning").first()
    if existing:
        return existing
    agreement = agreements.agreement_create(
        actor=actor_for(w.admin_a),
        organisation=w.org_a,
        other_parties=[w.muni_x],
        data={"kind": "iop", "title": "IOP arbetsträning", "starts_on": dt.date(2025, 1, 1)},
    )
    name = "agreements/access-table.pdf"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
    AgreementDocument.objects.create(agreement=agreement, file=name, name="iop.pdf", size=40)
    return agreement


def _agreement_document_url(w) -> str:
    agreement = _agreement(w)
    document = agreement.documents.get()
    return reverse("matchmaking:agreement_document", kwargs={"code": agreement.code, "document": document.code})


# A partner request: the requester's members, the suggested ASF's members and coordinators; others 404.
REQUEST_SEEN = {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 200, "admin_a": 200}
REQUEST_SEEN.update(business_member=200, coordinator=200)
# An agreement: members of its parties (A, Luleå kommun) and coordinators; others 404.
AGREEMENT_PARTIES = {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 200, "admin_a": 200}
AGREEMENT_PARTIES.update(officer_x=200, coordinator=200)


def _event(w, draft: bool = False):
    """A public event of ASF A next week (published, or a draft), made once per test."""
    import datetime as dt

    from django.utils import timezone

    from events.models import Event, EventStatus

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=7)
    title = "Utkast till träff" if draft else "Öppen träff"
    # The first one made: a series made from it (events:repeat) copies it under the same title.
    found = Event.objects.filter(organiser=w.org_a, title_sv=title).order_by("pk").first()
    return found or Event.objects.create(
        organiser=w.org_a,
        forbund=ForbundFactory(),
        title_sv=title,
        start=start,
        end=start + dt.timedelta(hours=2),
        place_name="Kulturens hus",
        capacity=50,
        status=EventStatus.DRAFT if draft else EventStatus.PUBLISHED,
    )


def _event_url(name: str, draft: bool = False, **kwargs) -> Callable[[object], str]:
    return lambda w: reverse(name, kwargs={"code": _event(w, draft).code, **kwargs})


def _decide_url(w) -> str:
    """The organiser's decision on a registration (of the business member) awaiting approval."""
    from events.factories import RegistrationFactory
    from events.models import RegistrationStatus

    event = _event(w)
    registration = RegistrationFactory(event=event, user=w.business_member, status=RegistrationStatus.AWAITING_APPROVAL)
    return reverse("events:registration_decide", kwargs={"code": event.code, "registration": registration.code})


def _question_delete_url(w) -> str:
    from events.factories import EventQuestionFactory

    event = _event(w)
    question = EventQuestionFactory(event=event)
    return reverse("events:question_delete", kwargs={"code": event.code, "pk": question.pk})


def _series_url(name: str) -> Callable[[object], str]:
    """A weekly series of two dates made from ASF A's public event (made once per test)."""

    def make(w) -> str:
        from events import series
        from events.models import EventSeries

        event = _event(w)
        found = EventSeries.objects.filter(organiser=w.org_a).first() or series.series_create(
            actor=actor_for(w.staff_a),
            event=event,
            data={"name": "Träffar", "frequency": "weekly", "interval": 1, "until": None, "count": 2},
        )
        return reverse(name, kwargs={"code": found.code})

    return make


def _series_question_delete_url(w) -> str:
    """A question of ASF A's series (the series made as _series_url makes it)."""
    from events import questions
    from events.models import EventSeries

    _series_url("events:series")(w)
    found = EventSeries.objects.get(organiser=w.org_a)
    data = {"kind": "text", "label_sv": "Kost?", "position": 1}
    question = questions.series_question_add(actor=actor_for(w.staff_a), series=found, data=data)
    return reverse("events:series_question_delete", kwargs={"code": found.code, "pk": question.pk})


# The organiser's members (ASF A) and coordinators reach an event's organiser pages; everyone else: 404.
EVENT_ORGANISERS_200 = {
    **dict.fromkeys(ROLES, 404),
    "anonymous": 302,
    "staff_a": 200,
    "admin_a": 200,
    "coordinator": 200,
}
EVENT_ORGANISERS_302 = {**EVENT_ORGANISERS_200, "staff_a": 302, "admin_a": 302, "coordinator": 302}
LOGGED_IN_302 = dict.fromkeys(ROLES, 302)


def _ended_event(w):
    """A public event of ASF A that ended last week, where staff B was marked present (made once per test)."""
    import datetime as dt

    from django.utils import timezone

    from events.models import Attendance, Event, EventStatus, Registration

    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=7)
    event, created = Event.objects.get_or_create(
        organiser=w.org_a,
        title_sv="Avslutad träff",
        defaults={
            "forbund": ForbundFactory(),
            "start": start,
            "end": start + dt.timedelta(hours=2),
            "place_name": "Kulturens hus",
            "status": EventStatus.PUBLISHED,
        },
    )
    if created:
        Registration.objects.create(
            event=event,
            user=w.staff_b,
            organisation=w.org_b,
            organisation_kind=w.org_b.kind,
            attendance=Attendance.PRESENT,
            token_hash=f"access-table-{event.pk}",
        )
    return event


def _ended_event_url(name: str) -> Callable[[object], str]:
    return lambda w: reverse(name, kwargs={"code": _ended_event(w).code})


def _certificate_url(w) -> str:
    return reverse("events:certificate", kwargs={"code": _ended_event(w).registrations.get().code})


def _verify_url(w) -> str:
    from events.certificates import services

    certificate = services.certificate_issue(registration=_ended_event(w).registrations.get())
    return reverse("events:certificate_verify", kwargs={"code": certificate.code})


# The attendee (staff B), the organiser's members (ASF A) and coordinators; everyone else: 404.
CERTIFICATE_HOLDERS = {**EVENT_ORGANISERS_200, "staff_b": 200}


# --- Reports (made on first use): a finished ESF+ run with a CSV file --------------------------------------
def _report_run(w):
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from matchmaking.models import FundedProject
    from reports.models import ReportFile, ReportKind, ReportRun, RunStatus

    project, _ = FundedProject.objects.get_or_create(
        diarienummer="23-051-S06", defaults={"name": "Projekt", "forbund": ForbundFactory()}
    )
    run, created = ReportRun.objects.get_or_create(
        kind=ReportKind.ESF,
        project=project,
        period_from=dt.date(2025, 1, 1),
        period_to=dt.date(2025, 3, 31),
        defaults={"status": RunStatus.SUCCEEDED, "progress": 100, "result": {"indicators": {}, "warnings": []}},
    )
    if created:
        name = "reports/access-table.csv"  # one small fixed file in the media storage, like the logo above
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(b"code\n"))
        ReportFile.objects.create(run=run, format="csv", file=name, size=5)
    return run


def _report_url(name: str, **kwargs) -> Callable[[object], str]:
    return lambda w: reverse(name, kwargs={"code": _report_run(w).code, **kwargs})


# A download: others 403 (before anything else); the coordinator is sent to re-authenticate first, because
# allauth counts only an explicit re-authentication as recent (force_login is not), see
# tests/reports/test_views.py for the whole round trip.
REPORT_DOWNLOAD = {**COORDINATOR_ONLY, "coordinator": 302}


# --- Notifications: one of staff_a's own (made on first use) -----------------------------------------------
def _notification_of_staff_a(name: str) -> Callable[[object], str]:
    def url(w) -> str:
        from notifications.models import Notification
        from notifications.services import notify

        notification = (
            Notification.objects.filter(recipient=w.staff_a).first()
            or notify(
                kind="outdated_report",
                recipients=[w.staff_a],
                url=f"/directory/{w.org_a.code}/",
                params={"organisation": "A"},
            )[0]
        )
        return reverse(name, kwargs={"code": notification.code})

    return url


# A notification is its recipient's alone: anyone else gets 404.
OWN_NOTIFICATION = {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 302}

TABLE: list[Row] = [
    Row("home", lambda w: reverse("home"), ALL_200),
    Row("healthz", lambda w: reverse("healthz"), ALL_200),
    Row("readyz", lambda w: reverse("readyz"), ALL_200),
    Row("accessibility", lambda w: reverse("accessibility"), ALL_200),
    Row("privacy", lambda w: reverse("privacy"), ALL_200),
    Row(
        "set_language",
        lambda w: reverse("set_language"),
        dict.fromkeys(ROLES, 302),
        "post",
        lambda w: {"language": "en", "next": "/"},
        anonymous_to=None,
    ),
    Row("directory:index", lambda w: reverse("directory:index"), ALL_200),
    # Import: coordinators only. A POST without a file gives the coordinator the form with errors (200).
    Row("directory:import", lambda w: reverse("directory:import"), COORDINATOR_ONLY),
    Row("directory:import", lambda w: reverse("directory:import"), COORDINATOR_ONLY, "post"),
    # Export of a search: anyone who can search, exactly what they see (tests/directory/test_import_export.py).
    Row("directory:export", lambda w: reverse("directory:export", kwargs={"fmt": "csv"}), ALL_200),
    Row("directory:export", lambda w: reverse("directory:export", kwargs={"fmt": "xlsx"}), ALL_200),
    Row("directory:detail", _org_url("directory:detail", "org_a"), ALL_200),
    # An unpublished organisation exists only for its members and coordinators.
    Row(
        "directory:detail",
        _org_url("directory:detail", "hidden_org"),
        {**dict.fromkeys(ROLES, 404), "staff_b": 200, "coordinator": 200},
    ),
    Row(
        "directory:edit",
        _org_url("directory:edit", "org_a"),
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 200, "admin_a": 200, "coordinator": 200},
    ),
    Row(
        "directory:edit",
        _org_url("directory:edit", "org_a"),
        # A POST with nothing in it: members get the form back with errors (200); outsiders 404.
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 200, "admin_a": 200, "coordinator": 200},
        "post",
    ),
    Row(
        "directory:members",
        _org_url("directory:members", "org_a"),
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 200, "admin_a": 200, "coordinator": 200},
    ),
    Row(
        "directory:members",
        _org_url("directory:members", "org_a"),
        # Inviting: a plain member may read the page but not invite (403).
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 403, "admin_a": 302, "coordinator": 302},
        "post",
        lambda w: {"email": "new.colleague@example.se", "role": "member", "language": "sv"},
    ),
    Row(
        "directory:member_remove",
        _member_remove_url,
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 403, "admin_a": 302, "coordinator": 302},
        "post",
    ),
    Row(
        "directory:invitation_withdraw",
        _invitation_withdraw_url,
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 403, "admin_a": 302, "coordinator": 302},
        "post",
    ),
    Row(
        "directory:invitation_accept",
        lambda w: reverse("directory:invitation_accept", kwargs={"token": "not-a-real-token"}),
        dict.fromkeys(ROLES, 404),
    ),
    # The service taxonomy: coordinators only.
    Row("directory:taxonomy", lambda w: reverse("directory:taxonomy"), COORDINATOR_ONLY),
    Row("directory:taxonomy_create", lambda w: reverse("directory:taxonomy_create"), COORDINATOR_ONLY),
    Row(
        "directory:taxonomy_create",
        lambda w: reverse("directory:taxonomy_create"),
        {**COORDINATOR_ONLY, "coordinator": 302},
        "post",
        lambda w: {"slug": "ny-tjanst", "name_sv": "Ny tjänst", "name_en": "New service", "position": 1},
    ),
    Row("directory:taxonomy_edit", lambda w: reverse("directory:taxonomy_edit", args=["catering"]), COORDINATOR_ONLY),
    Row(
        "directory:taxonomy_edit",
        lambda w: reverse("directory:taxonomy_edit", args=["catering"]),
        {**COORDINATOR_ONLY, "coordinator": 302},
        "post",
        lambda w: {"name_sv": "Catering", "name_en": "Catering", "position": 3, "active": "on"},
    ),
    Row(
        "directory:taxonomy_delete",
        lambda w: reverse("directory:taxonomy_delete", args=["catering"]),
        {**COORDINATOR_ONLY, "coordinator": 302},
        "post",
    ),
    # The map of a search result: public like the search itself.
    Row("directory:map", lambda w: reverse("directory:map"), ALL_200),
    Row("directory:map", lambda w: reverse("directory:map") + "?kind=asf&municipality=2580", ALL_200),
    # Saved searches belong to one user: logged in only; someone else's → 404.
    Row("directory:saved_searches", lambda w: reverse("directory:saved_searches"), LOGGED_IN_200),
    Row(
        "directory:saved_search_create",
        lambda w: reverse("directory:saved_search_create"),
        dict.fromkeys(ROLES, 302),
        "post",
        lambda w: {"query": "kind=asf", "name": "ASF"},
    ),
    Row(
        "directory:saved_search_delete",
        _saved_search_of_staff_a,
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 302},
        "post",
    ),
    # Profile upkeep (logo, certifications, history, confirm): members of A and coordinators only.
    Row("directory:logo", _org_url("directory:logo", "org_a"), _org_a_members(200)),
    Row("directory:logo", _org_url("directory:logo", "org_a"), _org_a_members(200), "post"),  # no file: errors
    Row("directory:logo_remove", _org_url("directory:logo_remove", "org_a"), _org_a_members(302), "post"),
    # The logo itself is public for an organisation the visitor may see; media is never served directly.
    Row("directory:logo_image", _with_logo("org_a"), ALL_200),
    Row(
        "directory:logo_image",
        _with_logo("hidden_org"),
        {**dict.fromkeys(ROLES, 404), "staff_b": 200, "coordinator": 200},
    ),
    Row("directory:logo_image", _org_url("directory:logo_image", "org_b"), dict.fromkeys(ROLES, 404)),  # no logo
    Row("directory:certifications", _org_url("directory:certifications", "org_a"), _org_a_members(200)),
    Row("directory:certifications", _org_url("directory:certifications", "org_a"), _org_a_members(200), "post"),
    Row("directory:certification_edit", _certification_url("directory:certification_edit"), _org_a_members(200)),
    Row(
        "directory:certification_remove",
        _certification_url("directory:certification_remove"),
        _org_a_members(302),
        "post",
    ),
    # Evidence of a certification: sent by A's members (and coordinators), downloaded only by them (others 404).
    Row(
        "directory:certification_evidence",
        _certification_url("directory:certification_evidence"),
        _org_a_members(200),
    ),
    Row(
        "directory:certification_evidence",
        _certification_url("directory:certification_evidence"),
        _org_a_members(200),  # no file: the form again, with its error
        "post",
    ),
    Row(
        "directory:certification_evidence_file",
        _certification_with_evidence_url("directory:certification_evidence_file"),
        _org_a_members(200),
    ),
    Row(
        "directory:certification_evidence_file",
        _certification_url("directory:certification_evidence_file"),
        {**_org_a_members(404), "anonymous": 302},  # no evidence yet: nothing to download
    ),
    # Deciding on a certification: coordinators; A's members 403 (read-only), everyone else 404.
    Row(
        "directory:certification_decide",
        _certification_with_evidence_url("directory:certification_decide"),
        {**_org_a_members(403), "coordinator": 200},
    ),
    Row(
        "directory:certification_decide",
        _certification_with_evidence_url("directory:certification_decide"),
        {**_org_a_members(403), "coordinator": 302},
        "post",
        lambda w: {"decision": "approve"},
    ),
    Row("directory:certifications_pending", lambda w: reverse("directory:certifications_pending"), COORDINATOR_ONLY),
    Row("directory:history", _org_url("directory:history", "org_a"), _org_a_members(200)),
    Row("directory:confirm", _org_url("directory:confirm", "org_a"), _org_a_members(200)),
    Row("directory:confirm", _org_url("directory:confirm", "org_a"), _org_a_members(302), "post"),
    # Verifying is for coordinators; anyone else who may see the organisation gets 403, the rest 404.
    Row(
        "directory:verify",
        _org_url("directory:verify", "org_a"),
        {**dict.fromkeys(ROLES, 403), "anonymous": 302, "coordinator": 302},
        "post",
    ),
    Row(
        "directory:verify",
        _org_url("directory:verify", "hidden_org"),
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_b": 403, "coordinator": 302},
        "post",
    ),
    # Reports of outdated information: anyone reports on a published profile (unpublished: 404 for all);
    # the organisation's members and coordinators see and close them (tests/directory/test_outdated.py).
    Row("directory:outdated_report", _org_url("directory:outdated_report", "org_a"), ALL_200),
    Row(
        "directory:outdated_report",
        _org_url("directory:outdated_report", "org_a"),
        dict.fromkeys(ROLES, 302),
        "post",
        lambda w: {"what_is_wrong": "Telefonnumret stämmer inte."},
        anonymous_to=None,
    ),
    Row("directory:outdated_report", _org_url("directory:outdated_report", "hidden_org"), dict.fromkeys(ROLES, 404)),
    Row("directory:outdated_reports", _org_url("directory:outdated_reports", "org_a"), _org_a_members(200)),
    Row(
        "directory:outdated_report_close",
        _outdated_report_close_url,
        _org_a_members(302),
        "post",
        lambda w: {"note": "Adressen är rättad."},
    ),
    # Merging duplicates (tests/directory/test_merge.py): coordinators only; merging into itself is refused (302).
    Row("directory:merge", _org_url("directory:merge", "org_a"), MERGE_COORDINATOR_ONLY),
    Row("directory:merge_confirm", _merge_confirm_url("org_b"), MERGE_COORDINATOR_ONLY),
    Row(
        "directory:merge_confirm",
        _merge_confirm_url("org_b"),
        {**MERGE_COORDINATOR_ONLY, "coordinator": 302},
        "post",
    ),
    Row(
        "directory:merge_confirm",
        _merge_confirm_url("org_a"),
        {**MERGE_COORDINATOR_ONLY, "coordinator": 302},
        "post",
    ),
    # Open data (/api/v1/): public and the same for every role; only listed organisations.
    Row("api:index", lambda w: reverse("api:index"), ALL_200),
    Row("api:organization_list", lambda w: reverse("api:organization_list"), ALL_200),
    Row(
        "api:organization_detail",
        lambda w: reverse("api:organization_detail", kwargs={"organization_id": w.org_a.code}),
        ALL_200,
    ),
    # Unpublished: absent from open data even for its own members and coordinators.
    Row(
        "api:organization_detail",
        lambda w: reverse("api:organization_detail", kwargs={"organization_id": w.hidden_org.code}),
        dict.fromkeys(ROLES, 404),
    ),
    Row("api:service_taxonomy", lambda w: reverse("api:service_taxonomy"), ALL_200),
    Row("api:openapi", lambda w: reverse("api:openapi"), ALL_200),
    Row("api:datapackage", lambda w: reverse("api:datapackage"), ALL_200),
    Row("matchmaking:index", lambda w: reverse("matchmaking:index"), LOGGED_IN_200),
    # Funded projects: coordinators only.
    Row("matchmaking:project_list", lambda w: reverse("matchmaking:project_list"), COORDINATOR_ONLY),
    Row("matchmaking:project_create", lambda w: reverse("matchmaking:project_create"), COORDINATOR_ONLY),
    Row(
        "matchmaking:project_create",
        lambda w: reverse("matchmaking:project_create"),
        {**COORDINATOR_ONLY, "coordinator": 302},
        "post",
        lambda w: {"diarienummer": "24-100-S07", "name": "Vägar till arbete", "owner": w.forbund.pk},
    ),
    Row("matchmaking:project_edit", _project_url, COORDINATOR_ONLY),
    Row(
        "matchmaking:project_edit",
        _project_url,
        {**COORDINATOR_ONLY, "coordinator": 302},
        "post",
        lambda w: {"diarienummer": "23-051-S07", "name": "Samverkan för ASF", "owner": w.forbund.pk},
    ),
    # Participants: raising is for officers (403 for other roles); P_X exists only for muni_x and coordinators.
    # A POST with nothing in it gives the form back with errors (200), nothing created.
    Row("matchmaking:participant_create", lambda w: reverse("matchmaking:participant_create"), OFFICER_PAGE),
    Row("matchmaking:participant_create", lambda w: reverse("matchmaking:participant_create"), OFFICER_PAGE, "post"),
    Row("matchmaking:participant_detail", _mm("matchmaking:participant_detail", _participant_x), P_X_PAGE),
    Row("matchmaking:participant_edit", _mm("matchmaking:participant_edit", _participant_x), P_X_PAGE),
    Row("matchmaking:participant_edit", _mm("matchmaking:participant_edit", _participant_x), P_X_PAGE, "post"),
    Row("matchmaking:outcome_create", _mm("matchmaking:outcome_create", _participant_x), P_X_PAGE),
    Row("matchmaking:outcome_create", _mm("matchmaking:outcome_create", _participant_x), P_X_PAGE, "post"),
    Row("matchmaking:need_create", _mm("matchmaking:need_create", _participant_x), P_X_PAGE),
    Row("matchmaking:need_create", _mm("matchmaking:need_create", _participant_x), P_X_PAGE, "post"),
    Row("matchmaking:need_detail", _mm("matchmaking:need_detail", _need_x), P_X_PAGE),
    Row(
        "matchmaking:match_propose",
        _propose_url,
        {**P_X_PAGE, "officer_x": 302, "coordinator": 302},
        "post",
    ),
    # Opportunities: open ones for every logged-in member; upkeep only for A's members and coordinators (404).
    Row("matchmaking:opportunity_list", lambda w: reverse("matchmaking:opportunity_list"), LOGGED_IN_200),
    Row(
        "matchmaking:opportunity_list",
        lambda w: reverse("matchmaking:opportunity_list") + "?type=praktik&municipality=2580&service=x&page=99",
        LOGGED_IN_200,
    ),
    # Public opportunities (/opportunities/): open ones for everyone, logged in or not; an unpublished one, or
    # one of an unlisted organisation, is 404 on the public page for everyone (its members use the page above).
    Row("opportunities:list", lambda w: reverse("opportunities:list"), ALL_200),
    Row(
        "opportunities:list",
        lambda w: reverse("opportunities:list") + "?type=x&municipality=9999'--&adaptation=x&hours=7&q=%00&page=-1",
        ALL_200,
    ),
    Row("opportunities:list", lambda w: reverse("opportunities:list"), dict.fromkeys(ROLES, 405), "post"),
    Row("opportunities:json", lambda w: reverse("opportunities:json"), ALL_200),
    Row("opportunities:json", lambda w: reverse("opportunities:json") + "?type=x&hours=abc", ALL_200),
    Row("opportunities:detail", _mm("opportunities:detail", _opportunity_a), ALL_200),
    Row(
        "opportunities:detail",
        _mm("opportunities:detail", lambda w: _opportunity_a(w, published=False)),
        dict.fromkeys(ROLES, 404),
    ),
    Row("opportunities:detail", _mm("opportunities:detail", _opportunity_of_hidden_org), dict.fromkeys(ROLES, 404)),
    Row("matchmaking:opportunity_create", lambda w: reverse("matchmaking:opportunity_create"), LOGGED_IN_200),
    Row("matchmaking:opportunity_create", lambda w: reverse("matchmaking:opportunity_create"), LOGGED_IN_200, "post"),
    Row("matchmaking:opportunity_detail", _mm("matchmaking:opportunity_detail", _opportunity_a), LOGGED_IN_200),
    Row(
        "matchmaking:opportunity_detail",
        _mm("matchmaking:opportunity_detail", lambda w: _opportunity_a(w, published=False)),
        _org_a_members(200),
    ),
    Row("matchmaking:opportunity_edit", _mm("matchmaking:opportunity_edit", _opportunity_a), _org_a_members(200)),
    Row(
        "matchmaking:opportunity_edit",
        _mm("matchmaking:opportunity_edit", _opportunity_a),
        _org_a_members(200),
        "post",
    ),
    Row(
        "matchmaking:opportunity_refresh",
        _mm("matchmaking:opportunity_refresh", _opportunity_a),
        _org_a_members(302),
        "post",
    ),
    # Reverse matching is for officers; an opportunity the officer may not see is 404.
    Row("matchmaking:opportunity_needs", _mm("matchmaking:opportunity_needs", _opportunity_a), OFFICER_PAGE),
    Row(
        "matchmaking:opportunity_needs",
        _mm("matchmaking:opportunity_needs", lambda w: _opportunity_a(w, published=False)),
        {**OFFICER_PAGE, "officer_x": 404},
    ),
    # Placements: both sides see them; the host answers; either side starts and ends them.
    Row("matchmaking:match_detail", _mm("matchmaking:match_detail", _match_x_at_a), MATCH_SIDES),
    Row("matchmaking:match_accept", _mm("matchmaking:match_accept", _match_x_at_a), HOST_ANSWER, "post"),
    Row(
        "matchmaking:match_decline",
        _mm("matchmaking:match_decline", _match_x_at_a),
        HOST_ANSWER,
        "post",
        lambda w: {"reason": "Inga platser på förmiddagar just nu"},
    ),
    Row(
        "matchmaking:match_start",
        _mm("matchmaking:match_start", lambda w: _match_x_at_a(w, "accepted")),
        BOTH_SIDES_302,
        "post",
        lambda w: {"started_on": _today()},
    ),
    Row(
        "matchmaking:match_end",
        _mm("matchmaking:match_end", lambda w: _match_x_at_a(w, "started")),
        BOTH_SIDES_302,
        "post",
        lambda w: {"ended_on": _today(), "outcome": "employed"},  # the officer records the situation at the end
    ),
    # A participant in the admin (its reading is audited): coordinators only.
    Row(
        "admin:matchmaking_participant_change",
        lambda w: reverse("admin:matchmaking_participant_change", args=[_participant_x(w).pk]),
        {**dict.fromkeys(ROLES, 302), "coordinator": 200},
        anonymous_to="admin:login",
    ),
    # Partner requests: anyone logged in may post one for their organisation and list what they may see.
    Row("matchmaking:partner_request_list", lambda w: reverse("matchmaking:partner_request_list"), LOGGED_IN_200),
    Row("matchmaking:partner_request_create", lambda w: reverse("matchmaking:partner_request_create"), LOGGED_IN_200),
    Row(  # an empty POST: the form again with errors
        "matchmaking:partner_request_create",
        lambda w: reverse("matchmaking:partner_request_create"),
        LOGGED_IN_200,
        "post",
    ),
    Row(
        "matchmaking:partner_request_detail", _mm("matchmaking:partner_request_detail", _partner_request), REQUEST_SEEN
    ),
    Row(  # only a suggested ASF answers; the requester and coordinators see the request but may not (403)
        "matchmaking:partner_response",
        _mm("matchmaking:partner_response", _partner_request),
        {**REQUEST_SEEN, "staff_a": 302, "admin_a": 302, "business_member": 403, "coordinator": 403},
        "post",
        lambda w: {"organisation": str(w.org_a.code), "answer": "interested"},
    ),
    Row(  # only the requester (and coordinators) close it; the suggested ASF may not (403)
        "matchmaking:partner_request_close",
        _mm("matchmaking:partner_request_close", _partner_request),
        {**REQUEST_SEEN, "staff_a": 403, "admin_a": 403, "business_member": 302, "coordinator": 302},
        "post",
    ),
    # The buyer's list of ASF eligible for reserved contracts and its CSV: public fields, any logged-in user.
    Row("matchmaking:reserved_asf", lambda w: reverse("matchmaking:reserved_asf"), LOGGED_IN_200),
    Row(
        "matchmaking:reserved_asf",
        lambda w: reverse("matchmaking:reserved_asf") + "?service=nope&municipality=9999'--",
        LOGGED_IN_200,
    ),
    Row("matchmaking:reserved_asf_export", lambda w: reverse("matchmaking:reserved_asf_export"), LOGGED_IN_200),
    # Agreements: the parties' members and coordinators; the list shows each user their own.
    Row("matchmaking:agreement_list", lambda w: reverse("matchmaking:agreement_list"), LOGGED_IN_200),
    Row("matchmaking:agreement_create", lambda w: reverse("matchmaking:agreement_create"), LOGGED_IN_200),
    Row("matchmaking:agreement_create", lambda w: reverse("matchmaking:agreement_create"), LOGGED_IN_200, "post"),
    Row("matchmaking:agreement_detail", _mm("matchmaking:agreement_detail", _agreement), AGREEMENT_PARTIES),
    Row(  # a POST without a file: the upload form with an error, for the parties only
        "matchmaking:agreement_detail",
        _mm("matchmaking:agreement_detail", _agreement),
        AGREEMENT_PARTIES,
        "post",
    ),
    Row("matchmaking:agreement_document", _agreement_document_url, AGREEMENT_PARTIES),
    Row("events:index", lambda w: reverse("events:index"), ALL_200),
    Row("events:month", lambda w: reverse("events:month", kwargs={"year": 2031, "month": 3}), ALL_200),
    Row("events:detail", _event_url("events:detail"), ALL_200),
    # A draft exists only for the organiser's members and coordinators.
    Row("events:detail", _event_url("events:detail", draft=True), {**EVENT_ORGANISERS_200, "anonymous": 404}),
    Row("events:ics", _event_url("events:ics"), ALL_200),
    Row("events:feed", lambda w: reverse("events:feed"), ALL_200),
    Row("events:organiser_feed", _org_url("events:organiser_feed", "org_a"), ALL_200),
    Row(
        "events:my_feed",
        lambda w: reverse("events:my_feed", kwargs={"token": "not-a-real-token"}),
        dict.fromkeys(ROLES, 404),
    ),
    Row("events:my_calendar", lambda w: reverse("events:my_calendar"), LOGGED_IN_200),
    Row("events:my_calendar", lambda w: reverse("events:my_calendar"), LOGGED_IN_200, "post"),
    Row(
        "events:registration_link",
        lambda w: reverse("events:registration_link", kwargs={"token": "not-a-real-token"}),
        dict.fromkeys(ROLES, 404),
    ),
    Row("events:create", lambda w: reverse("events:create"), LOGGED_IN_200),
    # An empty POST: the form comes back with errors.
    Row("events:create", lambda w: reverse("events:create"), LOGGED_IN_200, "post"),
    Row("events:register", _event_url("events:register"), LOGGED_IN_302, "post"),
    Row("events:register_group", _event_url("events:register_group"), LOGGED_IN_302, "post"),
    # Guests (anonymous) get the form back with errors; logged-in people are sent to the member form.
    Row(
        "events:register_guest",
        _event_url("events:register_guest"),
        {**dict.fromkeys(ROLES, 302), "anonymous": 200},
        "post",
    ),
    Row("events:unregister", _event_url("events:unregister"), LOGGED_IN_302, "post"),
    Row("events:accept_offer", _event_url("events:accept_offer"), LOGGED_IN_302, "post"),
    Row("events:checkin", _event_url("events:checkin"), LOGGED_IN_200),
    Row("events:edit", _event_url("events:edit"), EVENT_ORGANISERS_200),
    Row("events:edit", _event_url("events:edit"), EVENT_ORGANISERS_200, "post"),
    Row("events:publish", _event_url("events:publish", draft=True), EVENT_ORGANISERS_302, "post"),
    Row("events:cancel", _event_url("events:cancel"), EVENT_ORGANISERS_302, "post"),
    Row("events:attendance", _event_url("events:attendance"), EVENT_ORGANISERS_200),
    Row("events:attendance", _event_url("events:attendance"), EVENT_ORGANISERS_302, "post"),
    Row("events:attendance_export", _event_url("events:attendance_export", fmt="csv"), EVENT_ORGANISERS_200),
    Row("events:certificate", _certificate_url, CERTIFICATE_HOLDERS),
    Row("events:certificates", _ended_event_url("events:certificates"), EVENT_ORGANISERS_200),
    Row("events:certificates_zip", _ended_event_url("events:certificates_zip"), EVENT_ORGANISERS_200),
    Row(
        "events:guest_certificate",
        lambda w: reverse("events:guest_certificate", kwargs={"token": "not-a-real-token"}),
        dict.fromkeys(ROLES, 404),
    ),
    Row("events:certificate_verify", _verify_url, ALL_200),
    Row(
        "events:certificate_verify",
        lambda w: reverse("events:certificate_verify", kwargs={"code": "no-such-certificate-code"}),
        dict.fromkeys(ROLES, 404),
    ),
    Row("events:closing_report", _ended_event_url("events:closing_report"), EVENT_ORGANISERS_200),
    Row(
        "events:closing_report",
        _ended_event_url("events:closing_report"),
        EVENT_ORGANISERS_302,
        "post",
        lambda w: {"minutes": "Protokoll.", "follow_ups": "", "save": ""},
    ),
    # Accepting or refusing a registration awaiting approval: back to the registrations page.
    Row(
        "events:registration_decide",
        _decide_url,
        EVENT_ORGANISERS_302,
        "post",
        data=lambda w: {"decision": "accept"},
    ),
    Row("events:questions", _event_url("events:questions"), EVENT_ORGANISERS_200),
    # An empty POST: the organiser gets the form back with errors.
    Row("events:questions", _event_url("events:questions"), EVENT_ORGANISERS_200, "post"),
    Row("events:question_delete", _question_delete_url, EVENT_ORGANISERS_302, "post"),
    Row("events:repeat", _event_url("events:repeat"), EVENT_ORGANISERS_200),
    # An empty POST: the form comes back with errors.
    Row("events:repeat", _event_url("events:repeat"), EVENT_ORGANISERS_200, "post"),
    Row("events:series", _series_url("events:series"), EVENT_ORGANISERS_200),
    Row("events:series", _series_url("events:series"), EVENT_ORGANISERS_200, "post"),
    # Without a date: a message and back to the series.
    Row("events:series_skip", _series_url("events:series_skip"), EVENT_ORGANISERS_302, "post"),
    Row("events:series_questions", _series_url("events:series_questions"), EVENT_ORGANISERS_200),
    # An empty POST: the organiser gets the form back with errors.
    Row("events:series_questions", _series_url("events:series_questions"), EVENT_ORGANISERS_200, "post"),
    Row("events:series_question_delete", _series_question_delete_url, EVENT_ORGANISERS_302, "post"),
    Row("events:ics_import", lambda w: reverse("events:ics_import"), LOGGED_IN_200),
    Row("events:ics_import", lambda w: reverse("events:ics_import"), LOGGED_IN_200, "post"),
    Row("events:messages", _event_url("events:messages"), EVENT_ORGANISERS_200),
    # An empty POST: the organiser gets the form back with errors.
    Row("events:messages", _event_url("events:messages"), EVENT_ORGANISERS_200, "post"),
    Row("events:retention", lambda w: reverse("events:retention"), COORDINATOR_ONLY),
    Row("reports:index", lambda w: reverse("reports:index"), COORDINATOR_ONLY),
    # An empty POST: the coordinator gets the form back with errors.
    Row("reports:index", lambda w: reverse("reports:index"), COORDINATOR_ONLY, "post"),
    Row("reports:run_detail", _report_url("reports:run_detail"), COORDINATOR_ONLY),
    Row("reports:download", _report_url("reports:download", fmt="csv"), REPORT_DOWNLOAD),
    # Marking a run as delivered: the coordinator is sent back to the run's page.
    Row(
        "reports:run_deliver",
        _report_url("reports:run_deliver"),
        {**dict.fromkeys(ROLES, 403), "anonymous": 302, "coordinator": 302},
        "post",
    ),
    # A person's own data (art. 15) and account deletion (art. 17): after a re-authentication, so 302 first.
    Row("my_data", lambda w: reverse("my_data"), LOGGED_IN_302),
    Row("account_erase", lambda w: reverse("account_erase"), LOGGED_IN_302),
    Row("erase_person", lambda w: reverse("erase_person"), REPORT_DOWNLOAD),
    # The audit log: coordinators (and the DPO, a coordinator account); its CSV after a re-authentication.
    Row("audit:log", lambda w: reverse("audit:log"), COORDINATOR_ONLY),
    Row("audit:export", lambda w: reverse("audit:export"), REPORT_DOWNLOAD),
    Row("reports:support_list", lambda w: reverse("reports:support_list"), COORDINATOR_ONLY),
    Row("reports:support_create", lambda w: reverse("reports:support_create"), COORDINATOR_ONLY),
    Row("reports:support_create", lambda w: reverse("reports:support_create"), COORDINATOR_ONLY, "post"),
    Row("reports:support_import", lambda w: reverse("reports:support_import"), COORDINATOR_ONLY),
    Row("reports:support_import", lambda w: reverse("reports:support_import"), COORDINATOR_ONLY, "post"),
    # Notifications: every signed-in person has a centre and settings of their own.
    # The account page: every signed-in person, their own account only (nothing of another's in the URL).
    Row("my_account", lambda w: reverse("my_account"), LOGGED_IN_200),
    Row("my_account", lambda w: reverse("my_account"), LOGGED_IN_302, "post", lambda w: {"preferred_language": "en"}),
    Row("notifications:centre", lambda w: reverse("notifications:centre"), LOGGED_IN_200),
    Row("notifications:centre", lambda w: reverse("notifications:centre") + "?page=99", LOGGED_IN_200),
    Row("notifications:preferences", lambda w: reverse("notifications:preferences"), LOGGED_IN_200),
    # An empty POST: the form again with its errors, nothing saved.
    Row("notifications:preferences", lambda w: reverse("notifications:preferences"), LOGGED_IN_200, "post"),
    Row("notifications:mark_all_read", lambda w: reverse("notifications:mark_all_read"), LOGGED_IN_302, "post"),
    Row("notifications:open", _notification_of_staff_a("notifications:open"), OWN_NOTIFICATION),
    Row("notifications:mark_read", _notification_of_staff_a("notifications:mark_read"), OWN_NOTIFICATION, "post"),
    # The Django admin is for coordinators only, and its login is allauth's.
    # Non-staff are sent to the admin login, which (wrapped by allauth) refuses them with 403.
    Row(
        "admin:index",
        lambda w: reverse("admin:index"),
        {**dict.fromkeys(ROLES, 302), "coordinator": 200},
        anonymous_to="admin:login",
    ),
    Row(
        "admin:login",
        lambda w: reverse("admin:login"),
        {**dict.fromkeys(ROLES, 403), "anonymous": 302, "coordinator": 302},
    ),
    Row("account_login", lambda w: reverse("account_login"), {**dict.fromkeys(ROLES, 302), "anonymous": 200}),
    Row("account_signup", lambda w: reverse("account_signup"), {**dict.fromkeys(ROLES, 302), "anonymous": 200}),
    Row("account_email", lambda w: reverse("account_email"), LOGGED_IN_200),
    Row("account_change_password", lambda w: reverse("account_change_password"), LOGGED_IN_200),
    Row("account_reset_password", lambda w: reverse("account_reset_password"), ALL_200),
    Row("mfa_index", lambda w: reverse("mfa_index"), LOGGED_IN_200),
    # The home page's to-do lists, one page per source: only for the roles the source is for (others 404).
    Row(
        "todo_list",
        lambda w: reverse("todo_list", kwargs={"name": "proposals-to-answer"}),
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff_a": 200, "admin_a": 200, "staff_b": 200},
    ),
    Row(
        "todo_list",
        lambda w: reverse("todo_list", kwargs={"name": "profile-confirmation"}),
        {**dict.fromkeys(ROLES, 200), "anonymous": 302, "officer_x": 404, "coordinator": 404},
    ),
    Row(
        "todo_list",
        lambda w: reverse("todo_list", kwargs={"name": "results-on-leaving"}),
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "officer_x": 200},
    ),
    Row("todo_list", lambda w: reverse("todo_list", kwargs={"name": "failed-reports"}), COORDINATOR_404),
    Row("todo_list", lambda w: reverse("todo_list", kwargs={"name": "no-such-list"}), LOGGED_IN_404),
    # The coordinators' work queues: the page does not exist for anyone else. An empty POST: a message, back.
    Row("directory:queues", lambda w: reverse("directory:queues"), COORDINATOR_404),
    Row("directory:queues", lambda w: reverse("directory:queues") + "?queue=nonsense&page=x", COORDINATOR_404),
    Row(
        "directory:queues",
        lambda w: reverse("directory:queues"),
        {**COORDINATOR_404, "coordinator": 302},
        "post",
    ),
    Row("figures:index", lambda w: reverse("figures:index"), COORDINATOR_ONLY),
    # The förbund's own settings: its coordinators. An empty POST: the coordinator gets the form with errors.
    Row("forbund:settings", lambda w: reverse("forbund:settings"), COORDINATOR_ONLY),
    Row("forbund:settings", lambda w: reverse("forbund:settings"), COORDINATOR_ONLY, "post"),
    # Its logo: uploaded (no file: the coordinator gets the page with the error) and removed by its coordinators;
    # the logo itself is public on the förbund's portal, 404 while it has none.
    Row("forbund:logo_upload", lambda w: reverse("forbund:logo_upload"), COORDINATOR_ONLY, "post"),
    Row(
        "forbund:logo_remove",
        lambda w: reverse("forbund:logo_remove"),
        {**COORDINATOR_ONLY, "coordinator": 302},
        "post",
    ),
    Row("forbund:logo", _forbund_logo_url, ALL_200),
    Row("forbund:logo", lambda w: reverse("forbund:logo"), dict.fromkeys(ROLES, 404)),
    Row("usersessions_list", lambda w: reverse("usersessions_list"), LOGGED_IN_200),
]


def _cases():
    for index, row in enumerate(TABLE):
        for role in ROLES:
            yield pytest.param(index, role, id=f"{row.method.upper()} {row.name}#{index} as {role}")


@pytest.mark.security("C10")
@pytest.mark.parametrize(("index", "role"), list(_cases()))
def test_url_answers_role_as_the_table_says(client, world, index, role):
    row = TABLE[index]
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    url = row.url(world)
    response = getattr(client, row.method)(url, row.data(world))
    expected = row.expected[role]
    assert response.status_code == expected, f"{row.method.upper()} {url} as {role}"
    if role == "anonymous" and expected == 302 and row.anonymous_to:
        assert response["Location"].startswith(reverse(row.anonymous_to)), response["Location"]
    if expected == 200 and response.get("Content-Type", "").startswith("text/html"):
        # A link whose object had no page (a template asking get_absolute_url of something without one).
        assert b'href=""' not in response.content, f"{url} as {role} has a link to nowhere"


# --- The meta-test: every URL of ours is in the table --------------------------------------------------
OUR_MODULES = ("asfnet.", "directory.", "matchmaking.", "events.", "reports.", "notifications.")


def _our_url_names(resolver=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            inner = f"{namespace}{ns}:" if ns else namespace
            names |= _our_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            module = getattr(pattern.callback, "__module__", "")
            if module.startswith(OUR_MODULES):
                names.add(namespace + pattern.name)
    return names


@pytest.mark.security("C10")
def test_every_url_of_ours_has_a_row_in_the_access_table():
    covered = {row.name for row in TABLE}
    missing = sorted(_our_url_names() - covered)
    assert not missing, f"URLs with no row in the access table: {missing}"


def test_meta_test_sees_our_urls():
    """Guards the meta-test itself: if it found nothing it would pass vacuously."""
    names = _our_url_names()
    assert {"home", "directory:edit", "reports:index"} <= names
