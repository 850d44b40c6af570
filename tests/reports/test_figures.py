"""Key figures for coordinators (/figures/, reports/figures/): organisations by type and freshness, open needs
and opportunities, placements started this quarter, events and attendance, ESF+ participant totals by the
report's own rules; charts that read without colour with a table of the same numbers; a fixed number of
queries."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.factories import ForbundFactory
from directory.models import Organisation, OrganisationKind
from matchmaking.models import MatchStatus
from reports.figures.selectors import key_figures, quarter_of
from reports.indicators import output_indicators
from tests.factories import (
    EventFactory,
    FundedProjectFactory,
    MatchFactory,
    NeedFactory,
    OpportunityFactory,
    ParticipantFactory,
    RegistrationFactory,
)

URL = "/figures/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SV = {"HTTP_ACCEPT_LANGUAGE": "sv"}
TODAY = timezone.localdate()


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (dt.date(2026, 1, 1), (dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
        (dt.date(2026, 5, 17), (dt.date(2026, 4, 1), dt.date(2026, 6, 30))),
        (dt.date(2026, 9, 30), (dt.date(2026, 7, 1), dt.date(2026, 9, 30))),
        (dt.date(2026, 12, 31), (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
    ],
)
def test_the_quarter_of_a_day(day, quarter):
    assert quarter_of(day) == quarter


def test_organisations_are_counted_by_type_and_freshness(world):
    now = timezone.now()
    Organisation.objects.update(confirmed_at=now)
    Organisation.objects.filter(pk=world.org_a.pk).update(confirmed_at=now - relativedelta(months=7))
    Organisation.objects.filter(pk=world.hidden_org.pk).update(confirmed_at=now - relativedelta(months=13))
    rows = {row.kind: row for row in key_figures(forbund_id=ForbundFactory().pk).organisations}
    assert (rows["asf"].fresh, rows["asf"].needs_update, rows["asf"].hidden, rows["asf"].total) == (1, 1, 1, 3)
    assert (rows["municipality"].fresh, rows["municipality"].total) == (2, 2)
    assert "education_public" not in rows  # no organisation of that type
    assert key_figures(forbund_id=ForbundFactory().pk).organisations_total == Organisation.objects.count()


def test_the_pipeline_events_and_esf_figures(world):
    project = FundedProjectFactory(starts_on=TODAY - dt.timedelta(days=700), ends_on=TODAY + dt.timedelta(days=300))
    people = [
        ParticipantFactory(project=project, raised_by_organisation=world.muni_x, gender=gender, entry_date=entry)
        for gender, entry in [
            ("woman", TODAY - dt.timedelta(days=30)),
            ("man", TODAY - dt.timedelta(days=400)),
            ("non_binary", TODAY - dt.timedelta(days=10)),
        ]
    ]
    NeedFactory(participant=people[0])
    NeedFactory(participant=people[1], closed=True)
    start, _end = quarter_of(TODAY)
    opportunity = OpportunityFactory(organisation=world.org_a, places_total=3)
    MatchFactory(need=NeedFactory(participant=people[2]), opportunity=opportunity, status=MatchStatus.STARTED)
    MatchFactory(
        need=NeedFactory(participant=people[1]),
        opportunity=OpportunityFactory(organisation=world.org_b, places_total=1),
        status=MatchStatus.STARTED,
        started_on=start - dt.timedelta(days=1),
    )
    held = EventFactory(organiser=world.org_a, start_in=dt.timedelta(hours=-3))
    RegistrationFactory(event=held, user=world.staff_b, present=True)
    RegistrationFactory(event=held, user=world.officer_x, present=True)
    RegistrationFactory(event=held)
    EventFactory(organiser=world.org_a, registrations=3)  # not yet held

    figures = key_figures(forbund_id=ForbundFactory().pk)
    assert figures.open_needs == 1  # the closed one and the placed ones left out
    assert (figures.open_opportunities, figures.open_places) == (1, 2)  # B's only place is taken
    assert figures.placements_started == 1
    assert (figures.events_held, figures.registered, figures.present) == (1, 3, 2)
    assert dict(figures.attendance_by_kind) == {
        str(OrganisationKind.ASF.label): 1,
        str(OrganisationKind.MUNICIPALITY.label): 1,
    }
    [esf] = figures.esf
    expected, _notes = output_indicators(project, esf.start, esf.end)
    assert esf.cells["EECO01"] == expected["EECO01"]
    assert esf.cells["EECO01"] == {"women": 1, "men": 1, "non_binary": 1, "total": 3}


def test_the_page_shows_numbers_as_text_charts_and_tables(client, world):
    EventFactory(organiser=world.org_a, start_in=dt.timedelta(hours=-3), registrations=0)
    RegistrationFactory(
        event=EventFactory(organiser=world.org_b, start_in=dt.timedelta(hours=-5)), user=world.staff_a, present=True
    )
    client.force_login(world.coordinator)
    page = client.get(URL, **EN).content.decode()
    assert "Key figures" in page and "Organisations by type and freshness" in page
    assert 'role="img"' in page and "<desc" in page  # the chart's accessible name and description
    assert page.count("<table") >= 2 and "(the chart's numbers)" in page
    sv = client.get(URL, **SV).content.decode()
    assert "Nyckeltal" in sv and "Organisationer efter typ och aktualitet" in sv


def test_only_coordinators_see_the_figures(client, world):
    assert client.get(URL).status_code == 302
    for user in (world.staff_a, world.officer_x, world.business_member):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def _add(world, n: int) -> None:
    project = FundedProjectFactory()
    for i in range(n):
        Organisation.objects.create(name=f"Ny {n}-{i}", kind="asf", orgnr=f"55{n:02d}{i:02d}0000"[:10])
        person = ParticipantFactory(project=project, raised_by_organisation=world.muni_x, entry_date=TODAY)
        MatchFactory(
            need=NeedFactory(participant=person),
            opportunity=OpportunityFactory(organisation=world.org_a),
            status=MatchStatus.STARTED,
        )
        event = EventFactory(organiser=world.org_a, start_in=dt.timedelta(hours=-3))
        RegistrationFactory(event=event, present=True)


def _queries(client) -> int:
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_with_1_or_20_of_everything(client, world, django_assert_max_num_queries):
    client.force_login(world.coordinator)
    _add(world, 1)
    with_one = _queries(client)
    _add(world, 20)
    assert _queries(client) == with_one
    with django_assert_max_num_queries(25):
        client.get(URL)
