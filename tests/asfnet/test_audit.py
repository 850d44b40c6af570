"""The audit log page for coordinators and the data protection officer (asfnet/audit/)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.factories import ForbundFactory
from kernel.audit import audit_log
from kernel.models import AuditLog
from matchmaking.models import FundedProject
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
