"""The audit log page for coordinators and the data protection officer (asfnet/audit/)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from directory.factories import CoordinatorFactory, ForbundFactory
from directory.models import ServiceCategory
from kernel.audit import apply_changes, audit_log, save_audited
from kernel.factories import UserFactory
from kernel.models import AuditLog
from kernel.request_context import reset_forbund_id, set_forbund_id
from matchmaking.models import FundedProject
from tests.conftest import give_totp
from tests.matchmaking.pipeline import make_participant

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def project(world):
    return FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S06", name="Samverkan för ASF", owner=world.forbund
    )


def _listed(response) -> list[tuple[str, str]]:
    return [(entry.action, entry.target_id) for entry in response.context["page"].object_list]


def test_who_has_read_a_participant_is_one_filter_away(client, world, project):
    participant = make_participant(world, project, code="P-READ1")
    other = make_participant(world, project, code="P-READ2")
    client.force_login(world.officer_x)
    client.get(reverse("matchmaking:participant_detail", kwargs={"code": participant.code}))
    client.get(reverse("matchmaking:participant_detail", kwargs={"code": other.code}))
    client.force_login(world.coordinator)

    response = client.get(reverse("audit:log"), {"participant": "23-051-S06:P-READ1", "action": "participant.read"})

    assert response.status_code == 200
    entries = list(response.context["page"].object_list)
    assert [(e.action, e.actor, e.target_id) for e in entries] == [
        ("participant.read", world.officer_x, participant.audit_target_id)
    ]
    assert "officer.x@example.se" in response.content.decode()


def test_filters_by_person_action_and_period(client, world):
    audit_log(actor=world.staff_a, action="organisation.update", target=world.org_a)
    audit_log(actor=world.staff_a, action="organisation.confirm", target=world.org_a)
    audit_log(actor=world.admin_a, action="organisation.update", target=world.org_a)
    client.force_login(world.coordinator)
    url = reverse("audit:log")

    by_person = client.get(url, {"person": "STAFF.A@example.se"})
    assert {a for a, _ in _listed(by_person)} == {"organisation.update", "organisation.confirm"}
    by_action = client.get(url, {"person": "staff.a@example.se", "action": "organisation.conf"})
    assert _listed(by_action) == [("organisation.confirm", str(world.org_a.code))]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert _listed(client.get(url, {"person": "staff.a@example.se", "since": tomorrow})) == []
    today = timezone.localdate().isoformat()
    assert len(_listed(client.get(url, {"person": "staff.a@example.se", "since": today, "until": today}))) == 2


def test_an_unknown_participant_or_a_bad_date_gives_an_empty_list_not_an_error(client, world):
    audit_log(actor=world.staff_a, action="organisation.update", target=world.org_a)
    client.force_login(world.coordinator)
    unknown = client.get(reverse("audit:log"), {"participant": "23-051-S06:P-NOBODY"})
    assert unknown.status_code == 200 and _listed(unknown) == []
    malformed = client.get(reverse("audit:log"), {"participant": "no colon"})
    assert malformed.status_code == 200 and _listed(malformed) == []
    bad_date = client.get(reverse("audit:log"), {"since": "31/31/2026"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad_date.status_code == 200 and _listed(bad_date) == []
    assert "Enter a valid date." in bad_date.content.decode()


def test_the_page_runs_the_same_number_of_queries_for_5_and_40_entries(client, world):
    client.force_login(world.coordinator)
    url = reverse("audit:log")
    for _ in range(5):
        audit_log(actor=world.staff_a, action="organisation.update", target=world.org_a)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(35):
        audit_log(actor=world.admin_a, action="organisation.update", target=world.org_a)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few) <= 10


def test_the_export_needs_a_reauthentication_then_is_a_csv_of_the_filtered_entries_and_is_audited(client, world):
    world.coordinator.set_password(PASSWORD)
    world.coordinator.save()
    audit_log(actor=world.staff_a, action="organisation.confirm", target=world.org_a)
    audit_log(actor=world.admin_a, action="organisation.update", target=world.org_a)
    client.force_login(world.coordinator)
    url = reverse("audit:export") + "?person=staff.a@example.se"

    first = client.get(url)
    assert first.status_code == 302 and first["Location"].startswith(reverse("account_reauthenticate"))
    assert not AuditLog.objects.filter(action="audit.export").exists()
    client.post(reverse("account_reauthenticate") + f"?next={url}", {"password": PASSWORD})
    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(r["actor"], r["action"], r["target_id"]) for r in rows] == [
        ("staff.a@example.se", "organisation.confirm", str(world.org_a.code))
    ]
    export = AuditLog.objects.get(action="audit.export")
    assert export.actor == world.coordinator and export.data == {"filters": {"person": "staff.a@example.se"}}


# --- Several förbund: each förbund's coordinators read their own portal's entries ----------------------------
@pytest.fixture
def two_portals(world, project, request):
    """Södra Norrbotten (a.testserver, the world's) and Jämtland (b.testserver, with a coordinator of its own);
    participant P-SOUTH of Södra Norrbotten's project, raised before Jämtland existed."""
    participant = make_participant(world, project, code="P-SOUTH")
    south, jamtland = request.getfixturevalue("portals")  # after the participant: raised with one förbund
    jamtland_coordinator = CoordinatorFactory(forbund=jamtland, email="coordinator@jamtland.example.se")
    give_totp(jamtland_coordinator)
    return south, jamtland, jamtland_coordinator, participant


def test_each_forbunds_coordinator_reads_only_the_entries_of_their_own_portal(client, world, two_portals):
    south, jamtland, jamtland_coordinator, participant = two_portals
    detail = reverse("matchmaking:participant_detail", kwargs={"code": participant.code})
    client.force_login(world.officer_x)
    assert client.get(detail, headers={"host": "a.testserver"}).status_code == 200
    assert client.get(detail, headers={"host": "b.testserver"}).status_code == 404
    with_jamtland = set_forbund_id(jamtland.pk)
    audit_log(actor=world.staff_b, action="organisation.update", target=world.org_b)
    reset_forbund_id(with_jamtland)
    audit_log(actor=world.staff_a, action="organisation.update", target=world.org_a)  # the national host's

    client.force_login(world.coordinator)
    on_south = client.get(reverse("audit:log"), headers={"host": "a.testserver"})
    client.force_login(jamtland_coordinator)
    on_jamtland = client.get(reverse("audit:log"), headers={"host": "b.testserver"})
    client.force_login(jamtland_coordinator)
    in_jamtlands_admin = client.get(reverse("admin:asfnet_auditlog_changelist"), headers={"host": "b.testserver"})
    operator = UserFactory(email="operator@example.se", is_staff=True, is_superuser=True)
    give_totp(operator)
    client.force_login(operator)
    national = client.get(reverse("admin:asfnet_auditlog_changelist"), headers={"host": "testserver"})

    assert _listed(on_south) == [("participant.read", participant.audit_target_id)]
    assert _listed(on_jamtland) == [("organisation.update", str(world.org_b.code))]
    assert in_jamtlands_admin.status_code == 403  # the admin site's audit list is the platform operator's
    assert sorted((e.action, e.target_id) for e in national.context["cl"].result_list) == sorted(
        [
            ("participant.read", participant.audit_target_id),
            ("organisation.update", str(world.org_b.code)),
            ("organisation.update", str(world.org_a.code)),
            ("participant.create", participant.audit_target_id),
        ]
    )
    assert AuditLog.objects.get(action="participant.read").forbund_id == south.pk


def test_a_coordinator_of_one_forbund_finds_nothing_of_another_by_filtering_or_exporting(client, world, two_portals):
    _south, _jamtland, jamtland_coordinator, participant = two_portals
    client.force_login(world.officer_x)
    client.get(
        reverse("matchmaking:participant_detail", kwargs={"code": participant.code}), headers={"host": "a.testserver"}
    )
    jamtland_coordinator.set_password(PASSWORD)
    jamtland_coordinator.save()
    client.force_login(jamtland_coordinator)
    by_participant = {"participant": f"23-051-S06:{participant.code}", "person": "officer.x@example.se"}

    filtered = client.get(reverse("audit:log"), by_participant, headers={"host": "b.testserver"})
    url = reverse("audit:export") + "?person=officer.x@example.se"
    client.post(
        reverse("account_reauthenticate") + f"?next={url}", {"password": PASSWORD}, headers={"host": "b.testserver"}
    )
    exported = client.get(url, headers={"host": "b.testserver"})

    assert filtered.status_code == 200 and _listed(filtered) == []
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert rows == []
    export = AuditLog.objects.get(action="audit.export")
    assert export.actor == jamtland_coordinator and export.forbund_id == _jamtland.pk


def test_outside_a_request_an_entry_belongs_to_its_targets_forbund(world, project):
    from reports.models import ReportKind, ReportRun

    run = ReportRun.objects.create(
        project=project, kind=ReportKind.ESF, period_from=dt.date(2026, 1, 1), period_to=dt.date(2026, 3, 31)
    )

    entry = audit_log(actor=None, action="report.request", target=run)

    assert entry.forbund_id == project.forbund_id is not None


def test_the_log_without_filters_lists_the_latest_entries_and_exports_them_all(client, world):
    """An unfiltered page is a bound, valid filter: every entry, newest first (it used to list none)."""
    audit_log(actor=world.staff_a, action="organisation.update", target=world.org_a)
    audit_log(actor=world.admin_a, action="organisation.confirm", target=world.org_b)
    client.force_login(world.coordinator)

    response = client.get(reverse("audit:log"))

    assert _listed(response) == [
        ("organisation.confirm", str(world.org_b.code)),
        ("organisation.update", str(world.org_a.code)),
    ]


def test_apply_changes_sets_the_fields_and_names_those_that_changed_in_order():
    """What an update's audit entry lists: the fields whose value differs, sorted; against another copy of the
    row (the one read under lock) when given."""
    from kernel.models import User

    user = User(email="a@example.org", full_name="Ada", preferred_language="sv")
    assert apply_changes(user, {"preferred_language": "en", "full_name": "Ada", "email": "b@example.org"}) == [
        "email",
        "preferred_language",
    ]
    assert (user.email, user.full_name, user.preferred_language) == ("b@example.org", "Ada", "en")
    stored = User(email="b@example.org", full_name="Augusta", preferred_language="en")
    assert apply_changes(user, {"full_name": "Ada"}, before=stored) == ["full_name"]
    assert apply_changes(user, {}) == []


def test_save_audited_validates_saves_and_logs_against_the_row_or_the_given_target(world):

    category = save_audited(
        ServiceCategory(slug="cykelverkstad", name_sv="Cykelverkstad", name_en="Bicycle repair"),
        actor=world.coordinator,
        action="category.create",
    )
    assert ServiceCategory.objects.filter(slug="cykelverkstad").exists()
    entry = AuditLog.objects.get(action="category.create")
    assert (entry.actor, entry.target_type, entry.target_id) == (
        world.coordinator,
        "directory.servicecategory",
        str(category.pk),
    )
    save_audited(category, actor=world.coordinator, action="category.touch", target=world.org_a, data={"n": 1})
    entry = AuditLog.objects.get(action="category.touch")
    assert (entry.target_type, entry.data) == ("directory.organisation", {"n": 1})


def test_save_audited_saves_and_logs_nothing_when_the_row_is_invalid(world):

    with pytest.raises(ValidationError):
        save_audited(ServiceCategory(slug="", name_sv=""), actor=world.coordinator, action="category.create")
    assert not ServiceCategory.objects.filter(slug="").exists()
    assert not AuditLog.objects.filter(action="category.create").exists()
