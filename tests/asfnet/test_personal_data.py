"""Right of access (GDPR art. 15): everything asfnet holds about a user or a participant, in one ZIP
(asfnet/personal_data.py), and `manage.py export_personal_data`."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from asfnet import personal_data
from directory.access import actor_for
from directory.factories import ForbundFactory
from directory.models import Invitation, SavedSearch, hash_token
from events.factories import RegistrationFactory
from kernel.audit import audit_log
from kernel.models import AuditLog, User
from matchmaking import services
from matchmaking.models import FundedProject, Participant
from notifications.models import Notification
from tests.matchmaking.pipeline import make_need, make_opportunity, make_participant

pytestmark = pytest.mark.django_db


def _open(content: bytes) -> tuple[dict, dict[str, list[dict]], bytes]:
    """The manifest, the JSON tables by model label, and every file's bytes joined (to search for secrets)."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = archive.namelist()
    manifest = json.loads(archive.read("manifest.json"))
    data = {
        name.removeprefix("data/").removesuffix(".json"): json.loads(archive.read(name))
        for name in names
        if name.startswith("data/") and name.endswith(".json")
    }
    return manifest, data, b"".join(archive.read(name) for name in names)


@pytest.fixture
def project(world):
    return FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="23-051-S06", name="Samverkan för ASF", owner=world.forbund
    )


# --- The walk finds every relation to a person --------------------------------------------------------


def _tables_referencing(table: str) -> set[str]:
    """Tables with a foreign-key constraint to `table`, read from PostgreSQL's catalogue: independent of the
    Django model metadata the export walks."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT source.relname
            FROM pg_constraint c
            JOIN pg_class source ON source.oid = c.conrelid
            JOIN pg_class target ON target.oid = c.confrelid
            WHERE c.contype = 'f' AND target.relname = %s
            """,
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.security("H43")
@pytest.mark.parametrize("person", [User, Participant], ids=["user", "participant"])
def test_every_table_that_refers_to_a_person_is_walked_or_excluded_with_a_reason(person):
    by_table = {model._meta.db_table: model._meta.label for model in apps.get_models(include_auto_created=True)}
    referencing = {by_table[table] for table in _tables_referencing(person._meta.db_table)}
    walked = {field.model._meta.label for field in personal_data.relations_to(person)}
    assert referencing, "the catalogue query found nothing: it would prove nothing"
    assert referencing - walked - set(personal_data.EXCLUDED) == set()


def test_the_declarations_name_real_relations_and_real_columns():
    near = {field.model for person in (User, Participant) for field in personal_data.relations_to(person)}
    related = {model._meta.label for model in near}
    related |= {field.model._meta.label for model in near for field in personal_data.relations_to(model)}
    related |= {"asfnet.OutboxEmail", "asfnet.SentEmail"}  # mail to an address: no relation, excluded by reason
    assert set(personal_data.EXCLUDED) <= related
    assert all(reason.strip() for reason in personal_data.EXCLUDED.values())
    for label, columns in personal_data.SECRET_FIELDS.items():
        names = {field.name for field in apps.get_model(label)._meta.concrete_fields}
        assert set(columns) <= names, label


SECRET_NAME = re.compile(r"password|secret|token|session_key|_hash$|^key$|^data$")
NOT_SECRET = {"asfnet.AuditLog.data"}  # identifiers and field names only, never values (kernel/models.py)


def test_every_column_that_looks_like_a_secret_in_a_walked_model_is_declared():
    walked = {field.model for person in (User, Participant) for field in personal_data.relations_to(person)}
    undeclared = sorted(
        f"{model._meta.label}.{field.name}"
        for model in walked | {User, Participant}
        if model._meta.label not in personal_data.EXCLUDED
        for field in model._meta.concrete_fields
        if SECRET_NAME.search(field.name)
        and field.name not in personal_data.SECRET_FIELDS.get(model._meta.label, {})
        and f"{model._meta.label}.{field.name}" not in NOT_SECRET
    )
    assert undeclared == []


# --- A user's export ----------------------------------------------------------------------------------


@pytest.mark.security("H43")
def test_a_users_export_holds_their_rows_without_secrets_or_other_people(world, project):
    officer = world.officer_x
    officer.full_name = "Olle Officer"
    officer.save()
    SavedSearch.objects.create(user=officer, name="Återbruk i Luleå", query_string="q=återbruk")
    Notification.objects.create(recipient=officer, kind="partner_request", params={}, url="/", delivery="off")
    RegistrationFactory(user=officer, guest_email="")
    Invitation.objects.create(
        email="OFFICER.X@example.se",
        organisation=world.muni_x,
        role="member",
        token_hash=hash_token("a-secret-invitation-token"),
        invited_by=world.coordinator,
        expires_at=timezone.now(),
    )
    participant = make_participant(world, project, code="P-XLULEA1")
    audit_log(actor=world.coordinator, action="user.update", target=officer)

    content = personal_data.export_zip(personal_data.user_subject("Officer.X@example.se"), requested_by=officer)
    manifest, data, everything = _open(content)

    assert manifest["subject"] == "officer.x@example.se"
    for label in (
        "asfnet.User",
        "directory.Membership",
        "directory.SavedSearch",
        "directory.Invitation",  # found by its e-mail address, in another case
        "notifications.Notification",
        "events.Registration",
        "matchmaking.Participant",  # raised by the officer
        "mfa.Authenticator",
        "asfnet.AuditLog",
    ):
        assert manifest["tables"].get(label), label
    assert data["asfnet.User"][0]["full_name"] == "Olle Officer"
    assert "password" not in data["asfnet.User"][0]
    assert [m["organisation"] for m in data["directory.Membership"]] == [str(world.muni_x.code)]
    assert data["matchmaking.Participant"][0]["code"] == participant.code
    # Who invited them and who changed their account: "another person", never a name or an address.
    assert data["directory.Invitation"][0]["invited_by"] == personal_data.ANOTHER_PERSON
    assert b"coordinator@example.se" not in everything
    # No secret in any file: the password hash, the TOTP seed, the invitation link's hash.
    assert officer.password.encode() not in everything
    assert b"a-secret-invitation-token" not in everything
    assert hash_token("a-secret-invitation-token").encode() not in everything
    from allauth.mfa.models import Authenticator

    seed = Authenticator.objects.get(user=officer).data["secret"]
    assert seed.encode() not in everything
    # The audit rows: one about them by someone else, one the export itself is not yet part of.
    actions = {row["action"] for row in data["asfnet.AuditLog"]}
    assert "user.update" in actions
    # The export is audited: who asked, about whom.
    entry = AuditLog.objects.get(action="personal_data.export")
    assert (entry.actor, entry.target_type, entry.target_id) == (officer, "asfnet.user", str(officer.code))


def test_a_users_export_leaves_out_other_peoples_rows(world):
    manifest, data, _ = _open(
        personal_data.export_zip(personal_data.user_subject(world.staff_a.email), requested_by=None)
    )
    assert [m["organisation"] for m in data["directory.Membership"]] == [str(world.org_a.code)]
    assert len(data["asfnet.User"]) == 1
    assert "mfa.Authenticator" not in manifest["tables"]  # staff_a has none; officer_x's is not theirs


def test_the_csv_copy_neutralises_formulas(world):
    SavedSearch.objects.create(user=world.staff_a, name="=HYPERLINK(1)", query_string="q=x")
    archive = zipfile.ZipFile(
        io.BytesIO(personal_data.export_zip(personal_data.user_subject(world.staff_a.email), requested_by=None))
    )
    assert "'=HYPERLINK(1)" in archive.read("data/directory.SavedSearch.csv").decode("utf-8-sig")


# --- A participant's export ------------------------------------------------------------------------------


@pytest.mark.security("H43")
def test_a_participants_export_holds_their_needs_placements_events_and_the_reads(world, project, client):
    participant = make_participant(world, project, code="P-XLULEA1")
    other = make_participant(world, project, code="P-XLULEA2")
    need = make_need(world.officer_x, participant)
    make_need(world.officer_x, other)
    opportunity = make_opportunity(world)
    services.match_propose(actor=actor_for(world.officer_x), need=need, opportunity=opportunity)
    client.force_login(world.officer_x)
    from django.urls import reverse

    assert client.get(reverse("matchmaking:participant_detail", kwargs={"code": participant.code})).status_code == 200

    manifest, data, everything = _open(
        personal_data.export_zip(personal_data.participant_subject("23-051-S06:P-XLULEA1"), requested_by=None)
    )

    assert [row["code"] for row in data["matchmaking.Participant"]] == ["P-XLULEA1"]
    assert [row["code"] for row in data["matchmaking.Need"]] == [str(need.code)]
    assert len(data["matchmaking.Match"]) == 1  # the proposal, found through the need it lives with
    assert "participant.read" in {row["action"] for row in data["asfnet.AuditLog"]}
    assert {row["actor"] for row in data["asfnet.AuditLog"]} == {personal_data.ANOTHER_PERSON}
    assert b"P-XLULEA2" not in everything
    assert b"officer.x@example.se" not in everything
    assert "directory.Organisation" not in manifest["tables"]  # the host is not the participant's data


# --- The command -------------------------------------------------------------------------------------------


@pytest.mark.security("H43")
def test_the_command_writes_the_zip_and_audits_it_as_the_system(world, project, tmp_path):
    make_participant(world, project, code="P-XLULEA1")
    out = tmp_path / "export.zip"
    call_command("export_personal_data", participant="23-051-S06:P-XLULEA1", out=out, stdout=io.StringIO())
    manifest, _data, _ = _open(out.read_bytes())
    assert manifest["subject"] == "23-051-S06:P-XLULEA1"
    entry = AuditLog.objects.get(action="personal_data.export")
    assert entry.actor is None and entry.target_type == "matchmaking.participant"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("user", "nobody@example.se", "No user has the e-mail address nobody@example.se."),
        ("participant", "P-XLULEA1", "Give the participant as PROJECT:CODE"),
        ("participant", "23-051-S06:P-NOBODY", "No participant P-NOBODY in project 23-051-S06."),
    ],
)
def test_the_command_refuses_an_unknown_person_in_plain_words(world, project, tmp_path, option, value, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("export_personal_data", out=tmp_path / "x.zip", language="en", **{option: value})
    assert not (tmp_path / "x.zip").exists()
    assert not AuditLog.objects.filter(action="personal_data.export").exists()


def test_a_participant_with_the_same_code_in_another_project_is_not_part_of_the_export(world, project):
    """Codes are unique within a project only: the audit log names the project too (Participant.audit_target_id),
    so a read of P-1 in one project is not listed for P-1 in another."""
    mine = make_participant(world, project, code="P-SAME")
    other_project = FundedProject.objects.create(
        forbund=ForbundFactory(), diarienummer="24-100-S01", name="Ett annat projekt", owner=world.forbund
    )
    theirs = make_participant(world, other_project, code="P-SAME")
    audit_log(actor=world.officer_x, action="participant.read", target=theirs)

    _, data, _ = _open(
        personal_data.export_zip(personal_data.participant_subject("23-051-S06:P-SAME"), requested_by=None)
    )

    assert [row["project"] for row in data["matchmaking.Participant"]] == [str(project.code)]
    assert {row["target_id"] for row in data["asfnet.AuditLog"]} == {mine.audit_target_id}
