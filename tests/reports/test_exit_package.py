"""The exit package: an E-ARK SIP whose METS lists every file with a SHA-256 that an independent check
recomputes from the ZIP, a manifest with rows, checksums and schema, and a restore into an empty
installation that gives back every table row for row."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import re
import shutil
import subprocess
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from directory.access import actor_for
from directory.models import (
    Invitation,
    InvitationRole,
    Municipality,
    Organisation,
    OrganisationChange,
    OrganisationRedirect,
    OutdatedReport,
    SavedSearch,
    ServiceCategory,
)
from events.factories import EventQuestionFactory
from events.models import (
    Certificate,
    ClosingReport,
    Event,
    EventMessage,
    MessageGroup,
    RegistrationAnswer,
    SeriesQuestion,
)
from kernel.audit import audit_log
from kernel.models import AuditLog, ErasureRecord, User
from matchmaking.models import AgreementDocument, MatchStatus, PartnerAnswer, PartnerResponse
from notifications.kinds import Delivery
from notifications.models import Notification, NotificationPreference
from reports import services
from reports.exit_package import build_package, tables
from reports.models import ReportFile, ReportKind
from tests.factories import (
    AgreementFactory,
    CertificationFactory,
    EventFactory,
    EventSeriesFactory,
    FundedProjectFactory,
    LabourMarketEventFactory,
    MatchFactory,
    NeedFactory,
    ParticipantFactory,
    PartnerRequestFactory,
    RegistrationFactory,
    ReportFileFactory,
    ReportRunFactory,
    SupportRecordFactory,
    UserFactory,
)

METS = "{http://www.loc.gov/METS/}"
XLINK = "{http://www.w3.org/1999/xlink}"
TRICKY_TEXT = "=SUM(A1)\n'citat', \"och\" \\N – åäö"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _populate(world) -> None:
    """One of everything a successor needs: participants, needs, placements, outcomes, registrations,
    attendance, certifications, agreements, report runs (one re-running another), notifications, audit."""
    Organisation.objects.filter(pk=world.org_a.pk).update(
        description_sv=TRICKY_TEXT, description_en="\\backslash first", legal_name="'apostrophe"
    )
    project = FundedProjectFactory(owner=world.forbund)
    participant = ParticipantFactory(project=project)
    need = NeedFactory(participant=participant)
    event = EventFactory(organiser=world.org_a)
    MatchFactory(need=need, status=MatchStatus.STARTED)
    LabourMarketEventFactory(participant=participant)
    PartnerRequestFactory()
    AgreementFactory(parties=[world.org_a, world.org_b])
    RegistrationFactory(event=event, user=world.staff_a)
    CertificationFactory(organisation=world.org_b)
    SupportRecordFactory(project=project, organisation=world.org_a)
    first = ReportRunFactory(project=project, succeeded=True)
    ReportFileFactory(run=first)
    ReportRunFactory(project=project, rerun_of=first)
    Notification.objects.create(
        recipient=world.staff_a,
        kind="partner_request",
        params={"title": "-minus", "n": 3},
        url="/x",
        delivery=Delivery.DAILY,
    )
    audit_log(actor=world.coordinator, action="test.populate", data={"list": [1, "-x"], "none": None})
    # … and a row in every other table, so that the round trip proves each of them.
    service = ServiceCategory.objects.order_by("pk").first()
    world.org_a.services.add(service)
    world.org_a.municipalities_served.add(Municipality.objects.get(code="2580"))
    need.services.add(service)
    series = EventSeriesFactory(organiser=world.org_a)
    Event.objects.filter(pk=event.pk).update(series=series)
    event.invited_organisations.add(world.org_b)
    series_question = SeriesQuestion.objects.create(series=series, label_sv="Kost?", position=1)
    question = EventQuestionFactory(event=event, series_question=series_question)
    registration = RegistrationFactory(event=event, present=True)
    RegistrationAnswer.objects.create(registration=registration, question=question, value="+46 inte ett nummer")
    Certificate.objects.create(registration=registration, hours=decimal.Decimal("2.5"))
    EventMessage.objects.create(
        event=event, group=MessageGroup.values[0], subject="Välkommen", body="Hej!", sender=world.staff_a
    )
    ClosingReport.objects.create(event=event, minutes="Bra dag", figures={"present": 1}, created_by=world.staff_a)
    request = PartnerRequestFactory(organisation=world.business)
    PartnerResponse.objects.create(request=request, organisation=world.org_a, answer=PartnerAnswer.INTERESTED)
    agreement = AgreementFactory(parties=[world.org_b])
    document = AgreementDocument(agreement=agreement, name="Avtal", size=3, uploaded_by=world.coordinator)
    document.file.save("agreements/avtal.pdf", ContentFile(b"%PDF"), save=True)
    Invitation.objects.create(
        email="ny@example.se",
        organisation=world.org_a,
        role=InvitationRole.values[0],
        token_hash="a" * 64,
        invited_by=world.admin_a,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    SavedSearch.objects.create(user=world.staff_a, name="Städ i Luleå", query_string="q=st%C3%A4d")
    OrganisationChange.objects.create(organisation=world.org_a, changed_by=world.admin_a, field="name", new_value="X")
    OrganisationRedirect.objects.create(old_code=uuid.uuid4(), organisation=world.org_a)
    OutdatedReport.objects.create(organisation=world.org_b, what_is_wrong="Fel telefonnummer")
    ErasureRecord.objects.create(policy="request", target_type="participant", target_id="P-1", action="deleted")
    NotificationPreference.objects.create(user=world.staff_a, kind="partner_request", delivery=Delivery.IMMEDIATE)


def _raw_fingerprints() -> dict[str, tuple[int, str]]:
    """Per packaged table: rows and a SHA-256 of its rows read with plain SQL, ordered by primary key —
    independent of the package's own encoding. The password column is left out (never carried), and so are
    the audit entries the export and the restore write about themselves."""
    result = {}
    with connection.cursor() as cursor:
        for model in tables.packaged_models():
            meta = model._meta
            cols = [
                f.column for f in meta.concrete_fields if not (meta.label == "asfnet.User" and f.name == "password")
            ]
            where = " WHERE action NOT LIKE 'exit_package.%%'" if meta.db_table == "asfnet_auditlog" else ""
            column_list = ", ".join(f'"{c}"' for c in cols)
            cursor.execute(f'SELECT {column_list} FROM "{meta.db_table}"{where} ORDER BY "{meta.pk.column}"')  # noqa: S608 — names from _meta
            rows = cursor.fetchall()
            result[meta.db_table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return result


def _check_mets(archive: zipfile.ZipFile, folder: str) -> set[str]:
    """Parse `folder`METS.xml and check every file it lists against the ZIP; returns the listed paths."""
    root = ET.fromstring(archive.read(folder + "METS.xml"))  # noqa: S314 — the package this test just built
    assert root.tag == METS + "mets" and root.get("OBJID")
    assert root.find(f"{METS}structMap") is not None
    listed = set()
    files = root.findall(f".//{METS}fileSec//{METS}file")
    assert files
    for element in files:
        href = element.find(f"{METS}FLocat").get(XLINK + "href")
        content = archive.read(folder + href)
        assert element.get("CHECKSUMTYPE") == "SHA-256"
        assert element.get("CHECKSUM") == hashlib.sha256(content).hexdigest(), href
        assert int(element.get("SIZE")) == len(content), href
        assert element.get("MIMETYPE"), href
        listed.add(href)
    pointers = {fptr.get("FILEID") for fptr in root.iter(f"{METS}fptr")}
    assert pointers == {element.get("ID") for element in files}
    return listed


def test_package_is_an_e_ark_sip_whose_mets_lists_every_file_with_its_checksum(world):
    _populate(world)
    content, summary = build_package(package_id="asfnet-exit-test", language="en")
    archive = zipfile.ZipFile(io.BytesIO(content))
    root = "asfnet-exit-test/"
    names = set(archive.namelist())
    assert {n.split("/", 1)[0] for n in names} == {"asfnet-exit-test"}

    listed = _check_mets(archive, root)
    assert {root + path for path in listed} == names - {root + "METS.xml"}  # every file, nothing missing
    rep1 = _check_mets(archive, root + "representations/rep1/")
    assert rep1 == {n.removeprefix(root + "representations/rep1/") for n in names if "/rep1/data/" in n}
    _check_mets(archive, root + "representations/rep2/")

    manifest = json.loads(archive.read(root + "metadata/descriptive/manifest.json"))
    assert manifest["package_id"] == "asfnet-exit-test" and manifest["created"]
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert manifest["asfnet_version"] == commit
    for item in manifest["files"]:
        assert hashlib.sha256(archive.read(root + item["path"])).hexdigest() == item["sha256"]
    for table, info in manifest["tables"].items():
        lines = archive.read(root + info["file"]).decode("utf-8")
        assert len(list(csv.reader(io.StringIO(lines, newline="")))) - 1 == info["rows"], table
    for table in (
        "matchmaking_participant",
        "matchmaking_need",
        "matchmaking_match",
        "matchmaking_labourmarketevent",
        "events_registration",
        "directory_certification",
        "matchmaking_agreement_parties",
        "notifications_notification",
        "asfnet_auditlog",
    ):
        assert manifest["tables"][table]["rows"] > 0, table
    assert "django_session" in manifest["excluded_tables"] and "mfa_authenticator" in manifest["excluded_tables"]
    assert "asfnet_outboxemail" in manifest["excluded_tables"]
    assert summary["files"]["representations/rep1/data/matchmaking_participant.csv"] == 1

    schema = {t["table"]: t for t in json.loads(archive.read(root + "metadata/preservation/schema.json"))["tables"]}
    assert schema.keys() == manifest["tables"].keys()
    match = schema["matchmaking_match"]
    assert match["primary_key"] == ["id"]
    assert {"column": "need_id", "references": {"table": "matchmaking_need", "column": "id"}} in match["foreign_keys"]
    assert {"name": "status", "field": "status", "type": "CharField", "db_type": "varchar(16)", "nullable": False} in (
        match["columns"]
    )


def test_every_model_of_the_apps_is_carried_unless_left_out_with_a_reason():
    carried = {model._meta.db_table for model in tables.packaged_models()}
    left_out = tables.excluded_tables()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            assert (model._meta.db_table in carried) != (model._meta.db_table in left_out), model._meta.label
    order = [model._meta.label for model in tables.packaged_models()]
    assert order.index("matchmaking.Participant") < order.index("matchmaking.Need") < order.index("matchmaking.Match")
    assert order.index("asfnet.User") < order.index("directory.Membership")


def test_only_a_coordinator_who_reauthenticated_may_ask_for_the_package(world):
    coordinator = actor_for(world.coordinator)
    request = {"kind": ReportKind.EXIT_PACKAGE, "project": None, "period_from": None, "period_to": None}
    with pytest.raises(PermissionDenied):
        services.report_run_request(actor=coordinator, **request)
    with pytest.raises(PermissionDenied):
        services.report_run_request(actor=actor_for(world.officer_x), reauthenticated=True, **request)
    with pytest.raises(PermissionDenied):
        services.report_run_request(actor=None, scheduled=True, reauthenticated=True, **request)
    run = services.report_run_request(actor=coordinator, reauthenticated=True, **request)
    assert run.kind == ReportKind.EXIT_PACKAGE


def test_import_refuses_an_installation_that_holds_data_and_a_package_whose_checksum_fails(world, tmp_path):
    path = tmp_path / "package.zip"
    call_command("export_exit_package", out=str(path), stdout=io.StringIO())
    users = User.objects.count()
    with translation.override("sv"), pytest.raises(CommandError, match="innehåller redan data"):
        call_command("import_exit_package", str(path), stdout=io.StringIO())

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/directory_organisation.csv"):
                data = data.replace(b"Returen", b"Retur3n")
            target.writestr(info, data)
    tampered_file = "representations/rep1/data/directory_organisation.csv"
    with (
        translation.override("sv"),
        pytest.raises(CommandError, match=re.escape(f"Kontrollsumman för {tampered_file}")),
    ):
        call_command("import_exit_package", str(tampered), stdout=io.StringIO())
    assert User.objects.count() == users


def _without_organisations(path: Path, out: Path) -> None:
    """A package whose manifest is consistent but whose organisations are missing: their memberships,
    events … refer to nothing."""
    with zipfile.ZipFile(path) as source:
        root = source.namelist()[0].split("/", 1)[0] + "/"
        manifest = json.loads(source.read(root + "metadata/descriptive/manifest.json"))
        name = "representations/rep1/data/directory_organisation.csv"
        header_only = source.read(root + name).split(b"\r\n", 1)[0] + b"\r\n"
        for item in manifest["files"]:
            if item["path"] == name:
                item.update(size=len(header_only), sha256=hashlib.sha256(header_only).hexdigest())
        with zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == root + name:
                    data = header_only
                elif info.filename.endswith("metadata/descriptive/manifest.json"):
                    data = json.dumps(manifest).encode()
                target.writestr(info, data)


@pytest.mark.django_db(transaction=True)
def test_round_trip_through_an_empty_installation_loses_nothing(transactional_db, world, tmp_path, settings):
    from directory.reference_data import ensure

    _populate(world)
    before = _raw_fingerprints()
    path = tmp_path / "package.zip"
    exported = io.StringIO()
    call_command("export_exit_package", out=str(path), stdout=exported)
    assert "tables" in exported.getvalue()

    stored = {f.file.name: f.file.read() for f in ReportFile.objects.all()}
    assert stored
    call_command("flush", interactive=False, verbosity=0)  # an empty installation …
    shutil.rmtree(settings.MEDIA_ROOT)  # … without the uploaded files …
    ensure()  # … with the reference data its migrations seed
    assert not User.objects.exists() and Municipality.objects.exists()

    broken = tmp_path / "broken.zip"
    _without_organisations(path, broken)
    with translation.override("sv"), pytest.raises(CommandError, match="kunde inte återställas"):
        call_command("import_exit_package", str(broken), stdout=io.StringIO())
    assert not User.objects.exists() and not AuditLog.objects.exists()  # nothing half-loaded
    assert not any(default_storage.exists(name) for name in stored)
    assert Municipality.objects.exists()

    out = io.StringIO()
    call_command("import_exit_package", str(path), stdout=out)
    after = _raw_fingerprints()
    assert after == before
    assert sum(rows for rows, _digest in before.values()) > 100
    assert [table for table, (rows, _digest) in before.items() if rows == 0] == []  # every table is tried
    printed = out.getvalue()
    assert "every checksum equal" in printed and "DIFFERENT" not in printed
    print(printed)  # the figures, for whoever reads the test log (pytest -s)

    restored = User.objects.get(email="coordinator@example.se")
    assert not restored.has_usable_password()  # a new password is set in the new installation
    assert AuditLog.objects.filter(action="exit_package.restore").count() == 1
    UserFactory()  # sequences continue past the restored keys
    assert Organisation.objects.get(pk=world.org_a.pk).description_sv == TRICKY_TEXT
    for name, content in stored.items():
        with default_storage.open(name, "rb") as handle:
            assert handle.read() == content
