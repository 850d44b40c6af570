"""An existing installation becomes one förbund with all its data, without manual steps (directory 0018,
matchmaking 0009, reports 0007, events 0010, directory 0019, kernel 0008); a new, empty database gets none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("asfnet", "0007_erasure_journal"),
    ("directory", "0016_facet_generation"),
    ("matchmaking", "0008_opportunity_type_labels_in_one_language"),
    ("reports", "0006_run_kind_finsam"),
    ("events", "0009_series_rules_and_ics_import"),
]
AREA = {"2560", "2580", "2581", "2582"}


def _back_to_before():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    # Migrating back re-added the member marks' column without its values: as the database was, they are set.
    old.get_model("directory", "Municipality").objects.filter(code__in=AREA).update(in_forbund=True)
    return old


def _forward():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_an_existing_installation_becomes_one_forbund_holding_all_its_data():
    old = _back_to_before()
    User = old.get_model("asfnet", "User")
    coordinator = User.objects.create(email="samordnare@example.se", is_coordinator=True, password="!")
    officer = User.objects.create(email="handlaggare@example.se", password="!")
    org = old.get_model("directory", "Organisation").objects.create(
        name="Returen", kind="asf", orgnr="7696001010", kommunkod_id="2580"
    )
    project = old.get_model("matchmaking", "FundedProject").objects.create(diarienummer="23-051-S06", name="Projekt")
    agreement = old.get_model("matchmaking", "Agreement").objects.create(
        kind="iop", title="IOP", starts_on=dt.date(2025, 1, 1)
    )
    ReportRun = old.get_model("reports", "ReportRun")
    project_run = ReportRun.objects.create(kind="esf", project=project)
    package_run = ReportRun.objects.create(kind="exit_package")
    event = old.get_model("events", "Event").objects.create(
        organiser_id=org.pk, title_sv="Träff", start="2026-01-01T10:00Z", end="2026-01-01T11:00Z"
    )
    invitation = old.get_model("directory", "Invitation").objects.create(
        email="ny@example.se",
        organisation=org,
        role="coordinator",
        token_hash="x" * 64,
        expires_at="2030-01-01T00:00Z",
    )

    _forward()

    forbund = apps.get_model("directory", "Forbund").objects.get()
    assert forbund.name == "Samordningsförbundet Södra Norrbotten"
    assert set(forbund.municipalities.values_list("code", flat=True)) == AREA
    assert list(forbund.coordinators.values_list("pk", flat=True)) == [coordinator.pk]
    assert officer.pk not in set(forbund.coordinators.values_list("pk", flat=True))
    assert apps.get_model("matchmaking", "FundedProject").objects.get(pk=project.pk).forbund_id == forbund.pk
    assert apps.get_model("matchmaking", "Agreement").objects.get(pk=agreement.pk).forbund_id == forbund.pk
    runs = apps.get_model("reports", "ReportRun").objects
    assert runs.get(pk=project_run.pk).forbund_id == forbund.pk
    assert runs.get(pk=package_run.pk).forbund_id == forbund.pk
    assert apps.get_model("events", "Event").objects.get(pk=event.pk).forbund_id == forbund.pk
    assert apps.get_model("directory", "Invitation").objects.get(pk=invitation.pk).forbund_id == forbund.pk
    assert not hasattr(apps.get_model("asfnet", "User").objects.get(pk=coordinator.pk), "is_coordinator")


@pytest.mark.django_db(transaction=True)
def test_a_new_empty_database_gets_no_forbund():
    old = _back_to_before()
    assert not old.get_model("asfnet", "User").objects.exists()
    assert not old.get_model("directory", "Organisation").objects.exists()
    _forward()
    assert not apps.get_model("directory", "Forbund").objects.exists()
