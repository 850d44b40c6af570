"""Funded projects kept by coordinators (/matchmaking/projects/): list, create, edit; coordinators only;
audited; refused input changes nothing and is explained in the reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kernel.models import AuditLog
from matchmaking.models import FundedProject
from tests.factories import FundedProjectFactory, ParticipantFactory

LIST = "/matchmaking/projects/"


def _form(world, **values) -> dict:
    data = {
        "diarienummer": "24-100-S07",
        "name": "Vägar till arbete i Piteå",
        "owner": world.forbund.pk,
        "starts_on": "2025-01-01",
        "ends_on": "2027-12-31",
        "programme_area": "",
        "objective": "",
    }
    data.update(values)
    return data


@pytest.fixture
def coordinator(client, world):
    client.force_login(world.coordinator)
    return world.coordinator


def test_the_list_shows_every_project_in_a_fixed_number_of_queries(client, coordinator, django_assert_max_num_queries):
    assert reverse("matchmaking:project_list") == LIST
    project = FundedProjectFactory()
    ParticipantFactory(project=project)
    for n in range(5):
        FundedProjectFactory(diarienummer=f"25-00{n}-S01", name=f"Projekt {n}")
    with django_assert_max_num_queries(16):  # the page frame (session, user, MFA, unread count) and one list
        response = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "23-051-S06" in html and "25-004-S01" in html
    listed = {p.diarienummer: p.participant_count for p in response.context["projects"]}
    assert listed["23-051-S06"] == 1


@pytest.mark.parametrize("role", ["staff_a", "admin_a", "officer_x", "business_member"])
def test_other_people_are_refused(client, world, role):
    client.force_login(getattr(world, role))
    assert client.get(LIST).status_code == 403
    assert client.post(reverse("matchmaking:project_create"), _form(world)).status_code == 403
    assert not FundedProject.objects.filter(diarienummer="24-100-S07").exists()


def test_anonymous_visitors_go_to_login(client, db):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_coordinator_creates_a_project_audited(client, coordinator, world):
    response = client.post(reverse("matchmaking:project_create"), _form(world))
    assert response.status_code == 302
    project = FundedProject.objects.get(diarienummer="24-100-S07")
    assert project.owner == world.forbund
    assert (project.starts_on, project.ends_on) == (dt.date(2025, 1, 1), dt.date(2027, 12, 31))
    entry = AuditLog.objects.get(action="project.create")
    assert entry.actor == world.coordinator
    assert entry.target_id == str(project.code)


def test_a_coordinator_edits_a_project_and_the_changed_fields_are_audited(client, coordinator, world):
    project = FundedProjectFactory()
    data = _form(world, diarienummer=project.diarienummer, name="Nytt namn", ends_on="2026-12-31")
    response = client.post(reverse("matchmaking:project_edit", kwargs={"code": project.code}), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "Nytt namn"
    assert project.ends_on == dt.date(2026, 12, 31)
    assert "name" in AuditLog.objects.get(action="project.update").data["fields"]


def test_an_end_before_the_start_is_refused_in_swedish_and_nothing_is_saved(client, coordinator, world):
    project = FundedProjectFactory()
    data = _form(world, diarienummer=project.diarienummer, name="Ändrat", starts_on="2026-01-01", ends_on="2025-01-01")
    response = client.post(
        reverse("matchmaking:project_edit", kwargs={"code": project.code}), data, HTTP_ACCEPT_LANGUAGE="sv"
    )
    assert response.status_code == 200
    assert "Projektet måste sluta efter att det börjar." in response.content.decode()
    project.refresh_from_db()
    assert project.name != "Ändrat"
    assert not AuditLog.objects.filter(action="project.update").exists()


def test_a_duplicate_reference_number_is_refused(client, coordinator, world):
    FundedProjectFactory()
    response = client.post(
        reverse("matchmaking:project_create"), _form(world, diarienummer="23-051-S06"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert FundedProject.objects.count() == 1


def test_a_personnummer_in_the_name_is_refused(client, coordinator, world):
    response = client.post(
        reverse("matchmaking:project_create"), _form(world, name="Projekt 19811218-9876"), HTTP_ACCEPT_LANGUAGE="sv"
    )
    assert response.status_code == 200
    assert "personnummer" in response.content.decode()
    assert not FundedProject.objects.filter(diarienummer="24-100-S07").exists()


def test_an_asf_cannot_be_chosen_as_project_owner(client, coordinator, world):
    response = client.post(reverse("matchmaking:project_create"), _form(world, owner=world.org_a.pk))
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not FundedProject.objects.filter(diarienummer="24-100-S07").exists()


def test_an_unknown_project_is_404(client, coordinator):
    url = reverse("matchmaking:project_edit", kwargs={"code": "00000000-0000-0000-0000-000000000000"})
    assert client.get(url).status_code == 404
