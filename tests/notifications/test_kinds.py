"""Every kind of notification reaches exactly its recipients — in the centre and by e-mail, in each recipient's
language — and no one else, when the workflow that raises it runs through its service (the table of kinds and
recipients is in notifications/kinds.py). Kinds e-mailed at once by default are checked at once; kinds that
default to the daily summary are checked in the summary. That a retried task never sends twice is checked on a
real worker in tests/test_mail_fanout.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import translation

from directory import services as directory_services
from directory.access import actor_for
from directory.factories import ForbundFactory
from directory.models import Certification, Membership, MembershipRole, ServiceCategory
from directory.outdated import services as outdated_services
from events import services as event_services
from matchmaking import partners
from matchmaking import services as matchmaking_services
from notifications.kinds import KINDS, Delivery
from notifications.models import Notification
from notifications.tasks import send_daily_digests
from tests.factories import EventFactory, UserFactory
from tests.matchmaking.pipeline import make_need, make_opportunity, make_participant

pytestmark = pytest.mark.usefixtures("tasks_inline")

# A mix of languages, so that each e-mail must be written in its own recipient's.
LANGUAGES = {
    "staff_a": "en",
    "admin_a": "sv",
    "staff_b": "en",
    "officer_x": "en",
    "officer_y": "sv",
    "business_member": "en",
    "coordinator": "sv",
}


@pytest.fixture
def people(world):
    for role, language in LANGUAGES.items():
        user = getattr(world, role)
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return world


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a workflow as a request would: its transaction commits, then the e-mail tasks run (tasks_inline).
    Mail sent before (setting up) is forgotten."""

    def run(action):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def notified(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def in_language(language: str, text) -> str:
    with translation.override(language):
        return str(text)


def assert_reached(kind: str, recipients: list) -> None:
    """`kind` is in the centre of exactly `recipients`, and each got it by e-mail in their language — at once
    or in their daily summary, as the kind's default says — and no one else got an e-mail about it."""
    assert notified(kind) == sorted(user.email for user in recipients), kind
    if KINDS[kind].default == Delivery.DAILY:
        assert [m for m in mail.outbox if m.to[0] in notified(kind)] == [], "not at once: in the summary"
        mail.outbox.clear()
        send_daily_digests()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {user.email for user in recipients}, kind
    for user in recipients:
        notification = Notification.objects.get(kind=kind, recipient=user)
        message = by_address[user.email]
        with translation.override(user.preferred_language):
            assert notification.text in message.body
        if KINDS[kind].default == Delivery.IMMEDIATE:
            assert message.subject == in_language(user.preferred_language, KINDS[kind].title)
        if user.preferred_language == "sv":
            with translation.override("en"):
                assert notification.text not in message.body


# --- Partner requests -----------------------------------------------------------------------------------------
@pytest.fixture
def cleaning(people):
    """ASF A (Luleå) offers cleaning; ASF B offers it too but in Piteå only, so it is not suggested."""
    service = ServiceCategory.objects.get(slug="stad")
    people.org_a.services.add(service)
    people.org_b.services.add(service)
    return service


def post_request(world, service):
    return partners.partner_request_create(
        actor=actor_for(world.business_member),
        organisation=world.business,
        data={"title": "Städning av kontoret", "service": service, "municipality_id": "2580"},
    )


def test_a_partner_request_reaches_the_members_of_each_suggested_asf(people, cleaning, run):
    run(lambda: post_request(people, cleaning))
    assert_reached("partner_request", [people.staff_a, people.admin_a])
    english = next(m for m in mail.outbox if m.to == [people.staff_a.email])
    assert "Norrbygg AB is looking for a partner in Luleå: “Städning av kontoret”." in english.body


def test_an_answer_reaches_the_requester_once_per_answer(people, cleaning, run):
    request = post_request(people, cleaning)

    def answer(value: str, note: str = ""):
        return partners.partner_response_set(
            actor=actor_for(people.staff_a), request=request, organisation=people.org_a, answer=value, note=note
        )

    run(lambda: answer("interested"))
    assert_reached("partner_answer", [people.business_member])
    assert "Returen Återbruk is interested in your request “Städning av kontoret”." in mail.outbox[0].body
    run(lambda: answer("interested", note="Vi kan börja på måndag."))  # only the note changed: not again
    assert Notification.objects.filter(kind="partner_answer").count() == 1
    assert mail.outbox == []
    run(lambda: answer("not_interested"))
    assert Notification.objects.filter(kind="partner_answer").count() == 2
    assert "Returen Återbruk cannot take on your request “Städning av kontoret”." in mail.outbox[0].body


# --- Placements -----------------------------------------------------------------------------------------------
@pytest.fixture
def proposal(people, project):
    need = make_need(people.officer_x, make_participant(people, project, code="P-NOTIFY1"))
    return matchmaking_services.match_propose(
        actor=actor_for(people.officer_x), need=need, opportunity=make_opportunity(people)
    )


@pytest.fixture
def project(db, world):
    from matchmaking.models import FundedProject

    return FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S06", name="Samverkan", owner=world.forbund
    )


def test_a_proposal_reaches_the_hosts_members(people, project, run):
    need = make_need(people.officer_x, make_participant(people, project, code="P-NOTIFY1"))
    opportunity = make_opportunity(people)
    run(
        lambda: matchmaking_services.match_propose(
            actor=actor_for(people.officer_x), need=need, opportunity=opportunity
        )
    )
    assert_reached("placement_proposed", [people.staff_a, people.admin_a])


def test_an_acceptance_reaches_the_proposing_officer(people, proposal, run):
    run(lambda: matchmaking_services.match_accept(actor=actor_for(people.admin_a), match=proposal))
    assert_reached("placement_accepted", [people.officer_x])


def test_a_refusal_reaches_the_proposing_officer_without_the_reason(people, proposal, run):
    reason = "Inga platser på förmiddagar just nu"
    run(lambda: matchmaking_services.match_decline(actor=actor_for(people.admin_a), match=proposal, reason=reason))
    assert_reached("placement_declined", [people.officer_x])
    assert reason not in mail.outbox[0].body


def test_the_start_and_the_end_reach_the_other_side(people, proposal, run):
    matchmaking_services.match_accept(actor=actor_for(people.admin_a), match=proposal)
    today = dt.date.today()
    run(lambda: matchmaking_services.match_start(actor=actor_for(people.staff_a), match=proposal, started_on=today))
    assert_reached("placement_started", [people.officer_x])  # the host started it
    run(
        lambda: matchmaking_services.match_end(
            actor=actor_for(people.officer_x), match=proposal, ended_on=today, outcome="employed"
        )
    )
    assert_reached("placement_ended", [people.staff_a, people.admin_a])  # the officer ended it


# --- Events ---------------------------------------------------------------------------------------------------
def test_a_waitlist_offer_reaches_the_person_offered_in_the_centre_and_the_calendar_emails_it(people, run):
    event = EventFactory(organiser=people.org_a, capacity=1, title_sv="Frukostmöte", title_en="Breakfast meeting")
    holder = event_services.registration_create(actor=actor_for(people.staff_b), event=event)
    event_services.registration_create(actor=actor_for(people.officer_y), event=event)  # waitlisted
    run(lambda: event_services.registration_cancel(registration=holder, actor=actor_for(people.staff_b)))
    (offer,) = Notification.objects.filter(kind="waitlist_offer")
    assert offer.recipient == people.officer_y
    assert offer.delivery == Delivery.OFF  # the calendar's own e-mail carries the link to accept
    with translation.override("sv"):
        assert offer.text.startswith("En plats har blivit ledig på ”Frukostmöte”. Tacka ja före ")
    assert [m.to for m in mail.outbox] == [[people.officer_y.email]]  # the calendar's offer, nothing more
    assert "Breakfast meeting" not in mail.outbox[0].body


def test_a_decision_on_a_registration_reaches_the_person_in_the_centre_and_the_calendar_emails_it(people, run):
    from events import approval

    event = EventFactory(organiser=people.org_a, capacity=5, requires_approval=True, title_en="Study visit")
    registration = event_services.registration_create(actor=actor_for(people.staff_b), event=event)
    run(lambda: approval.registration_accept(actor=actor_for(people.admin_a), registration=registration))
    (decided,) = Notification.objects.filter(kind="registration_decided")
    assert (decided.recipient, decided.params["variant"]) == (people.staff_b, "approved")
    assert decided.delivery == Delivery.OFF  # the calendar's own e-mail tells the decision
    with translation.override("en"):
        assert decided.text == "You are accepted for “Study visit” and have a place."
    assert [m.to for m in mail.outbox] == [[people.staff_b.email]]  # the calendar's e-mail, nothing more
    assert mail.outbox[0].subject == "You are accepted: Study visit"


# --- Directory ------------------------------------------------------------------------------------------------
def test_an_accepted_invitation_reaches_the_person_who_invited(people, run):
    invitation, _token = directory_services.invitation_create(
        inviter=actor_for(people.admin_a), organisation=people.org_a, email="ny.kollega@example.se", role="member"
    )
    newcomer = UserFactory(email="ny.kollega@example.se")
    run(lambda: directory_services.invitation_accept(invitation=invitation, user=newcomer))
    assert_reached("invitation_accepted", [people.admin_a])
    assert f"{newcomer} har antagit din inbjudan och är nu medlem i Returen Återbruk." in mail.outbox[0].body


def test_when_the_inviter_is_gone_the_organisations_administrators_hear(people, run):
    invitation, _token = directory_services.invitation_create(
        inviter=actor_for(people.admin_a), organisation=people.org_a, email="ny@example.se", role="member"
    )
    type(people.admin_a).objects.filter(pk=people.admin_a.pk).update(is_active=False)
    second_admin = UserFactory(preferred_language="en")
    Membership.objects.create(user=second_admin, organisation=people.org_a, role=MembershipRole.ADMIN)
    invitation = type(invitation).objects.get(pk=invitation.pk)  # read later, as the accepting request does
    run(lambda: directory_services.invitation_accept(invitation=invitation, user=UserFactory(email="ny@example.se")))
    assert_reached("invitation_accepted", [second_admin])


def test_verification_due_and_expired_reach_the_coordinators(people, run):
    due_on = dt.date.today() + dt.timedelta(days=30)
    run(lambda: directory_services.verification_notify(organisation=people.org_a, expires_on=due_on, expired=False))
    assert_reached("verification_due", [people.coordinator])
    run(lambda: directory_services.verification_notify(organisation=people.org_a, expires_on=due_on, expired=True))
    assert_reached("verification_expired", [people.coordinator])


def test_a_certification_awaiting_approval_reaches_the_coordinators(people, run):
    certification = Certification.objects.create(
        organisation=people.org_a, kind="skoopi", valid_until=dt.date.today() + dt.timedelta(days=365)
    )
    run(
        lambda: directory_services.certification_pending_notify(
            certification=certification, actor=actor_for(people.admin_a)
        )
    )
    assert_reached("certification_pending", [people.coordinator])


def test_a_decided_certification_reaches_the_organisations_members(people, run):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from directory.profile import services as profile_services
    from tests import pdfs

    certification = Certification.objects.create(
        organisation=people.org_a, kind="skoopi", valid_until=dt.date.today() + dt.timedelta(days=365)
    )
    profile_services.certification_evidence_upload(
        actor=actor_for(people.admin_a),
        certification=certification,
        upload=SimpleUploadedFile("intyg.pdf", pdfs.blank_pdf(), content_type="application/pdf"),
    )
    run(
        lambda: profile_services.certification_decide(
            actor=actor_for(people.coordinator), certification=certification, approve=True
        )
    )
    assert_reached("certification_decided", [people.staff_a, people.admin_a])


def test_an_outdated_information_report_reaches_the_organisations_members(people, run):
    run(lambda: outdated_services.outdated_report_notify(organisation=people.org_a))
    assert_reached("outdated_report", [people.staff_a, people.admin_a])


def test_a_request_to_update_the_profile_reaches_the_organisations_members_once(people, run):
    from directory.queues.services import organisations_bulk_act

    run(
        lambda: organisations_bulk_act(
            actor=actor_for(people.coordinator), action="remind", organisations=[people.org_a, people.org_a]
        )
    )
    assert_reached("profile_update_requested", [people.staff_a, people.admin_a])


def test_every_kind_is_covered_here():
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    missing = [key for key in KINDS if f'"{key}"' not in source]
    assert missing == []


def test_an_unanswered_outdated_report_reaches_the_coordinators(people, run):
    import datetime as dt

    from django.utils import timezone

    from directory.models import OutdatedReport

    report = OutdatedReport.objects.create(organisation=people.org_a, what_is_wrong="Fel adress")
    OutdatedReport.objects.filter(pk=report.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    run(lambda: outdated_services.outdated_reports_escalate())
    assert_reached("outdated_report_escalated", [people.coordinator])
