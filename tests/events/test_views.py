"""The calendar's own pages (events/views.py): who sees what, the organiser's pages (create, edit, publish,
cancel), the online link on the event page, the month view, the calendar list and its query budget, the
retention overview and the organiser's profile panel, and the personnummer guard on event texts.
Registration through the pages: test_registration_pages.py; attendance and check-in: test_attendance.py;
service-level capacity races: test_registration.py. Shared helpers: tests/events/pages.py."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from directory.factories import CoordinatorFactory, ForbundFactory
from directory.forbund.registry import registry
from directory.models import Organisation
from events import demo, services
from events.demo import SEASON, seed_events
from events.models import (
    Audience,
    ClosingReport,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from kernel.identifiers import normalise_orgnr
from tests.events.pages import STOCKHOLM, SV, _field_errors, login, make_event, titles_in_calendar, url
from tests.events.pages import event_form_data as _form_data
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.personnummer import SWEDISH_MESSAGE, WRITINGS


# --- Who sees what -------------------------------------------------------------------------------------
@pytest.fixture
def scoped(world):
    """One event of each audience by ASF A, plus a draft."""
    return {
        "public": make_event(world.org_a, title_sv="Öppen träff"),
        "network": make_event(world.org_a, title_sv="Nätverkets träff", audience=Audience.NETWORK),
        "invited": make_event(
            world.org_a, title_sv="Inbjudna: Café Kvarnen", audience=Audience.INVITED, invited=[world.org_b]
        ),
        "draft": make_event(world.org_a, title_sv="Utkast till träff", status=EventStatus.DRAFT),
    }


VISIBLE = {
    # role: the events the role may see among `scoped`
    "anonymous": {"public"},
    "staff_a": {"public", "network", "invited", "draft"},  # the organiser's member
    "staff_b": {"public", "network", "invited"},  # member of the invited organisation
    "business_member": {"public", "network"},
    "officer_x": {"public", "network"},
    "coordinator": {"public", "network", "invited", "draft"},
}


@pytest.mark.security("C13")
@pytest.mark.adversarial("C")
@pytest.mark.parametrize("role", list(VISIBLE))
def test_calendar_and_event_pages_show_each_role_exactly_what_it_may_see(client, world, scoped, role):
    user = world.user(role)
    if user:
        client.force_login(user)
    page = titles_in_calendar(client)
    for key, event in scoped.items():
        allowed = key in VISIBLE[role]
        assert (event.title_sv in page) is allowed, f"{key} in the calendar for {role}"
        assert client.get(url("detail", event)).status_code == (200 if allowed else 404), f"{key} page for {role}"
        assert client.get(url("ics", event)).status_code == (200 if allowed else 404), f"{key} .ics for {role}"


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_organisers_edit_only_their_own_events_and_outsiders_change_nothing(client, world):
    event = make_event(world.org_a)
    login(client, world.staff_b)
    assert client.get(url("edit", event)).status_code == 404
    data = {"title_sv": "Kapad", "start": "2030-01-01T10:00", "end": "2030-01-01T11:00"}
    for name in ("edit", "publish", "cancel", "attendance"):
        assert client.post(url(name, event), data).status_code == 404, name
    assert client.get(url("attendance_export", event, fmt="csv")).status_code == 404
    event.refresh_from_db()
    assert (event.title_sv, event.status) == ("Nätverksträff i Luleå", EventStatus.PUBLISHED)


def test_organiser_edits_their_event_and_the_sequence_goes_up(client, world, mails):
    event = make_event(world.org_a)
    login(client, world.staff_a)
    assert client.get(url("edit", event)).status_code == 200
    response = client.post(url("edit", event), _form_data(event, title_sv="Ny rubrik", place_name="Stadshuset"))
    assert response.status_code == 302, response.content.decode()[:2000]
    event.refresh_from_db()
    assert (event.title_sv, event.place_name, event.sequence) == ("Ny rubrik", "Stadshuset", 1)


@pytest.mark.security("C15")
@pytest.mark.adversarial("C")
def test_extra_fields_in_the_edit_post_are_ignored(client, world, mails):
    """Mass assignment (docs/security-checks.md C15): status, organiser, sequence and the check-in code are not
    fields."""
    event = make_event(world.org_a, status=EventStatus.DRAFT)
    code = event.checkin_code
    login(client, world.staff_a)
    forged = _form_data(
        event, status="published", organiser=str(world.org_b.code), sequence="99", checkin_code="AAAAAA"
    )
    assert client.post(url("edit", event), forged).status_code == 302
    event.refresh_from_db()
    assert (event.status, event.organiser, event.checkin_code) == (EventStatus.DRAFT, world.org_a, code)
    assert event.sequence < 99


def test_create_interprets_datetime_local_as_swedish_time_and_saves_a_draft(client, world):
    login(client, world.staff_a)
    page = client.get(reverse("events:create")).content.decode()
    assert 'type="datetime-local"' in page
    data = {
        "organiser": str(world.org_a.code),
        "kind": EventKind.STUDY_VISIT,
        "title_sv": "Studiebesök",
        "start": "2031-01-15T09:00",  # winter: UTC+1
        "end": "2031-07-01T09:00",  # summer: UTC+2
        "place_name": "Returen",
        "audience": Audience.PUBLIC,
        "retention_days": 30,
    }
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(title_sv="Studiebesök")
    assert event.start == dt.datetime(2031, 1, 15, 8, 0, tzinfo=dt.UTC)
    assert event.end == dt.datetime(2031, 7, 1, 7, 0, tzinfo=dt.UTC)
    assert (event.status, event.organiser, event.created_by) == (EventStatus.DRAFT, world.org_a, world.staff_a)


@pytest.mark.security("C14")
@pytest.mark.adversarial("C")
def test_create_for_someone_elses_organisation_is_refused_and_nothing_saved(client, world):
    login(client, world.staff_a)
    data = {
        "organiser": str(world.org_b.code),
        "kind": EventKind.TRAINING,
        "title_sv": "Falsk arrangör",
        "start": "2031-01-15T09:00",
        "end": "2031-01-15T10:00",
        "place_name": "Var som helst",
        "audience": Audience.PUBLIC,
        "retention_days": 30,
    }
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not Event.objects.filter(title_sv="Falsk arrangör").exists()


def test_bad_event_input_gets_messages_and_saves_nothing(client, world):
    login(client, world.staff_a)
    data = {
        "organiser": str(world.org_a.code),
        "kind": "nonsense",
        "title_sv": "x" * 10_000,
        "start": "not a date",
        "end": "2031-01-15T08:00",
        "audience": Audience.INVITED,  # without invited organisations
        "capacity": "-5",
        "online_url": "javascript:alert(1)",
        "retention_days": "abc",
    }
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<li><a href=") >= 5
    assert not Event.objects.exists()


def test_an_event_that_ends_before_it_starts_is_refused_on_the_end_field(client, world):
    event = make_event(world.org_a)
    login(client, world.staff_a)
    response = client.post(url("edit", event), _form_data(event, start="2031-01-15T10:00", end="2031-01-15T09:00"))
    assert response.status_code == 200
    assert response.context["form"].errors["end"]


def test_publish_and_cancel_are_post_only_and_change_the_status(client, world, mails):
    event = make_event(world.org_a, status=EventStatus.DRAFT)
    login(client, world.admin_a)
    assert client.get(url("publish", event)).status_code == 405
    assert client.post(url("publish", event)).status_code == 302
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED
    assert client.get(url("cancel", event)).status_code == 405
    assert client.post(url("cancel", event)).status_code == 302
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert "badge-cancelled" in client.get(url("detail", event)).content.decode()


# --- The online link -----------------------------------------------------------------------------------
ONLINE = "https://meet.example.se/hemlig-lank"


@pytest.mark.adversarial("C")
def test_the_online_link_is_shown_only_to_confirmed_people_and_organisers(client, world, mails):
    event = make_event(world.org_a, capacity=1, online_url=ONLINE)
    services.registration_create(actor=actor_for(world.staff_b), event=event)  # confirmed
    services.registration_create(actor=actor_for(world.business_member), event=event)  # waitlisted
    assert ONLINE not in client.get(url("detail", event)).content.decode()  # anonymous
    expectations = {"staff_b": True, "business_member": False, "officer_x": False, "staff_a": True, "coordinator": True}
    for role, shown in expectations.items():
        login(client, getattr(world, role))
        assert (ONLINE in client.get(url("detail", event)).content.decode()) is shown, role
        unfolded = client.get(url("ics", event)).content.decode().replace("\r\n ", "")
        assert (ONLINE in unfolded) is shown, f"{role} .ics"


# --- Month view ----------------------------------------------------------------------------------------
def test_month_view_is_a_table_with_caption_and_column_headers_listing_events_on_their_day(client, world):
    start = dt.datetime(2031, 3, 12, 10, 0, tzinfo=STOCKHOLM)
    event = make_event(world.org_a, title_sv="Marsträff")
    Event.objects.filter(pk=event.pk).update(start=start, end=start + dt.timedelta(hours=2))
    response = client.get(reverse("events:month", kwargs={"year": 2031, "month": 3}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<caption>" in page and page.count('scope="col"') == 7
    day = next(d for week in response.context["month"].weeks for d in week if d.date == dt.date(2031, 3, 12))
    assert [e.pk for e in day.events] == [event.pk]
    assert reverse("events:month", kwargs={"year": 2031, "month": 2}) in page
    assert reverse("events:month", kwargs={"year": 2031, "month": 4}) in page
    assert "Marsträff" in page


def test_an_event_over_midnight_is_listed_on_both_days_and_a_hidden_event_on_none(client, world):
    start = dt.datetime(2031, 5, 30, 20, 0, tzinfo=STOCKHOLM)
    event = make_event(world.org_a, title_sv="Natt")
    hidden = make_event(world.org_a, title_sv="Dold", audience=Audience.NETWORK)
    Event.objects.filter(pk__in=[event.pk, hidden.pk]).update(start=start, end=start + dt.timedelta(hours=6))
    month = client.get(reverse("events:month", kwargs={"year": 2031, "month": 5})).context["month"]
    days = {d.date: [e.title_sv for e in d.events] for week in month.weeks for d in week if d.in_month}
    assert days[dt.date(2031, 5, 30)] == ["Natt"]
    assert days[dt.date(2031, 5, 31)] == ["Natt"]


@pytest.mark.parametrize(("year", "month"), [(2031, 13), (2031, 0), (1999, 5), (3000, 1), (99999999999, 1)])
def test_a_month_that_does_not_exist_is_404(client, db, year, month):
    assert client.get(reverse("events:month", kwargs={"year": year, "month": month})).status_code == 404


# --- The calendar list ---------------------------------------------------------------------------------
def test_calendar_filters_by_municipality_kind_organiser_audience_and_time(client, world):
    make_event(world.org_a, title_sv="Luleåträff", kommunkod="2580")
    make_event(world.org_b, title_sv="Piteåutbildning", kommunkod="2581", kind=EventKind.TRAINING)
    make_event(world.org_b, title_sv="Gammal träff", start_in=-dt.timedelta(days=10))
    login(client, world.staff_a)

    def shown(**params) -> set[str]:
        events = client.get(reverse("events:index"), params).context["page"].object_list
        return {e.title_sv for e in events}

    assert shown() == {"Luleåträff", "Piteåutbildning"}
    assert shown(municipality="2581") == {"Piteåutbildning"}
    assert shown(kind="training") == {"Piteåutbildning"}
    assert shown(organiser=str(world.org_a.code)) == {"Luleåträff"}
    assert shown(audience="network") == set()
    assert shown(when="past") == {"Gammal träff"}
    assert shown(kind=["training", "network_meeting"]) == {"Luleåträff", "Piteåutbildning"}


@pytest.mark.security("E24")
@pytest.mark.adversarial("E")
@pytest.mark.parametrize(
    "params",
    [
        {"municipality": "' OR 1=1 --"},
        {"kind": "\x00"},
        {"organiser": "not-a-uuid"},
        {"organiser": "x" * 5000},
        {"audience": ["public", "nonsense"]},
        {"when": "<script>"},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"page": "abc"},
    ],
)
def test_junk_parameters_never_break_the_calendar(client, world, params):
    make_event(world.org_a)
    assert client.get(reverse("events:index"), params).status_code == 200
    assert client.get(reverse("events:month", kwargs={"year": 2031, "month": 1}), params).status_code == 200


def test_titles_follow_the_active_language(client, world):
    event = make_event(world.org_a, title_sv="Träff på svenska", title_en="Meeting in English")
    assert "Träff på svenska" in titles_in_calendar(client)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Meeting in English" in titles_in_calendar(client)
    assert "Meeting in English" in client.get(url("detail", event)).content.decode()


def _many(world, n: int) -> None:
    for i in range(n):
        make_event(world.org_a if i % 2 else world.org_b, title_sv=f"Träff {i}", capacity=10)


@pytest.mark.parametrize("role", ["anonymous", "staff_a", "coordinator"])
def test_calendar_query_count_does_not_grow_with_the_number_of_events(
    client, world, mails, django_assert_max_num_queries, role
):
    user = world.user(role)
    if user:
        client.force_login(user)
    _many(world, 3)
    services.registration_create(actor=actor_for(world.business_member), event=Event.objects.first())
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("events:index")).status_code == 200
    _many(world, 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("events:index"))
    assert len(response.context["page"].object_list) == 20


def test_month_view_query_count_does_not_grow_with_the_number_of_events(client, world, django_assert_max_num_queries):
    today = timezone.localdate()
    _many(world, 3)
    path = reverse("events:month", kwargs={"year": today.year, "month": today.month})
    with django_assert_max_num_queries(10) as few:
        client.get(path)
    _many(world, 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(path)


def test_places_left_and_waitlist_are_shown(client, world, mails):
    event = make_event(world.org_b, capacity=1)
    services.registration_create(actor=actor_for(world.staff_a), event=event)
    services.registration_create(actor=actor_for(world.admin_a), event=event)
    login(client, world.business_member)
    response = client.get(url("detail", event))
    assert (response.context["page"].places_left, response.context["page"].waitlist_size) == (0, 1)
    assert "Join the waiting list" in response.content.decode() or "väntelista" in response.content.decode()


# --- Retention overview and the organiser's profile ----------------------------------------------------
def test_retention_overview_lists_ended_events_still_holding_personal_data(client, world, mails):
    ended = make_event(world.org_a, title_sv="Avslutad", start_in=-dt.timedelta(days=10))
    purged = make_event(world.org_a, title_sv="Rensad", start_in=-dt.timedelta(days=100))
    services.event_purge_personal_data(event=purged)
    make_event(world.org_a, title_sv="Kommande")
    login(client, world.coordinator)
    response = client.get(reverse("events:retention"))
    assert [e.title_sv for e in response.context["events"]] == ["Avslutad"]
    assert ended.purge_due_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d") in response.content.decode()
    login(client, world.staff_a)
    assert client.get(reverse("events:retention")).status_code == 403


def test_the_organisers_profile_lists_its_upcoming_events_the_visitor_may_see(
    client, world, django_assert_max_num_queries
):
    make_event(world.org_a, title_sv="Öppet studiebesök")
    make_event(world.org_a, title_sv="Nätverksmöte", audience=Audience.NETWORK)
    make_event(world.org_a, title_sv="Förra året", start_in=-dt.timedelta(days=300))
    make_event(world.org_b, title_sv="Annan arrangör")
    page = client.get(reverse("directory:detail", kwargs={"code": world.org_a.code})).content.decode()
    assert "Öppet studiebesök" in page
    assert "Nätverksmöte" not in page and "Förra året" not in page and "Annan arrangör" not in page
    login(client, world.staff_b)
    page = client.get(reverse("directory:detail", kwargs={"code": world.org_a.code})).content.decode()
    assert "Nätverksmöte" in page


def test_organiser_events_panel_uses_one_query(world, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from directory.panels import profile_panels

    make_event(world.org_a)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    panel = next(p for p in profile_panels() if p.name == "events")
    registry()  # the förbund registry is cached: every request but the first after a change finds it
    with django_assert_num_queries(1):
        html = render_to_string(panel.template, panel.context(request, world.org_a))
    assert "Nätverksträff i Luleå" in html


def test_seed_events_creates_a_season_once(world, mails):
    """The demo season: past and upcoming, a full event with a waiting list, guests, each event in its förbund's
    calendar; a second run adds nothing."""
    # The demo förbund, organisations and users the season refers to (seed_demo creates them first).
    south, jamtland = ForbundFactory(), ForbundFactory(second=True)
    for orgnr in {spec.organiser for spec in SEASON} | {o for spec in SEASON for o in spec.invited}:
        if not Organisation.objects.filter(orgnr=normalise_orgnr(orgnr)).exists():
            OrganisationFactory(orgnr=normalise_orgnr(orgnr))
    for email in (demo.COORDINATOR, demo.OFFICER, demo.ASF, demo.BUSINESS):
        user = (CoordinatorFactory if email == demo.COORDINATOR else UserFactory)(email=email)
        MembershipFactory(user=user, organisation=OrganisationFactory())
    out = io.StringIO()
    seed_events(out)
    count = Event.objects.count()
    assert count == len(SEASON)
    in_jamtland = [spec.title_sv for spec in SEASON if spec.forbund == "jamtland"]
    assert len(in_jamtland) == 3
    assert sorted(Event.objects.filter(forbund=jamtland).values_list("title_sv", flat=True)) == sorted(in_jamtland)
    assert Event.objects.filter(forbund=south).count() == count - len(in_jamtland)
    now = timezone.now()
    assert Event.objects.filter(end__lt=now).exists() and Event.objects.filter(start__gt=now).exists()
    assert Registration.objects.filter(status=RegistrationStatus.WAITLISTED).exists()
    assert Registration.objects.exclude(guest_email="").exists()
    visit = Event.objects.get(requires_approval=True)
    assert visit.questions.count() == 2
    assert visit.registrations.filter(status=RegistrationStatus.AWAITING_APPROVAL).count() == 2
    [closing] = ClosingReport.objects.all()
    assert closing.is_final and closing.figures["attendees"] > 0
    seed_events(out)
    assert Event.objects.count() == count


# --- The personnummer guard on every field a person types (issue 9) --------------------------------------
EVENT_TEXT_FIELDS = ["title_sv", "description_sv", "place_name", "street_address", "venue_accessibility"]


@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize("writing", list(WRITINGS))
@pytest.mark.parametrize("field", EVENT_TEXT_FIELDS)
def test_a_personnummer_in_any_event_text_is_refused_in_swedish_and_nothing_saved(client, world, field, writing):
    login(client, world.staff_a)
    data = {
        "organiser": str(world.org_a.code),
        "kind": EventKind.STUDY_VISIT,
        "title_sv": "Studiebesök",
        "start": "2031-01-15T09:00",
        "end": "2031-01-15T11:00",
        "place_name": "Returen",
        "audience": Audience.PUBLIC,
        "retention_days": 30,
        field: f"Kontakt {WRITINGS[writing]} här",
    }
    response = client.post(reverse("events:create"), data, **SV)
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in _field_errors(response, field)
    assert SWEDISH_MESSAGE in response.content.decode()
    assert not Event.objects.exists()


@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize("writing", ["en dash glued to ref-", "dot", "no-break spaces around a hyphen"])
def test_a_personnummer_in_the_street_address_of_an_edited_event_changes_nothing(client, world, mails, writing):
    event = make_event(world.org_a, street_address="Storgatan 12")
    login(client, world.staff_a)
    response = client.post(url("edit", event), _form_data(event, street_address=WRITINGS[writing]), **SV)
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in _field_errors(response, "street_address")
    event.refresh_from_db()
    assert (event.street_address, event.sequence) == ("Storgatan 12", 0)
