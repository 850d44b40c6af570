"""Participants and their needs (matchmaking/participants/): officer X never sees P_Y, audit and caching of
participant pages, query budgets, raising and editing a participant, outcomes and needs, and mass
assignment.
The URL × role table for every page is in tests/test_access_table.py; shared helpers in
tests/matchmaking/pipeline.py, shared fixtures in tests/matchmaking/conftest.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from directory.access import actor_for
from directory.models import ServiceCategory
from kernel.models import AuditLog
from matchmaking import services
from matchmaking.models import (
    LabourMarketEvent,
    MatchStatus,
    Need,
    NeedStatus,
    Opportunity,
    Participant,
    Weekday,
)
from tests.matchmaking.pipeline import (
    EN,
    TODAY,
    _count,
    make_need,
    make_opportunity,
    make_participant,
)
from tests.personnummer import SWEDISH_MESSAGE, WRITINGS

# The e-mail task is counted, never run, on every page here (the `mails` fixture, tests/matchmaking/conftest.py).
pytestmark = pytest.mark.usefixtures("mails")


# --- Officer X never sees P_Y --------------------------------------------------------------------------------
@pytest.mark.security("C12")
@pytest.mark.adversarial("C")
def test_officer_x_gets_404_on_every_page_of_p_y(client, world, p_y):
    need_y = make_need(world.officer_y, p_y, municipality="2581")
    client.force_login(world.officer_x)
    urls = [
        reverse(name, kwargs={"code": p_y.code})
        for name in (
            "matchmaking:participant_detail",
            "matchmaking:participant_edit",
            "matchmaking:outcome_create",
            "matchmaking:need_create",
        )
    ]
    urls.append(reverse("matchmaking:need_detail", kwargs={"code": need_y.code}))
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in urls[1:4]:
        assert client.post(url, {"event": "employed", "date": "2025-06-01"}).status_code == 404, url
    assert not LabourMarketEvent.objects.exists()
    assert not AuditLog.objects.filter(action="participant.read", actor=world.officer_x).exists()


@pytest.mark.security("C12")
@pytest.mark.adversarial("C")
def test_an_id_sweep_over_participant_codes_finds_only_404s(client, world, p_x, p_y):
    client.force_login(world.officer_x)
    for code in ["P-YPITEA1", "P-YPITEA2", "p-ypitea1", "1", "../P-XLULEA1", "P-XLULEA1%00", "x" * 300]:
        response = client.get(f"/matchmaking/participants/{code}/")
        assert response.status_code == 404, code


@pytest.mark.security("C12")
@pytest.mark.adversarial("C")
def test_asf_staff_and_business_members_have_no_participant_list_and_no_participant_pages(client, world, p_x):
    for user in (world.staff_a, world.business_member):
        client.force_login(user)
        response = client.get(reverse("matchmaking:index"))
        assert response.status_code == 200
        assert "page" not in response.context and "P-XLULEA1" not in response.content.decode()
        assert client.get(reverse("matchmaking:participant_create")).status_code == 403
        assert client.get(reverse("matchmaking:participant_detail", kwargs={"code": p_x.code})).status_code == 404


# --- Audit and caching ---------------------------------------------------------------------------------------
@pytest.mark.security("H38")
@pytest.mark.adversarial("H")
def test_reading_a_participant_writes_one_audit_row_without_values(client, world, p_x):
    client.force_login(world.officer_x)
    response = client.get(reverse("matchmaking:participant_detail", kwargs={"code": p_x.code}))
    assert response.status_code == 200
    rows = list(AuditLog.objects.filter(action="participant.read"))
    assert len(rows) == 1
    assert rows[0].actor == world.officer_x and rows[0].target_id == f"{p_x.project_id}:P-XLULEA1"
    assert rows[0].request_id == response["X-Request-ID"]
    assert "1990" not in str(rows[0].data) and "disability" not in str(rows[0].data)


@pytest.mark.security("G35")
@pytest.mark.adversarial("G")
def test_participant_pages_are_not_stored_by_caches(client, world, placement):
    client.force_login(world.officer_x)
    for url in (
        reverse("matchmaking:index"),
        reverse("matchmaking:participant_detail", kwargs={"code": "P-XLULEA1"}),
        reverse("matchmaking:need_detail", kwargs={"code": placement.need.code}),
        reverse("matchmaking:match_detail", kwargs={"code": placement.code}),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


# --- Query budgets -------------------------------------------------------------------------------------------
def test_need_page_and_reverse_matching_make_the_same_number_of_queries_for_2_and_20_rows(
    client, world, project, need_x, django_assert_max_num_queries
):
    client.force_login(world.officer_x)
    for i in range(2):
        make_opportunity(world, title=f"Plats {i}")
    opportunity = Opportunity.objects.first()
    need_url = reverse("matchmaking:need_detail", kwargs={"code": need_x.code})
    reverse_url = reverse("matchmaking:opportunity_needs", kwargs={"code": opportunity.code})
    client.get(need_url)
    small_need, small_reverse = _count(client, need_url), _count(client, reverse_url)
    for i in range(2, 20):
        make_opportunity(world, world.org_b, title=f"Plats {i}")
        make_need(world.officer_x, make_participant(world, project, code=f"P-R{i:03d}"))
    with django_assert_max_num_queries(small_need):
        assert len(client.get(need_url).context["suggestions"]) == 20
    with django_assert_max_num_queries(small_reverse):
        assert len(client.get(reverse_url).context["rows"]) == 19  # need_x and 18 more


def test_participant_page_makes_the_same_number_of_queries_for_2_and_20_rows(
    client, world, p_x, django_assert_max_num_queries
):
    client.force_login(world.officer_x)
    url = reverse("matchmaking:participant_detail", kwargs={"code": p_x.code})

    def grow(n: int) -> None:
        for i in range(n):
            need = make_need(world.officer_x, p_x)
            services.match_propose(
                actor=actor_for(world.officer_x), need=need, opportunity=make_opportunity(world, title=f"P {i}")
            )
            services.outcome_record(actor=actor_for(world.officer_x), participant=p_x, date=TODAY, event="job_seeking")

    grow(2)
    client.get(url)
    small = _count(client, url)
    grow(18)
    with django_assert_max_num_queries(small):
        client.get(url)


# --- Raising a participant, editing, outcomes, needs -----------------------------------------------------------
PARTICIPANT_POST = {
    "gender": "man",
    "birth_date": "1995-03-04",
    "entry_date": "2025-02-01",
    "status_at_entry": "unemployed",
    "unemployed_months": "8",
    "isced": "0-2",
    "municipality": "2580",
    "disability": "on",
    "consent_date": "2025-02-01",
    "consent_scope": "Matchning och uppföljning inom projektet",
}


def test_an_officer_raises_a_participant_with_a_generated_code(client, world, project):
    client.force_login(world.officer_x)
    response = client.post(reverse("matchmaking:participant_create"), {**PARTICIPANT_POST, "project": project.pk})
    participant = Participant.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matchmaking:need_create", kwargs={"code": participant.code})
    assert re.fullmatch(r"P-[A-Z2-9]{8}", participant.code)
    assert participant.raised_by_organisation == world.muni_x and participant.raised_by == world.officer_x
    assert participant.disability and not participant.minority
    assert AuditLog.objects.filter(action="participant.create", target_id=participant.audit_target_id).exists()


def test_an_officer_of_two_organisations_chooses_which_one_raises_the_participant(client, world, project):
    from directory.models import OrganisationKind
    from tests.factories import MembershipFactory, OrganisationFactory

    agency = OrganisationFactory(name="Arbetsförmedlingen Luleå", kind=OrganisationKind.AGENCY)
    MembershipFactory(organisation=agency, user=world.officer_x)
    client.force_login(world.officer_x)
    url = reverse("matchmaking:participant_create")
    form = client.get(url).context["form"]
    assert set(form.fields["organisation"].queryset) == {world.muni_x, agency}
    missing = client.post(url, {**PARTICIPANT_POST, "project": project.pk})
    assert "organisation" in missing.context["form"].errors
    client.post(url, {**PARTICIPANT_POST, "project": project.pk, "organisation": agency.code})
    assert Participant.objects.get().raised_by_organisation == agency


@pytest.mark.security("H40")
@pytest.mark.adversarial("H")
@pytest.mark.parametrize("field", ["consent_scope"], ids=["consent scope"])
@pytest.mark.parametrize("pnr", ["19900101-0017", "900101-0017", "199001010017", "900161-0014"])
def test_a_personnummer_in_a_participant_is_refused_with_a_clear_message(client, world, project, field, pnr):
    client.force_login(world.officer_x)
    post = {**PARTICIPANT_POST, "project": project.pk, field: f"Samtycke från {pnr}"}
    response = client.post(reverse("matchmaking:participant_create"), post, **EN)
    assert response.status_code == 200
    assert "looks like a Swedish personal identity number" in response.content.decode()
    assert not Participant.objects.exists()


@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize("writing", list(WRITINGS))
def test_any_writing_of_a_personnummer_in_the_consent_scope_is_refused_in_swedish(client, world, project, writing):
    client.force_login(world.officer_x)
    post = {**PARTICIPANT_POST, "project": project.pk, "consent_scope": f"Samtycke från {WRITINGS[writing]}"}
    response = client.post(reverse("matchmaking:participant_create"), post, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in " ".join(response.context["form"].errors["consent_scope"])
    assert not Participant.objects.exists()


@pytest.mark.security("H40")
@pytest.mark.adversarial("H")
def test_a_personnummer_in_a_need_is_refused_and_nothing_is_saved(client, world, p_x):
    client.force_login(world.officer_x)
    post = {"hours_per_week": "20", "municipality": "2580", "travel_km": "10", "language": "svenska"}
    post |= {"earliest_start": TODAY.isoformat(), "free_text": "Hennes pnr är 900101-0017"}
    response = client.post(reverse("matchmaking:need_create", kwargs={"code": p_x.code}), post, **EN)
    assert response.status_code == 200
    assert "looks like a Swedish personal identity number" in response.content.decode()
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status_at_entry": "inactive"}, "Months of unemployment apply only to people unemployed at entry."),
        ({"unemployed_months": ""}, "Give the number of months of unemployment."),
        ({"birth_date": "2025-06-01"}, "The date of birth must be before the entry date."),
        ({"municipality": "9999"}, "“9999” is not a Swedish municipality code."),
        ({"birth_date": "not a date"}, "Enter a valid date."),
        ({"unemployed_months": "-5"}, ""),
        ({"gender": "other"}, ""),
    ],
)
def test_bad_participant_data_gets_a_clear_message_and_nothing_is_saved(client, world, project, change, message):
    client.force_login(world.officer_x)
    response = client.post(
        reverse("matchmaking:participant_create"), {**PARTICIPANT_POST, "project": project.pk, **change}, **EN
    )
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    assert message in response.content.decode()
    assert not Participant.objects.exists()


def test_the_exit_date_is_set_on_the_edit_page_and_must_not_precede_entry(client, world, p_x):
    client.force_login(world.officer_x)
    url = reverse("matchmaking:participant_edit", kwargs={"code": p_x.code})
    data = {**PARTICIPANT_POST, "birth_date": "1990-05-01", "entry_date": "2025-01-15", "unemployed_months": "14"}
    early = client.post(url, {**data, "exit_date": "2024-12-31"}, **EN)
    assert "The exit date cannot be before the entry date." in early.content.decode()
    p_x.refresh_from_db()
    assert p_x.exit_date is None
    assert client.post(url, {**data, "exit_date": "2025-09-30"}).status_code == 302
    p_x.refresh_from_db()
    assert p_x.exit_date == dt.date(2025, 9, 30)
    assert AuditLog.objects.filter(action="participant.update", target_id=p_x.audit_target_id).exists()


def test_improved_is_refused_for_someone_not_employed_at_entry(client, world, p_x):
    client.force_login(world.officer_x)
    url = reverse("matchmaking:outcome_create", kwargs={"code": p_x.code})
    refused = client.post(url, {"event": "improved", "date": "2025-10-01"}, **EN)
    assert "applies only to participants who were employed at entry" in refused.content.decode()
    assert not LabourMarketEvent.objects.exists()
    assert client.post(url, {"event": "employed", "date": "2025-10-01"}).status_code == 302
    assert LabourMarketEvent.objects.get().event == "employed"


def test_a_labour_market_event_is_called_handelse_not_evenemang_in_swedish(client, world, p_x):
    """ "Event" is a calendar event (evenemang) elsewhere; on the outcome form and the participant's table it is
    a labour-market event (händelse)."""
    services.outcome_record(actor=actor_for(world.officer_x), participant=p_x, date=TODAY, event="job_seeking")
    client.force_login(world.officer_x)
    form = client.get(reverse("matchmaking:outcome_create", kwargs={"code": p_x.code}), HTTP_ACCEPT_LANGUAGE="sv")
    label = re.search(r'<label for="id_event"[^>]*>([^<]*)</label>', form.content.decode())
    assert label is not None and label.group(1).strip().rstrip(":") == "Händelse"
    page = client.get(reverse("matchmaking:participant_detail", kwargs={"code": p_x.code}), HTTP_ACCEPT_LANGUAGE="sv")
    headers = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', page.content.decode())
    assert "Händelse" in headers
    assert "Evenemang" not in form.content.decode().split("<main", 1)[1]
    assert "Evenemang" not in " ".join(headers)


def test_the_outcome_form_asks_what_improved_and_refuses_future_dates_in_the_users_language(client, world, project):
    employed = make_participant(world, project, code="P-EMPLOYED", status_at_entry="employed", unemployed_months=None)
    client.force_login(world.officer_x)
    url = reverse("matchmaking:outcome_create", kwargs={"code": employed.code})
    missing = client.post(url, {"event": "improved", "date": "2025-10-01"}, **EN).content.decode()
    assert "Say what improved" in missing
    future = (TODAY + dt.timedelta(days=2)).isoformat()
    later = client.post(url, {"event": "employed", "date": future}, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "En arbetsmarknadshändelse kan inte ha ett datum i framtiden" in later
    assert not LabourMarketEvent.objects.exists()
    done = client.post(url, {"event": "improved", "criterion": "stable_contract", "date": "2025-10-01"})
    assert done.status_code == 302
    assert LabourMarketEvent.objects.get().criterion == "stable_contract"


def test_an_improved_event_without_criterion_is_shown_as_missing_and_completed_by_the_officer(client, world, project):
    employed = make_participant(world, project, code="P-EMPLOYED", status_at_entry="employed", unemployed_months=None)
    legacy = LabourMarketEvent.objects.create(participant=employed, date=dt.date(2025, 3, 1), event="improved")
    client.force_login(world.officer_x)
    page = client.get(reverse("matchmaking:participant_detail", kwargs={"code": employed.code}), **EN)
    complete = (
        reverse("matchmaking:outcome_create", kwargs={"code": employed.code}) + "?event=improved&amp;date=2025-03-01"
    )
    html = page.content.decode()
    assert "Criterion missing" in html and "Not counted in the ESF+ report until it is added." in html
    assert complete in html
    dashboard = client.get(reverse("matchmaking:index"), **EN).content.decode()
    assert "Improved situations missing what improved" in dashboard and complete in dashboard

    form = client.get(complete.replace("&amp;", "&"), **EN).content.decode()
    assert 'value="2025-03-01"' in form and '<option value="improved" selected>' in form
    response = client.post(
        reverse("matchmaking:outcome_create", kwargs={"code": employed.code}),
        {"event": "improved", "criterion": "higher_skilled", "date": "2025-03-01"},
    )
    assert response.status_code == 302
    legacy.refresh_from_db()
    assert legacy.criterion == "higher_skilled" and LabourMarketEvent.objects.count() == 1
    assert (
        "Improved situations missing what improved"
        not in client.get(reverse("matchmaking:index"), **EN).content.decode()
    )


def test_an_officer_sees_only_their_own_participants_events_to_complete(client, world, project, p_y):
    LabourMarketEvent.objects.create(participant=p_y, date=dt.date(2025, 3, 1), event="improved")
    client.force_login(world.officer_x)
    assert (
        "Improved situations missing what improved"
        not in client.get(reverse("matchmaking:index"), **EN).content.decode()
    )
    assert p_y.code not in client.get(reverse("matchmaking:index"), **EN).content.decode()


def test_a_need_is_saved_from_the_form_and_its_page_ranks_suggestions_with_reasons_in_words(client, world, p_x):
    catering = ServiceCategory.objects.get(slug="catering")
    fits = make_opportunity(world, title="Köket", service=catering, occupation_code="5120")
    afternoons = make_opportunity(
        world, world.org_b, title="Eftermiddagscafé", times=[Weekday.AFTERNOONS], supervisor_available=False
    )
    client.force_login(world.officer_x)
    post = {
        "occupation_codes": ["5120"],
        "services": [catering.pk],
        "hours_per_week": "20",
        "times": ["mornings"],
        "municipality": "2580",
        "travel_km": "10",
        "adaptations": ["calm"],
        "supervisor_needed": "on",
        "language": "svenska",
        "earliest_start": TODAY.isoformat(),
        "free_text": "Tycker om att laga mat.",
    }
    response = client.post(reverse("matchmaking:need_create", kwargs={"code": p_x.code}), post)
    need = Need.objects.get()
    assert response["Location"] == reverse("matchmaking:need_detail", kwargs={"code": need.code})
    assert need.occupation_codes == ["5120"] and list(need.services.all()) == [catering]
    assert need.times == ["mornings"] and need.adaptations == ["calm"] and need.supervisor_needed

    page = client.get(response["Location"], **EN)
    html = page.content.decode()
    suggestions = page.context["suggestions"]
    assert [s.scored.opportunity for s in suggestions] == [fits, afternoons]
    assert f"Score {suggestions[0].scored.score}" in html
    for words in ("same municipality", "kind of work matches", "field matches", "offers mornings"):
        assert words in html
    assert "Does not fit:" in html
    assert "other times of day than wanted" in html and "no supervisor on site" in html
    assert html.count("Propose for") == 2


# --- Opportunities: create, edit, refresh ----------------------------------------------------------------------
@pytest.mark.security("C15")
@pytest.mark.adversarial("C")
def test_extra_fields_in_participant_need_and_pipeline_posts_are_ignored(client, world, project, p_y, placement):
    client.force_login(world.officer_x)
    client.post(
        reverse("matchmaking:participant_create"),
        {
            **PARTICIPANT_POST,
            "project": project.pk,
            "code": "MY-OWN-CODE",
            "raised_by_organisation": world.muni_y.pk,
            "raised_by": world.officer_y.pk,
        },
    )
    created = Participant.objects.exclude(code__in=["P-XLULEA1", "P-YPITEA1"]).get()
    assert created.code != "MY-OWN-CODE"
    assert created.raised_by_organisation == world.muni_x and created.raised_by == world.officer_x
    forged_org = client.post(
        reverse("matchmaking:participant_create"),
        {**PARTICIPANT_POST, "project": project.pk, "organisation": world.muni_y.code},
    )
    assert forged_org.status_code == 200 and "organisation" in forged_org.context["form"].errors
    assert not Participant.objects.filter(raised_by_organisation=world.muni_y).exclude(pk=p_y.pk).exists()

    need_post = {"hours_per_week": "20", "municipality": "2580", "travel_km": "10", "language": "svenska"}
    need_post |= {"earliest_start": TODAY.isoformat(), "status": "placed", "participant": p_y.pk}
    client.post(reverse("matchmaking:need_create", kwargs={"code": created.code}), need_post)
    need = Need.objects.get(participant=created)
    assert need.status == NeedStatus.OPEN
    assert not p_y.needs.exists()

    client.force_login(world.staff_a)
    client.post(
        reverse("matchmaking:match_decline", kwargs={"code": placement.code}),
        {"reason": "Fullt", "status": "accepted", "opportunity": "x"},
    )
    placement.refresh_from_db()
    assert placement.status == MatchStatus.DECLINED


# --- Admin -----------------------------------------------------------------------------------------------------
@pytest.mark.security("C16", "H38")
@pytest.mark.adversarial("H")
def test_the_admin_lists_participants_without_sensitive_columns_and_audits_opening_one(client, world, placement):
    client.force_login(world.coordinator)
    changelist = client.get(reverse("admin:matchmaking_participant_changelist"), {"disability__exact": "1"}, **EN)
    assert changelist.status_code == 400  # a filter the admin does not offer is refused, never applied
    listing = client.get(reverse("admin:matchmaking_participant_changelist"), **EN)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "P-XLULEA1" in html and "disability" not in html.lower() and "1990" not in html
    participant = placement.need.participant
    change = client.get(reverse("admin:matchmaking_participant_change", args=[participant.pk]))
    assert change.status_code == 200
    row = AuditLog.objects.get(action="participant.read", actor=world.coordinator)
    assert row.target_id == f"{participant.project_id}:P-XLULEA1" and row.data == {"purpose": "admin"}
    for name in ("fundedproject", "need", "opportunity", "match"):
        assert client.get(reverse(f"admin:matchmaking_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:matchmaking_match_change", args=[placement.pk])).status_code == 200
