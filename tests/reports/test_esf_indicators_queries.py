"""How the ESF+ report reaches the database (the figures themselves: test_esf_indicators.py): a fixed number of
statements whatever the number of participants, no subquery run once per participant, and PostgreSQL's JIT
compiler off for the report's statements only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from directory.factories import ForbundFactory
from matchmaking.models import FundedProject, LabourMarketEvent, Participant
from reports import indicators
from tests.factories import OrganisationFactory

D = dt.date


def _show_jit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return cursor.fetchone()[0]


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no JIT compiler")


def _project_with_participants(count: int) -> FundedProject:
    project = FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="23-051-S07", name="Prov")
    raiser = OrganisationFactory(kind="municipality", name="Luleå kommun", orgnr="2120002742")
    for i in range(count):
        participant = Participant.objects.create(
            code=f"Q{i}",
            project=project,
            raised_by_organisation=raiser,
            gender=("woman", "man", "non_binary")[i % 3],
            birth_date=D(1990, 1, 1),
            entry_date=D(2024, 3, 1),
            exit_date=D(2024, 9, 1),
            status_at_entry="unemployed",
            unemployed_months=13,
            municipality_id="2580",
        )
        LabourMarketEvent.objects.create(participant=participant, date=D(2024, 9, 10), event="employed")
    return project


def _jit_during_the_report(monkeypatch, project) -> list[str]:
    """`SHOW jit` read inside the report's transaction (from its last statement's place)."""
    seen: list[str] = []
    real = indicators.entity_indicators

    def entity_indicators(*args, **kwargs):
        seen.append(_show_jit())
        return real(*args, **kwargs)

    monkeypatch.setattr(indicators, "entity_indicators", entity_indicators)
    indicators.esf_report(project, D(2024, 1, 1), D(2025, 12, 31))
    return seen


def test_jit_is_off_inside_the_report_and_back_on_after_it(db, monkeypatch):
    _needs_postgresql()
    project = _project_with_participants(1)
    with connection.cursor() as cursor:
        cursor.execute("SET jit = on")
    assert _jit_during_the_report(monkeypatch, project) == ["off"]
    assert _show_jit() == "on"  # inside a surrounding transaction the setting is put back


@pytest.mark.django_db(transaction=True)
def test_jit_is_off_inside_the_report_run_on_its_own(monkeypatch):
    _needs_postgresql()
    project = _project_with_participants(1)
    with connection.cursor() as cursor:
        cursor.execute("SET jit = on")
    assert not connection.in_atomic_block
    assert _jit_during_the_report(monkeypatch, project) == ["off"]
    assert _show_jit() == "on"  # SET LOCAL ended with the report's transaction


def _report_statements(project) -> list[tuple[str, object]]:
    statements: list[tuple[str, object]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        report = indicators.esf_report(project, D(2024, 1, 1), D(2025, 12, 31))
    assert report.indicators["EECO03"]["total"] == report.indicators["EECR04"]["total"] > 0
    return [(sql, params) for sql, params in statements if sql.startswith("SELECT")]


@pytest.mark.parametrize("participants", [2, 12])
def test_two_statements_whatever_the_number_of_participants(db, participants):
    """One for the participant indicators, one for the entities."""
    selects = _report_statements(_project_with_participants(participants))
    assert len(selects) == 2


def test_no_subquery_runs_once_per_participant(db):
    _needs_postgresql()
    selects = _report_statements(_project_with_participants(3))
    with connection.cursor() as cursor:
        for sql, params in selects:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "SubPlan" not in plan, plan


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_the_report_has_its_work_mem_and_puts_back_the_callers_settings(db, monkeypatch):
    """The leavers' events are grouped in one hash table in memory; inside an outer transaction the values the
    caller had (not the server's defaults) are back after the report."""
    _needs_postgresql()
    project = _project_with_participants(1)
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '8MB'")
        cursor.execute("SET jit = off")
    seen: list[tuple[str, str]] = []
    real = indicators.entity_indicators

    def entity_indicators(*args, **kwargs):
        seen.append((_show("work_mem"), _show("jit")))
        return real(*args, **kwargs)

    monkeypatch.setattr(indicators, "entity_indicators", entity_indicators)
    indicators.esf_report(project, D(2024, 1, 1), D(2025, 12, 31))
    assert seen == [("32MB", "off")]
    assert (_show("work_mem"), _show("jit")) == ("8MB", "off")
