from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from directory.factories import ForbundFactory
from matchmaking.models import FundedProject
from reports.indicators import esf_report
from reports.models import SupportRecord
from reports.support import import_support
from tests.factories import OrganisationFactory


@pytest.fixture
def project(db):
    OrganisationFactory(kind="municipality", name="Luleå kommun", orgnr="2120002742")
    OrganisationFactory(kind="region", name="Förbundet", orgnr="2220002204")
    return FundedProject.objects.create(forbund=ForbundFactory(), diarienummer="23-051-S06", name="Projekt")


def test_orgnr_in_any_written_form_is_one_organisation(project):
    text = (
        "orgnr,date,kind,direct\n"
        "212000-2742,2024-03-01,advice,true\n"
        "2120002742,2024-04-01,training,true\n"
        "16212000-2742,2024-05-01,advice,true\n"
    )
    result = import_support(actor=None, project=project, source=text)
    assert (result.created, result.errors) == (3, [])
    import datetime as dt

    assert esf_report(project, dt.date(2024, 1, 1), dt.date(2024, 12, 31)).indicators["EECO18"] == {"total": 1}


def test_one_bad_row_saves_nothing_and_every_error_is_reported(project):
    text = (
        "orgnr;date;kind;direct\n"
        "222000-2204;2024-03-01;advice;ja\n"
        "222000-2205;2024-03-01;advice;true\n"
        "556036-0793;2024-02-30;gift;maybe\n"
    )
    with translation.override("en"):
        result = import_support(actor=None, project=project, source=text)
        messages = [str(e) for e in result.errors]
    assert SupportRecord.objects.count() == 0
    assert any(m.startswith("row 3, orgnr:") and "check digit" in m for m in messages)
    assert any(m.startswith("row 4, orgnr:") for m in messages)
    assert any(m.startswith("row 4, date:") for m in messages)
    assert any(m.startswith("row 4, kind:") for m in messages)
    assert any(m.startswith("row 4, direct:") for m in messages)


def test_missing_column_is_one_clear_error(project):
    result = import_support(actor=None, project=project, source="orgnr,date\n222000-2204,2024-01-01\n")
    assert len(result.errors) == 1 and "kind" in str(result.errors[0].message)


def test_command_exit_code_and_output(project, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("orgnr,date,kind,direct\n222000-2204,2024-03-01,advice,true\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_support", "--project", "23-051-S06", str(good), stdout=out)
    assert "Imported 1" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("orgnr,date,kind,direct\nnope,2024-03-01,advice,true\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_support", "--project", "23-051-S06", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    assert SupportRecord.objects.count() == 1
