"""The revision of the ESF+ definitions on an existing database (migrations directory 0010–0011, matchmaking
0007, reports 0004–0005): nothing is lost. `improved` events recorded without a criterion stay (and do not
count until completed), a förbund recorded as a region becomes a local government association, and the
runs already computed say they were computed under the first reading. Its own module: it migrates a real
database back and forth (transaction=True)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reports.indicators import esf_report

BEFORE = [
    ("directory", "0009_organisation_kommunkod_fk"),
    ("matchmaking", "0006_municipality_fk"),
    ("reports", "0003_backfill_notified_at"),
]


@pytest.mark.django_db(transaction=True)
def test_the_revision_keeps_every_event_and_run_and_reclassifies_the_forbund():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Org = old.get_model("directory", "Organisation")
    forbund = Org.objects.create(name="Samordningsförbundet", kind="region", orgnr="2220002204", kommunkod_id="2580")
    region = Org.objects.create(name="Region Norrbotten", kind="region", orgnr="2321000230", kommunkod_id="2580")
    lulea = Org.objects.create(name="Luleå kommun", kind="municipality", orgnr="2120002742", kommunkod_id="2580")
    project = old.get_model("matchmaking", "FundedProject").objects.create(diarienummer="23-051-S06", name="P")
    person = old.get_model("matchmaking", "Participant").objects.create(
        code="A2",
        project_id=project.pk,
        raised_by_organisation_id=lulea.pk,
        gender="man",
        birth_date=dt.date(1980, 3, 1),
        entry_date=dt.date(2024, 2, 1),
        exit_date=dt.date(2024, 9, 30),
        status_at_entry="employed",
        municipality_id="2580",
    )
    Event = old.get_model("matchmaking", "LabourMarketEvent")
    improved = Event.objects.create(participant_id=person.pk, date=dt.date(2025, 1, 20), event="improved")
    employed = Event.objects.create(participant_id=person.pk, date=dt.date(2025, 3, 20), event="employed")
    Run = old.get_model("reports", "ReportRun")
    stored = {"project": "23-051-S06", "indicators": {"EECR06": {"total": 1}}, "warnings": ["en varning"]}
    computed = Run.objects.create(
        kind="esf",
        project_id=project.pk,
        period_from="2025-01-01",
        period_to="2025-03-31",
        status="succeeded",
        result=stored,
    )
    queued = Run.objects.create(kind="esf", project_id=project.pk, period_from="2025-04-01", period_to="2025-06-30")
    measures = Run.objects.create(
        kind="project", project_id=project.pk, period_from="2025-01-01", period_to="2025-03-31", status="succeeded"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    Event = apps.get_model("matchmaking", "LabourMarketEvent")
    assert list(Event.objects.order_by("pk").values_list("pk", "event", "criterion")) == [
        (improved.pk, "improved", ""),
        (employed.pk, "employed", ""),
    ]
    assert Event.objects.get(pk=improved.pk).criterion_missing
    Org = apps.get_model("directory", "Organisation")
    kinds = dict(Org.objects.values_list("pk", "kind"))
    assert kinds == {forbund.pk: "local_government_association", region.pk: "region", lulea.pk: "municipality"}
    Run = apps.get_model("reports", "ReportRun")
    runs = {run.pk: (run.rules_version, run.result) for run in Run.objects.all()}
    assert runs == {computed.pk: ("2026-11-25", stored), queued.pk: ("", None), measures.pk: ("", None)}
    # Until it is completed, the improvement does not count (S = 2025-03-30; employed at S − 10 days).
    FundedProject = apps.get_model("matchmaking", "FundedProject")
    report = esf_report(FundedProject.objects.get(), dt.date(2025, 3, 30), dt.date(2025, 3, 30))
    assert report.indicators["EECR06"]["total"] == 0 and report.notes["criterion_missing"] == 1
    Event.objects.filter(pk=improved.pk).update(criterion="promotion")
    report = esf_report(FundedProject.objects.get(), dt.date(2025, 3, 30), dt.date(2025, 3, 30))
    assert report.indicators["EECR06"]["total"] == 1
