"""What lists show across förbund (docs/forbund.md; docs/security-checks.md C10, C12).

The two-förbund access table (tests/test_access_table_forbund.py) proves that another förbund's *objects* are
404; it cannot see what a *list* holds. Here one installation has two förbund, each seeded with things that
carry a marker of their own (a project's diarienummer and name, a participant's code, an agreement's title, a
support record's note, a report run, an event of its calendar, an organisation awaiting verification in its
area), and every list, count, filter, feed, export, to-do and queue is read on both portals: the marker of the
portal's own förbund is there and the other förbund's is not. Each test runs on both hosts (`side` "a" and
"b"), so each can fail in both directions.

People: each förbund's coordinator; one officer of Arbetsförmedlingen (an agency belongs to every förbund) who
raised a participant in each; the staff of one ASF (Värdverkstaden) that hosts a proposal from each förbund, is
a party to an agreement in each and has a place at an event of each calendar. National things (the API, the
reserved-contracts export, the notification centre) list both förbund's on both portals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from directory.factories import CoordinatorFactory
from directory.forbund.registry import registry
from directory.models import Forbund, MembershipRole, Organisation, OrganisationKind
from events.feeds import services as feed_services
from matchmaking.models import FundedProject, Match, MatchStatus, Need, Opportunity, Participant
from matchmaking.selectors import Counts
from notifications.models import Notification
from reports.models import ReportRun
from tests.conftest import give_totp
from tests.factories import (
    AgreementFactory,
    CertificationFactory,
    EventFactory,
    FundedProjectFactory,
    MatchFactory,
    MembershipFactory,
    NeedFactory,
    OpportunityFactory,
    OrganisationFactory,
    ParticipantFactory,
    RegistrationFactory,
    ReportRunFactory,
    SupportRecordFactory,
)

pytestmark = [pytest.mark.adversarial("C"), pytest.mark.security("C10", "C12")]

SIDES = ["a", "b"]
HOSTS = {"a": "a.testserver", "b": "b.testserver"}  # Södra Norrbotten, Jämtland

# Each förbund's markers: strings that appear nowhere else in the seeded installation.
MARKERS = {
    "a": {
        "dnr": "SN-DNR-4711",
        "project": "Södra markörprojektet",
        "code": "P-SODRA-4711",
        "agreement": "Södra marköravtalet",
        "support": "Södra markörstödet",
        "event": "Södra markörträffen",
        "past_event": "Södra avslutade träffen",
        "organiser": "Södra Arrangörsföreningen",
        "awaiting": "Södra Väntande Verkstad",
        "office": "Kansliet Södra Norrbotten",
        "municipality": "Luleå kommun",
        "kommun": "2580",  # Luleå
        "awaiting_kommun": "2581",  # Piteå, in Södra Norrbotten's area
    },
    "b": {
        "dnr": "JL-DNR-0815",
        "project": "Jämtlands markörprojektet",
        "code": "P-JAMT-0815",
        "agreement": "Jämtlands marköravtalet",
        "support": "Jämtlands markörstödet",
        "event": "Jämtlands markörträffen",
        "past_event": "Jämtlands avslutade träffen",
        "organiser": "Jämtlands Arrangörsförening",
        "awaiting": "Jämtlands Väntande Verkstad",
        "office": "Kansliet Jämtland",
        "municipality": "Östersunds kommun",
        "kommun": "2380",  # Östersund
        "awaiting_kommun": "2361",  # Härjedalen, in Jämtland's area
    },
}
AGENCY = "Arbetsförmedlingen Markörkontoret"
HOST_ORG = "Värdverkstaden"
NOWHERE = "Ingenstans Väntande Verkstad"  # Stockholm: in no förbund's area, so in every förbund's queues
NOWHERE_KOMMUN = "0180"


@dataclass
class Side:
    """One förbund and what was seeded in it."""

    key: str
    forbund: Forbund
    host: str
    coordinator: object
    project: FundedProject
    participant: Participant
    need_open: Need  # no proposal for 60 days
    match: Match  # proposed to Värdverkstaden by the officer
    run: ReportRun  # succeeded, with a CSV
    failed_run: ReportRun
    organiser: Organisation
    awaiting: Organisation

    def __getitem__(self, name: str) -> str:
        return MARKERS[self.key][name]


@dataclass
class Installation:
    a: Side
    b: Side
    officer: object  # Arbetsförmedlingen: raised a participant in each förbund
    host_staff: object  # Värdverkstaden: proposals, agreements and event places in each förbund
    opportunity: Opportunity

    def sides(self, key: str) -> tuple[Side, Side]:
        """(own, other) for a test on `key`'s portal."""
        return (self.a, self.b) if key == "a" else (self.b, self.a)


def _org(name: str, kommun: str | None, kind: str = OrganisationKind.ASF, **fields) -> Organisation:
    """A verified organisation: only the ones made to await verification sit in that queue."""
    return OrganisationFactory(name=name, kommunkod=kommun, kind=kind, verified=True, **fields)


def _seed_side(
    key: str, forbund: Forbund, *, agency: Organisation, officer, opportunity: Opportunity, host_staff
) -> Side:
    m = MARKERS[key]
    coordinator = CoordinatorFactory(email=f"samordnare.{key}@example.se", forbund=forbund)
    give_totp(coordinator)
    office = _org(m["office"], m["kommun"], kind=OrganisationKind.LOCAL_GOVERNMENT_ASSOCIATION)
    MembershipFactory(organisation=office, user=coordinator, role=MembershipRole.ADMIN)
    _org(m["municipality"], m["kommun"], kind=OrganisationKind.MUNICIPALITY)

    project = FundedProjectFactory(forbund=forbund, diarienummer=m["dnr"], name=m["project"], owner=office)
    participant = ParticipantFactory(
        code=m["code"], project=project, raised_by_organisation=agency, municipality=m["kommun"]
    )
    # Both needs in Luleå, where Värdverkstaden's place is: only the förbund tells them apart.
    need_open = NeedFactory(participant=participant, municipality="2580")
    Need.objects.filter(pk=need_open.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    need_matched = NeedFactory(participant=participant, municipality="2580")
    # Through the service: the host's staff are notified, with the förbund's portal as the link's site.
    officer_here = actor_for(officer, registry().get(forbund.pk))
    match = MatchFactory(need=need_matched, opportunity=opportunity, actor=officer_here)

    AgreementFactory(forbund=forbund, title=m["agreement"], parties=[opportunity.organisation, agency])
    SupportRecordFactory(project=project, organisation=office, note=m["support"])
    run = ReportRunFactory(project=project, succeeded=True, files=("csv",))
    failed_run = ReportRunFactory(
        project=project, failed=True, period_from=dt.date(2024, 10, 1), period_to=dt.date(2024, 12, 31)
    )

    organiser = _org(m["organiser"], m["kommun"])
    event = EventFactory(
        forbund=forbund, organiser=organiser, title_sv=m["event"], title_en=m["event"], kommunkod=m["kommun"]
    )
    RegistrationFactory(event=event, user=host_staff)
    # Ended two weeks ago, a guest's registration still held (the coordinators' retention overview).
    EventFactory(forbund=forbund, organiser=organiser, title_sv=m["past_event"], past=True, registrations=1)
    # Not an ASF: the home page's national "ASF of the day" never shows it, only the to-do can.
    awaiting = OrganisationFactory(
        name=m["awaiting"], kommunkod=m["awaiting_kommun"], kind=OrganisationKind.CIVIL_SOCIETY
    )
    return Side(
        key=key,
        forbund=forbund,
        host=HOSTS[key],
        coordinator=coordinator,
        project=project,
        participant=participant,
        need_open=need_open,
        match=match,
        run=run,
        failed_run=failed_run,
        organiser=organiser,
        awaiting=awaiting,
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def two(db, settings, portals) -> Installation:
    # The site's address is the national host's; a förbund's portal is its host with the same scheme.
    settings.SITE_URL = "https://asfnet.example.se"
    south, jamtland = portals

    agency = _org(AGENCY, None, kind=OrganisationKind.AGENCY)
    officer = MembershipFactory(organisation=agency, user__email="handlaggare@af.example.se").user
    give_totp(officer)
    host_org = _org(HOST_ORG, "2580", placements=True)
    host_staff = MembershipFactory(organisation=host_org, user__email="personal@vardverkstaden.example.se").user
    opportunity = OpportunityFactory(organisation=host_org, title="Markörplatsen i verkstaden")
    OrganisationFactory(name=NOWHERE, kommunkod=NOWHERE_KOMMUN, kind=OrganisationKind.CIVIL_SOCIETY)

    shared = {"agency": agency, "officer": officer, "opportunity": opportunity, "host_staff": host_staff}
    a = _seed_side("a", south, **shared)
    b = _seed_side("b", jamtland, **shared)
    return Installation(a=a, b=b, officer=officer, host_staff=host_staff, opportunity=opportunity)


def _get(client, user, url: str, host: str, params: dict | None = None, status: int = 200):
    if user is not None:
        client.force_login(user)
    response = client.get(url, params or {}, headers={"host": host, "accept-language": "sv"})
    assert response.status_code == status, (url, host, response.status_code)
    return response


def _html(response) -> str:
    return response.content.decode()


def _person(two: Installation, own: Side, role: str):
    return {"coordinator": own.coordinator, "officer": two.officer, "host_staff": two.host_staff}[role]


# --- Matchmaking: the dashboard, its participant list and its counts -----------------------------------------
@pytest.mark.parametrize("side", SIDES)
def test_the_coordinators_dashboard_lists_and_counts_the_forbunds_own_only(client, two, side):
    own, other = two.sides(side)
    response = _get(client, own.coordinator, reverse("matchmaking:index"), own.host)
    html = _html(response)
    assert own["code"] in html
    assert other["code"] not in html
    assert [p.code for p in response.context["page"].object_list] == [own["code"]]
    assert response.context["counts"] == Counts(
        participants=1,
        participants_ongoing=1,
        open_needs=2,
        open_opportunities=1,  # opportunities are national: the one place
        matches={**dict.fromkeys(MatchStatus.values, 0), MatchStatus.PROPOSED: 1},
    )
    assert [m.code for m in response.context["host_waiting"]] == [own.match.code]


@pytest.mark.parametrize("side", SIDES)
def test_an_agency_officer_sees_on_each_portal_that_forbunds_participants(client, two, side):
    own, other = two.sides(side)
    response = _get(client, two.officer, reverse("matchmaking:index"), own.host)
    html = _html(response)
    assert own["code"] in html
    assert other["code"] not in html
    assert [p.code for p in response.context["page"].object_list] == [own["code"]]


@pytest.mark.parametrize("side", SIDES)
def test_searching_the_participant_list_for_the_other_forbunds_code_finds_nothing(client, two, side):
    own, other = two.sides(side)
    url = reverse("matchmaking:index")
    found = _get(client, own.coordinator, url, own.host, {"q": other["code"]})
    assert list(found.context["page"].object_list) == []
    # The code is echoed in the search box and the page's own links; no participant row links to it.
    assert reverse("matchmaking:participant_detail", kwargs={"code": other["code"]}) not in _html(found)
    found = _get(client, own.coordinator, url, own.host, {"q": own["code"]})
    assert [p.code for p in found.context["page"].object_list] == [own["code"]]


@pytest.mark.parametrize("side", SIDES)
def test_the_participant_filter_offers_the_forbunds_municipalities_and_the_agencies(client, two, side):
    own, other = two.sides(side)
    url = reverse("matchmaking:index")
    response = _get(client, own.coordinator, url, own.host)
    choices = {o.name for o in response.context["participants"].organisation_choices}
    assert choices == {AGENCY, own["municipality"]}
    assert other["municipality"] not in _html(response)
    # The other förbund's municipality, named in the URL, is no choice: ignored, not a filter.
    other_municipality = Organisation.objects.get(name=other["municipality"])
    response = _get(client, own.coordinator, url, own.host, {"organisation": str(other_municipality.code)})
    assert response.context["participants"].organisation == ""


@pytest.mark.parametrize("side", SIDES)
def test_reverse_matching_lists_the_officers_needs_of_the_portals_forbund(client, two, side):
    own, other = two.sides(side)
    url = reverse("matchmaking:opportunity_needs", kwargs={"code": two.opportunity.code})
    response = _get(client, two.officer, url, own.host)
    assert sorted(row.need.participant.code for row in response.context["rows"]) == [own["code"], own["code"]]
    assert other["code"] not in _html(response)


@pytest.mark.parametrize("role", ["coordinator", "host_staff"])
@pytest.mark.parametrize("side", SIDES)
def test_the_opportunity_page_lists_the_proposals_of_the_portals_forbund(client, two, side, role):
    """The opportunity is national and holds a proposal from each förbund; its page lists the one the person
    may open on this portal, and that link opens."""
    own, other = two.sides(side)
    person = _person(two, own, role)
    url = reverse("matchmaking:opportunity_detail", kwargs={"code": two.opportunity.code})
    response = _get(client, person, url, own.host)
    assert [m.code for m in response.context["placements"]] == [own.match.code]
    html = _html(response)
    assert own["code"] in html
    assert other["code"] not in html
    _get(client, person, own.match.get_absolute_url(), own.host)


# --- Projects and agreements -------------------------------------------------------------------------------
@pytest.mark.parametrize("side", SIDES)
def test_the_project_list_and_the_project_choice_hold_the_forbunds_projects(client, two, side):
    own, other = two.sides(side)
    html = _html(_get(client, own.coordinator, reverse("matchmaking:project_list"), own.host))
    assert own["dnr"] in html and own["project"] in html
    assert other["dnr"] not in html and other["project"] not in html

    response = _get(client, own.coordinator, reverse("matchmaking:participant_create"), own.host)
    assert list(response.context["form"].fields["project"].queryset) == [own.project]
    assert other["dnr"] not in _html(response)


@pytest.mark.parametrize("role", ["coordinator", "host_staff"])
@pytest.mark.parametrize("side", SIDES)
def test_the_agreement_list_holds_the_forbunds_agreements(client, two, side, role):
    own, other = two.sides(side)
    response = _get(client, _person(two, own, role), reverse("matchmaking:agreement_list"), own.host)
    assert [agreement.title for agreement in response.context["page"].object_list] == [own["agreement"]]
    assert other["agreement"] not in _html(response)


# --- Figures and reports -----------------------------------------------------------------------------------
@pytest.mark.parametrize("side", SIDES)
def test_the_key_figures_count_the_forbunds_needs_and_projects(client, two, side):
    own, other = two.sides(side)
    response = _get(client, own.coordinator, reverse("figures:index"), own.host)
    figures = response.context["figures"]
    assert figures.open_needs == 2
    assert [totals.project.diarienummer for totals in figures.esf] == [own["dnr"]]
    html = _html(response)
    assert own["dnr"] in html
    assert other["dnr"] not in html


@pytest.mark.parametrize("side", SIDES)
def test_the_report_page_lists_the_forbunds_runs_and_offers_its_projects(client, two, side):
    own, other = two.sides(side)
    response = _get(client, own.coordinator, reverse("reports:index"), own.host)
    assert {run.code for run in response.context["runs"]} == {own.run.code, own.failed_run.code}
    assert list(response.context["form"].fields["project"].queryset) == [own.project]
    html = _html(response)
    assert str(own.run.code) in html and str(own.failed_run.code) in html
    assert str(other.run.code) not in html and str(other.failed_run.code) not in html
    assert other["dnr"] not in html


@pytest.mark.parametrize("side", SIDES)
def test_the_support_list_holds_the_forbunds_records_even_when_asked_for_the_others_project(client, two, side):
    own, other = two.sides(side)
    url = reverse("reports:support_list")
    response = _get(client, own.coordinator, url, own.host)
    assert [record.note for record in response.context["records"]] == [own["support"]]
    html = _html(response)
    assert own["support"] in html
    assert other["support"] not in html and other["dnr"] not in html

    response = _get(client, own.coordinator, url, own.host, {"project": other["dnr"]})
    assert list(response.context["form"].errors) == ["project"]  # not one of the choices
    assert other["support"] not in _html(response)


# --- To-dos, the home page and the work queues -------------------------------------------------------------
def _participant_code(side: Side) -> str:
    return side["code"]


def _failed_run_url(side: Side) -> str:
    return reverse("reports:run_detail", kwargs={"code": side.failed_run.code})


TODOS = [
    ("coordinator", "unmatched-needs", _participant_code),
    ("coordinator", "failed-reports", _failed_run_url),
    ("officer", "needs-without-proposal", _participant_code),
    ("officer", "proposals-waiting", _participant_code),
    ("host_staff", "proposals-to-answer", _participant_code),
]


@pytest.mark.parametrize(("role", "source", "marker"), TODOS, ids=[t[1] for t in TODOS])
@pytest.mark.parametrize("side", SIDES)
def test_a_to_do_list_holds_the_forbunds_own_items(client, two, side, role, source, marker):
    own, other = two.sides(side)
    response = _get(client, _person(two, own, role), reverse("todo_list", kwargs={"name": source}), own.host)
    assert len(response.context["items"]) == 1
    html = _html(response)
    assert marker(own) in html
    assert marker(other) not in html


@pytest.mark.parametrize("side", SIDES)
def test_the_organisations_awaiting_verification_are_the_forbunds_area_and_no_forbunds(client, two, side):
    """The to-do (its list and the home page's group) holds what the work queue holds: organisations in the
    förbund's area and those in no förbund's area; another förbund's area is that förbund's work."""
    own, other = two.sides(side)
    expected = {own["awaiting"], NOWHERE}

    response = _get(client, own.coordinator, reverse("directory:queues"), own.host)
    assert {o.name for o in response.context["page"].object_list} == expected
    assert {name: count for name, _label, count in response.context["queues"]}["awaiting"] == 2
    assert other["awaiting"] not in _html(response)

    response = _get(client, own.coordinator, reverse("todo_list", kwargs={"name": "awaiting-verification"}), own.host)
    html = _html(response)
    assert len(response.context["items"]) == 2
    assert own["awaiting"] in html and NOWHERE in html
    assert other["awaiting"] not in html

    response = _get(client, own.coordinator, reverse("home"), own.host)
    [group] = [g for g in response.context["todo_groups"] if g.source.name == "awaiting-verification"]
    assert group.total == 2
    assert sorted(item.url for item in group.items) == sorted(
        reverse("directory:detail", kwargs={"code": o.code}) for o in Organisation.objects.filter(name__in=expected)
    )
    html = _html(response)
    assert own["awaiting"] in html
    assert other["awaiting"] not in html


# --- The calendar and its feeds ----------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["anonymous", "coordinator"])
@pytest.mark.parametrize("side", SIDES)
def test_the_calendar_lists_the_forbunds_events_and_organisers(client, two, side, role):
    own, other = two.sides(side)
    user = own.coordinator if role == "coordinator" else None
    response = _get(client, user, reverse("events:index"), own.host)
    html = _html(response)
    assert own["event"] in html
    assert other["event"] not in html
    organisers = {o.name for o in response.context["result"].organisers}
    assert own["organiser"] in organisers
    assert other["organiser"] not in organisers
    assert other["organiser"] not in html

    # The other förbund's organiser, named in the URL: nothing of theirs on this portal.
    response = _get(client, user, reverse("events:index"), own.host, {"organiser": str(other.organiser.code)})
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize("side", SIDES)
def test_the_retention_overview_holds_the_forbunds_ended_events(client, two, side):
    own, other = two.sides(side)
    response = _get(client, own.coordinator, reverse("events:retention"), own.host)
    assert [event.title_sv for event in response.context["events"]] == [own["past_event"]]
    assert other["past_event"] not in _html(response)


@pytest.mark.parametrize("side", SIDES)
def test_the_month_view_shows_the_forbunds_events(client, two, side):
    own, other = two.sides(side)
    day = timezone.localdate(timezone.now() + dt.timedelta(days=7))  # the events' day (EventFactory)
    url = reverse("events:month", kwargs={"year": day.year, "month": day.month})
    html = _html(_get(client, own.coordinator, url, own.host))
    assert own["event"] in html
    assert other["event"] not in html


@pytest.mark.parametrize("side", SIDES)
def test_the_home_page_shows_the_forbunds_events(client, two, side):
    own, other = two.sides(side)
    html = _html(_get(client, None, reverse("home"), own.host))
    assert own["event"] in html
    assert other["event"] not in html


def _ics(response) -> str:
    return response.content.decode().replace("\r\n ", "")  # unfolded


@pytest.mark.parametrize("side", SIDES)
def test_the_public_feed_holds_the_forbunds_calendar(client, two, side):
    own, other = two.sides(side)
    feed = _ics(_get(client, None, reverse("events:feed"), own.host))
    assert f"SUMMARY:{own['event']}" in feed
    assert other["event"] not in feed


@pytest.mark.parametrize("side", SIDES)
def test_an_organisers_feed_on_a_portal_holds_that_forbunds_events_only(client, two, side):
    own, other = two.sides(side)
    mine = _ics(_get(client, None, reverse("events:organiser_feed", kwargs={"code": own.organiser.code}), own.host))
    assert f"SUMMARY:{own['event']}" in mine
    theirs = _ics(_get(client, None, reverse("events:organiser_feed", kwargs={"code": other.organiser.code}), own.host))
    assert "BEGIN:VCALENDAR" in theirs
    assert "BEGIN:VEVENT" not in theirs


@pytest.mark.parametrize("side", SIDES)
def test_the_private_feed_on_a_portal_holds_the_places_in_that_forbunds_calendar(client, two, side):
    own, other = two.sides(side)
    token = feed_services.calendar_token_renew(user=two.host_staff)
    feed = _ics(_get(client, None, reverse("events:my_feed", kwargs={"token": token}), own.host))
    assert f"SUMMARY:{own['event']}" in feed
    assert other["event"] not in feed


@pytest.mark.parametrize("side", SIDES)
def test_the_calendar_subscription_page_gives_the_portals_own_feed_addresses(client, two, side):
    """The addresses to subscribe to are this portal's: on the site's address (the national calendar, every
    förbund's events) the public feed would hold the other förbund's events too."""
    own, _other = two.sides(side)
    url = reverse("events:my_calendar")
    response = _get(client, two.host_staff, url, own.host)
    assert response.context["public_feed_url"] == f"https://{own.host}{reverse('events:feed')}"
    response = client.post(url, headers={"host": own.host})
    assert response.status_code == 200
    assert response.context["feed_url"].startswith(f"https://{own.host}/events/my/")


# --- Notifications -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("side", SIDES)
def test_a_notification_about_the_other_forbunds_placement_leads_to_that_forbunds_portal(client, two, side):
    """A portal's centre lists its förbund's notifications (and the national ones), with the others one click
    away; opening one about another förbund's placement goes to that förbund's portal, never to the same path
    on this one (404)."""
    own, other = two.sides(side)
    response = _get(client, two.host_staff, reverse("notifications:centre"), own.host)
    html = _html(response)
    assert own["code"] in html and other["code"] not in html
    assert response.context["elsewhere"] == 1 and "?all=1" in html
    assert _get(client, two.host_staff, reverse("home"), own.host).context["unread_notifications"] == 1
    every = _html(_get(client, two.host_staff, reverse("notifications:centre"), own.host, {"all": "1"}))
    assert own["code"] in every and other["code"] in every

    def opened(match: Match):
        code = match.need.participant.code
        notification = Notification.objects.get(recipient=two.host_staff, params__participant=code)
        return client.get(reverse("notifications:open", kwargs={"code": notification.code}), headers={"host": own.host})

    path = reverse("matchmaking:match_detail", kwargs={"code": other.match.code})
    response = opened(other.match)
    assert (response.status_code, response["Location"]) == (302, f"https://{other.host}{path}")
    response = opened(own.match)
    path = reverse("matchmaking:match_detail", kwargs={"code": own.match.code})
    assert (response.status_code, response["Location"]) == (302, path)


# --- National: the API and the reserved-contracts export ---------------------------------------------------
@pytest.mark.parametrize("side", SIDES)
def test_the_api_lists_the_organisations_of_every_forbund(client, two, side):
    own, other = two.sides(side)
    response = _get(client, None, reverse("api:organization_list"), own.host, {"per_page": 100})
    names = {organisation["name"] for organisation in json.loads(response.content)["contents"]}
    assert names == set(Organisation.objects.listed().values_list("name", flat=True))
    assert {own["awaiting"], other["awaiting"], own["organiser"], other["organiser"], NOWHERE} <= names


@pytest.mark.parametrize("side", SIDES)
def test_the_reserved_contracts_export_is_national(client, two, side):
    own, other = two.sides(side)
    for organisation in (own.organiser, other.organiser):
        CertificationFactory(organisation=organisation, lou_reserved=True)
    response = _get(client, own.coordinator, reverse("matchmaking:reserved_asf_export"), own.host)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    _header, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig")))
    assert sorted(row[0] for row in rows) == sorted([own["organiser"], other["organiser"]])  # the name column


# --- Certifications awaiting approval: the work queues' organisations, like every verification ---------------
@pytest.mark.parametrize("side", SIDES)
def test_certifications_awaiting_approval_are_those_of_the_forbunds_queues(client, two, side):
    own, other = two.sides(side)
    for organisation, name in ((own.awaiting, "Ägarintyg hemma"), (other.awaiting, "Ägarintyg borta")):
        CertificationFactory(organisation=organisation, name=name, pending=True, evidence="certifications/x.pdf")
    nowhere = Organisation.objects.get(name=NOWHERE)
    CertificationFactory(
        organisation=nowhere, name="Ägarintyg ingenstans", pending=True, evidence="certifications/y.pdf"
    )

    page = _get(client, own.coordinator, reverse("directory:certifications_pending"), own.host)
    todo = _get(client, own.coordinator, reverse("todo_list", kwargs={"name": "certifications-awaiting"}), own.host)

    assert {c.name for c in page.context["page"].object_list} == {"Ägarintyg hemma", "Ägarintyg ingenstans"}
    assert len(todo.context["items"]) == 2
    assert "Ägarintyg borta" not in _html(page) + _html(todo)
