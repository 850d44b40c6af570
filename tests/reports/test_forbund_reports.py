"""Reports belong to one förbund (the run's project's): a coordinator of Jämtland, re-authenticated and on
Jämtland's portal, can neither see, download, deliver nor request Södra Norrbotten's reports; Södra Norrbotten's
coordinator, on its own portal, can (the same requests, so each test can fail)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from directory.factories import CoordinatorFactory, ForbundFactory
from kernel.models import AuditLog
from matchmaking.models import FundedProject
from reports.models import ReportRun, RunStatus
from tests.conftest import give_totp
from tests.reports.test_views import _finished_run

pytestmark = pytest.mark.adversarial("C")

PASSWORD = "correct horse battery staple"
SOUTH, JAMTLAND = "a.testserver", "b.testserver"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def south_run(world, portals):
    """A finished ESF run of Södra Norrbotten's project 23-051-S06; Jämtland with a project of its own."""
    south, jamtland = portals
    project = FundedProject.objects.create(
        forbund=south, diarienummer="23-051-S06", name="Samverkan för ASF", owner=world.forbund
    )
    FundedProject.objects.create(
        forbund=jamtland, diarienummer="24-093-S11", name="ASF i Jämtland", owner=world.forbund
    )
    return _finished_run(project)


@pytest.fixture
def jamtland_coordinator(south_run):
    coordinator = CoordinatorFactory(forbund=ForbundFactory(second=True), email="coordinator@jamtland.example.se")
    coordinator.set_password(PASSWORD)
    coordinator.save()
    give_totp(coordinator)
    return coordinator


def _reauthenticated(client, user, host: str, next_url: str):
    client.force_login(user)
    response = client.post(
        reverse("account_reauthenticate") + f"?next={next_url}", {"password": PASSWORD}, headers={"host": host}
    )
    assert response.status_code == 302 and response["Location"] == next_url
    return client


@pytest.mark.security("C12", "C17")
@pytest.mark.parametrize(("who", "host", "status"), [("south", SOUTH, 200), ("jamtland", JAMTLAND, 404)])
def test_only_the_runs_own_coordinator_downloads_it_after_reauthenticating(
    client, world, south_run, jamtland_coordinator, who, host, status
):
    world.coordinator.set_password(PASSWORD)
    world.coordinator.save()
    user = world.coordinator if who == "south" else jamtland_coordinator
    url = reverse("reports:download", kwargs={"code": south_run.code, "fmt": "csv"})
    _reauthenticated(client, user, host, url)

    response = client.get(url, headers={"host": host})

    assert response.status_code == status
    assert AuditLog.objects.filter(action="report.download").count() == (1 if status == 200 else 0)


@pytest.mark.security("C12")
@pytest.mark.parametrize(("who", "host", "status"), [("south", SOUTH, 200), ("jamtland", JAMTLAND, 404)])
def test_only_the_runs_own_coordinator_sees_its_page(client, world, south_run, jamtland_coordinator, who, host, status):
    client.force_login(world.coordinator if who == "south" else jamtland_coordinator)

    response = client.get(reverse("reports:run_detail", kwargs={"code": south_run.code}), headers={"host": host})

    assert response.status_code == status


@pytest.mark.security("C12")
def test_another_forbunds_coordinator_cannot_mark_the_run_delivered(client, south_run, jamtland_coordinator):
    client.force_login(jamtland_coordinator)

    response = client.post(reverse("reports:run_deliver", kwargs={"code": south_run.code}), headers={"host": JAMTLAND})

    assert response.status_code == 404
    south_run.refresh_from_db()
    assert south_run.status == RunStatus.SUCCEEDED and south_run.delivered_at is None


@pytest.mark.security("C12")
def test_another_forbunds_coordinator_cannot_request_a_run_of_its_project(client, south_run, jamtland_coordinator):
    client.force_login(jamtland_coordinator)
    data = {"kind": "esf", "project": "23-051-S06", "period_from": "2025-04-01", "period_to": "2025-06-30"}

    response = client.post(reverse("reports:index"), data, headers={"host": JAMTLAND})
    own = client.post(reverse("reports:index"), {**data, "project": "24-093-S11"}, headers={"host": JAMTLAND})

    assert response.status_code == 200 and "project" in response.context["form"].errors
    assert own.status_code == 302
    assert list(ReportRun.objects.values_list("project__diarienummer", flat=True).order_by("pk")) == [
        "23-051-S06",
        "24-093-S11",
    ]


def test_the_run_list_shows_each_coordinator_only_their_forbunds_runs(client, world, south_run, jamtland_coordinator):
    client.force_login(jamtland_coordinator)
    on_jamtland = client.get(reverse("reports:index"), headers={"host": JAMTLAND}).content.decode()
    client.force_login(world.coordinator)
    on_south = client.get(reverse("reports:index"), headers={"host": SOUTH}).content.decode()

    run_page = reverse("reports:run_detail", kwargs={"code": south_run.code})
    assert run_page in on_south and "23-051-S06" in on_south
    assert run_page not in on_jamtland and "23-051-S06" not in on_jamtland
