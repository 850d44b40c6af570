"""The backup and restore drill (docs/security-checks.md I50) on a PostgreSQL cluster of the test's own:
`make backup`'s script dumps a seeded database and its media directory; restored into a scratch database, every
key table has the same rows and the same checksum; restored over the live database after erasures were made
since the backup, the erasures are applied again from the journal's file copy and the journal is whole.

The scripts are run as `make backup` / `make restore` run them, with manage.py in subprocesses under the
project's settings (DEBUG, no Redis: tasks in-process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from directory.models import Organisation
from events.models import Registration
from kernel.models import ErasureRecord, User
from matchmaking.models import Need, Participant
from tests.faults import OwnPostgres, free_port

ROOT = Path(__file__).resolve().parents[2]
KEY_TABLES = [model._meta.db_table for model in (User, Organisation, Participant, Need, Registration, ErasureRecord)]

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


@pytest.fixture
def postgres():
    if reason := OwnPostgres.available():
        pytest.skip(reason)
    server = OwnPostgres(free_port())
    server.init()
    server.start()
    yield server
    server.destroy()


def _env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"):
        keep.pop(name, None)
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "asfnet.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "ASFNET_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ERASURE_JOURNAL_FILE": str(tmp_path / "erasure-journal.jsonl"),
        "BACKUP_ROOT": str(tmp_path / "backups"),
        "PYTHON": sys.executable,
        **extra,
    }


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _figures(server: OwnPostgres, database: str) -> dict[str, tuple[int, str]]:
    """Per key table: the number of rows and an md5 over all of them in key order."""
    figures = {}
    for table in KEY_TABLES:
        count, checksum = server.psql(
            f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '-') FROM {table} t",  # noqa: S608
            database,
        ).split("|")
        figures[table] = (int(count), checksum)
    return figures


_A_PERSON_WHO_WILL_ASK_FOR_ERASURE = """
from directory.models import Membership, Organisation
from kernel.models import User

user = User.objects.create_user(email="drill.person@example.se", password=None, full_name="Drill Person")
Membership.objects.create(user=user, organisation=Organisation.objects.order_by("pk").first())
"""

_ERASE_SINCE_THE_BACKUP = """
from django.db import transaction
from directory.services import account_erase
from kernel.erasure import DELETED, Erased, journal
from kernel.models import User
from matchmaking.models import Participant

user = User.objects.get(email="drill.person@example.se")
participant = Participant.objects.order_by("pk").first()
with transaction.atomic():
    journal("request", [account_erase(user=user, policy="request")])
with transaction.atomic():
    rows = participant.delete()[0]
    journal("participants", [Erased("matchmaking.participant", participant.audit_target_id, DELETED, rows)])
print(user.code, participant.project_id, participant.code)
"""


@pytest.mark.security("I50")
def test_a_backup_restores_with_equal_figures_and_an_older_one_gets_the_later_erasures_again(
    tmp_path, postgres, record_property, capsys
):
    postgres.psql("CREATE DATABASE asfnet")
    live = _env(tmp_path, postgres.url("asfnet"))
    _run([sys.executable, "manage.py", "migrate", "--noinput"], live)
    _run([sys.executable, "manage.py", "seed_demo"], live)
    _run([sys.executable, "manage.py", "shell", "-c", _A_PERSON_WHO_WILL_ASK_FOR_ERASURE], live)
    (tmp_path / "media" / "logos").mkdir(parents=True)
    (tmp_path / "media" / "logos" / "a.png").write_bytes(b"\x89PNG a logo")
    at_backup = _figures(postgres, "asfnet")
    assert all(at_backup[model._meta.db_table][0] for model in (User, Organisation, Participant, Need, Registration))

    folder = Path(_run(["bash", "scripts/backup.sh"], live).strip().splitlines()[-1])
    assert sorted(path.name for path in folder.iterdir()) == ["SHA256SUMS", "database.dump", "media.tar.gz"]

    # Erasures after the backup: an account on request, a participant by the retention purge.
    user_code, project_id, participant_code = (
        _run([sys.executable, "manage.py", "shell", "-c", _ERASE_SINCE_THE_BACKUP], live).splitlines()[-1].split()
    )
    after_erasures = _figures(postgres, "asfnet")

    # 1. The drill: restore into a scratch database; every key table is as it was at the backup.
    postgres.psql("CREATE DATABASE asfnet_drill")
    drill = _env(
        tmp_path,
        postgres.url("asfnet_drill"),
        MEDIA_ROOT=str(tmp_path / "drill-media"),
        ERASURE_JOURNAL_FILE=str(tmp_path / "no-journal-here.jsonl"),
    )
    _run(["bash", "scripts/restore.sh"], {**drill, "BACKUP": str(folder)})
    restored = _figures(postgres, "asfnet_drill")
    assert restored == at_backup
    assert (tmp_path / "drill-media" / "logos" / "a.png").read_bytes() == b"\x89PNG a logo"

    # 2. The older backup over the live database: the erasures made since are applied again.
    _run(["bash", "scripts/restore.sh"], {**live, "BACKUP": str(folder)})
    reapplied = _figures(postgres, "asfnet")
    # Names and values come from the models and from our own subprocess, never from outside.
    user_rows = f"SELECT count(*) FROM {User._meta.db_table} WHERE code = '{user_code}'"  # noqa: S608
    participant_rows = (
        f"SELECT count(*) FROM {Participant._meta.db_table} "  # noqa: S608
        f"WHERE project_id = {int(project_id)} AND code = '{participant_code}'"
    )
    assert postgres.psql(user_rows, "asfnet") == postgres.psql(participant_rows, "asfnet") == "0"
    journal_table = ErasureRecord._meta.db_table
    assert reapplied[journal_table] == after_erasures[journal_table], "the journal is whole again, no duplicate"
    for table in (User._meta.db_table, Participant._meta.db_table):
        assert reapplied[table][0] == after_erasures[table][0] == at_backup[table][0] - 1

    # Again: nothing more to erase, nothing to put back.
    again = _run([sys.executable, "manage.py", "reapply_erasures", "--language", "en"], live)
    assert "0 erased again (0 rows); 0 journal rows put back" in again
    assert _figures(postgres, "asfnet") == reapplied

    lines = [f"{'table':<32} {'rows':>6} {'checksum at backup':<34} {'restored (drill)':<34} {'after reapply':>6}"]
    for table in KEY_TABLES:
        (rows, checksum), drilled = at_backup[table], restored[table][1]
        lines.append(f"{table:<32} {rows:>6} {checksum:<34} {drilled:<34} {reapplied[table][0]:>6}")
    report = "\n".join(["backup/restore drill:", *lines])
    record_property("drill", report)
    with capsys.disabled():
        print("\n" + report)
