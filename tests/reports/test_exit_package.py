"""The exit package: an E-ARK SIP whose METS lists every file with a SHA-256 that an independent check
recomputes from the ZIP, a manifest with rows, checksums and schema, and a restore into an empty
installation that gives back every table row for row."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import posixpath
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
from lxml import etree

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
SCHEMAS = Path(__file__).resolve().parents[2] / "reports" / "exit_package" / "schemas"
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
    """Parse `folder`METS.xml and check every file it lists (file section and metadata references) against the
    ZIP; returns the listed paths, relative to `folder`."""
    root = ET.fromstring(archive.read(folder + "METS.xml"))  # noqa: S314 — the package this test just built
    assert root.tag == METS + "mets" and root.get("OBJID")
    assert root.find(f"{METS}structMap") is not None
    listed = set()
    files = root.findall(f".//{METS}fileSec//{METS}file")
    assert files
    references = [(f, f.find(f"{METS}FLocat")) for f in files] + [(r, r) for r in root.iter(f"{METS}mdRef")]
    for element, location in references:
        href = location.get(XLINK + "href")
        content = archive.read(folder + href)
        assert element.get("CHECKSUMTYPE") == "SHA-256"
        assert element.get("CHECKSUM") == hashlib.sha256(content).hexdigest(), href
        assert int(element.get("SIZE")) == len(content), href
        assert element.get("MIMETYPE"), href
        listed.add(href)
    groups = {group.get("ID") for group in root.iter(f"{METS}fileGrp")}
    pointed = {fptr.get("FILEID") for fptr in root.iter(f"{METS}fptr")}
    pointed |= {mptr.get(XLINK + "title") for mptr in root.iter(f"{METS}mptr")}
    assert pointed == groups  # the structural map refers to every file group
    return listed


def test_package_is_an_e_ark_sip_whose_mets_lists_every_file_with_its_checksum(world):
    _populate(world)
    content, summary = build_package(package_id="asfnet-exit-test", language="en")
    archive = zipfile.ZipFile(io.BytesIO(content))
    root = "asfnet-exit-test/"
    names = set(archive.namelist())
    assert {n.split("/", 1)[0] for n in names} == {"asfnet-exit-test"}

    # The package METS lists the metadata, the documentation, the schemas and each representation's METS; each
    # representation's METS lists that representation's files: together every file, nothing missing.
    listed = {root + path for path in _check_mets(archive, root)}
    assert {n for n in names if "/representations/" not in n} - {root + "METS.xml"} <= listed
    rep1 = _check_mets(archive, root + "representations/rep1/")
    assert rep1 == {n.removeprefix(root + "representations/rep1/") for n in names if "/rep1/data/" in n}
    rep2 = _check_mets(archive, root + "representations/rep2/")
    listed |= {root + "representations/rep1/" + path for path in rep1}
    listed |= {root + "representations/rep2/" + path for path in rep2}
    assert listed == names - {root + "METS.xml"}

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


NS = {
    "mets": "http://www.loc.gov/METS/",
    "xlink": "http://www.w3.org/1999/xlink",
    "csip": "https://DILCIS.eu/XML/METS/CSIPExtensionMETS",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
SCHEMA_FILES = ("mets.xsd", "xlink.xsd", "DILCISExtensionMETS.xsd")
# CSIP2: the CSIP content category vocabulary (CSIPVocabularyContentCategory) — the values asfnet could use.
CONTENT_CATEGORIES = {"Databases", "Datasets", "Mixed", "Other"}
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
MEDIA_TYPE = re.compile(r"^(application|text|image|audio|video|font|model|multipart|message)/[\w.+-]+$")


def _mets_schema(archive: zipfile.ZipFile, root: str) -> etree.XMLSchema:
    """The METS schema and the CSIP extension schema, both from the package's own schemas/ folder: mets.xsd's
    import of XLink from the Library of Congress resolves to the package's xlink.xsd, nothing is fetched."""
    files = {name: archive.read(f"{root}schemas/{name}") for name in SCHEMA_FILES}
    asked: list[str] = []

    class PackageSchemas(etree.Resolver):
        def resolve(self, url, pubid, context):
            asked.append(url)
            name = url.rsplit("/", 1)[-1]
            return self.resolve_string(files[name], context) if name in files else None

    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(PackageSchemas())
    both = (
        b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        b'<xs:import namespace="http://www.loc.gov/METS/" schemaLocation="mets.xsd"/>'
        b'<xs:import namespace="https://DILCIS.eu/XML/METS/CSIPExtensionMETS" '
        b'schemaLocation="DILCISExtensionMETS.xsd"/></xs:schema>'
    )
    schema = etree.XMLSchema(etree.fromstring(both, parser, base_url="package/schemas/both.xsd"))
    assert "http://www.loc.gov/standards/xlink/xlink.xsd" in asked  # mets.xsd's import, answered from the package
    return schema


def _mets_documents(archive: zipfile.ZipFile, root: str) -> dict[str, etree._Element]:
    return {
        name.removeprefix(root): etree.fromstring(archive.read(name), etree.XMLParser(resolve_entities=False))
        for name in archive.namelist()
        if name.endswith("METS.xml")
    }


def _xpath(element: etree._Element, path: str) -> list:
    return element.xpath(path, namespaces=NS)


def _check_common_csip(path: str, mets: etree._Element, archive: zipfile.ZipFile, root: str) -> None:
    """The CSIP and SIP requirements asfnet meets in every METS document, package or representation."""
    folder = path.removesuffix("METS.xml")
    assert mets.tag == "{http://www.loc.gov/METS/}mets", "CSIP1000"
    assert mets.get("OBJID") == (folder.rstrip("/").rsplit("/", 1)[-1] or root.rstrip("/")), "CSIP1"
    assert mets.get("TYPE") in CONTENT_CATEGORIES, "CSIP2"
    assert mets.get("PROFILE") == SIP_PROFILE, "CSIP6 / SIP2"
    assert mets.get(f"{{{NS['csip']}}}CONTENTINFORMATIONTYPE") in {"MIXED", "OTHER"}, "CSIP4"
    if mets.get(f"{{{NS['csip']}}}CONTENTINFORMATIONTYPE") == "OTHER":
        assert mets.get(f"{{{NS['csip']}}}OTHERCONTENTINFORMATIONTYPE"), "CSIP5"
    for namespace, location in zip(*[iter(mets.get(f"{{{NS['xsi']}}}schemaLocation").split())] * 2, strict=True):
        assert namespace in NS.values(), namespace
        assert posixpath.normpath(root + folder + location) in {f"{root}schemas/{name}" for name in SCHEMA_FILES}

    (header,) = _xpath(mets, "mets:metsHdr")  # CSIP117
    assert header.get("CREATEDATE"), "CSIP7"
    assert header.get("LASTMODDATE"), "CSIP8"
    assert header.get(f"{{{NS['csip']}}}OAISPACKAGETYPE") == "SIP", "CSIP9 / SIP4"
    assert header.get("RECORDSTATUS") == "NEW", "SIP3"
    (software,) = _xpath(header, "mets:agent[@ROLE='CREATOR'][@TYPE='OTHER']")  # CSIP10, CSIP11, CSIP12
    assert software.get("OTHERTYPE") == "SOFTWARE", "CSIP13"
    assert [n.text for n in _xpath(software, "mets:name")] == ["asfnet"], "CSIP14"
    (version,) = _xpath(software, "mets:note")  # CSIP15
    assert version.get(f"{{{NS['csip']}}}NOTETYPE") == "SOFTWARE VERSION" and version.text, "CSIP16"

    (file_sec,) = _xpath(mets, "mets:fileSec")  # CSIP58
    assert file_sec.get("ID"), "CSIP59"
    for group in _xpath(file_sec, "mets:fileGrp"):
        assert group.get("USE"), "CSIP64"
        assert group.get("ID"), "CSIP65"
        assert _xpath(group, "mets:file"), "CSIP66"
    for file in _xpath(file_sec, ".//mets:file"):
        assert file.get("ID"), "CSIP67"
        assert MEDIA_TYPE.match(file.get("MIMETYPE")), "CSIP68"
        assert int(file.get("SIZE")) >= 0, "CSIP69"
        assert dt.datetime.fromisoformat(file.get("CREATED")), "CSIP70"
        assert re.fullmatch(r"[0-9a-f]{64}", file.get("CHECKSUM")), "CSIP71"
        assert file.get("CHECKSUMTYPE") == "SHA-256", "CSIP72"
        (location,) = _xpath(file, "mets:FLocat")  # CSIP76
        assert location.get("LOCTYPE") == "URL", "CSIP77"
        assert location.get(f"{{{NS['xlink']}}}type") == "simple", "CSIP78"
        assert archive.getinfo(root + folder + location.get(f"{{{NS['xlink']}}}href")), "CSIP79"

    (struct,) = _xpath(mets, "mets:structMap[@LABEL='CSIP']")  # CSIP80, CSIP82
    assert struct.get("TYPE") == "PHYSICAL", "CSIP81"
    assert struct.get("ID"), "CSIP83"
    (top,) = _xpath(struct, "mets:div")  # CSIP84
    assert top.get("ID"), "CSIP85"


def _check_package_csip(mets: etree._Element, archive: zipfile.ZipFile, root: str) -> None:
    """The CSIP and SIP requirements of the package METS."""
    assert mets.get("TYPE") == "Mixed", "CSIP2"
    assert mets.get(f"{{{NS['csip']}}}CONTENTINFORMATIONTYPE") == "MIXED", "CSIP4"
    assert mets.get("LABEL"), "SIP1"
    header = _xpath(mets, "mets:metsHdr")[0]
    (archivist,) = _xpath(header, "mets:agent[@ROLE='ARCHIVIST']")  # SIP9, SIP10
    assert archivist.get("TYPE") == "ORGANIZATION", "SIP11"
    assert _xpath(archivist, "mets:name/text()") == ["Samordningsförbundet Södra Norrbotten"], "SIP12"
    (code,) = _xpath(archivist, "mets:note")  # SIP13
    assert code.get(f"{{{NS['csip']}}}NOTETYPE") == "IDENTIFICATIONCODE", "SIP14"
    assert code.text == "ORG:2220002204"  # the förbund's organisation number
    (submitting,) = _xpath(header, "mets:agent[@ROLE='CREATOR'][@TYPE!='OTHER']")  # SIP15, SIP16
    assert submitting.get("TYPE") == "ORGANIZATION", "SIP17"
    assert _xpath(submitting, "mets:name/text()") == ["Samordningsförbundet Södra Norrbotten"], "SIP18"
    assert _xpath(submitting, "mets:note[@csip:NOTETYPE='IDENTIFICATIONCODE']/text()") == ["ORG:2220002204"], (
        "SIP19, SIP20"
    )
    (submitter,) = _xpath(header, "mets:agent[@ROLE='OTHER'][@OTHERROLE='SUBMITTER']")  # E-ARK SIP 2.2
    assert submitter.get("TYPE") == "ORGANIZATION"
    assert _xpath(submitter, "mets:note[@csip:NOTETYPE='IDENTIFICATIONCODE']/text()") == ["ORG:2220002204"]
    assert _xpath(header, "mets:altRecordID[@TYPE='SUBMISSIONAGREEMENT']/text()") == ["RA 2026/123; 2026-06-30"], "SIP5"

    (dmd,) = _xpath(mets, "mets:dmdSec")  # CSIP17
    assert dmd.get("ID"), "CSIP18"
    assert dmd.get("CREATED"), "CSIP19"
    assert dmd.get("STATUS") == "CURRENT", "CSIP20"
    (amd,) = _xpath(mets, "mets:amdSec")  # CSIP31
    (digiprov,) = _xpath(amd, "mets:digiprovMD")  # CSIP32
    assert digiprov.get("ID"), "CSIP33"
    assert digiprov.get("STATUS") == "CURRENT", "CSIP34"
    expected = {dmd: "metadata/descriptive/manifest.json", digiprov: "metadata/preservation/schema.json"}
    for holder, path in expected.items():
        (reference,) = _xpath(holder, "mets:mdRef")  # CSIP21, CSIP35
        assert reference.get("LOCTYPE") == "URL", "CSIP22, CSIP36"
        assert reference.get(f"{{{NS['xlink']}}}type") == "simple", "CSIP23, CSIP37"
        assert reference.get(f"{{{NS['xlink']}}}href") == path, "CSIP24, CSIP38"
        assert reference.get("MDTYPE") == "OTHER" and reference.get("OTHERMDTYPE"), "CSIP25, CSIP39"
        assert reference.get("MIMETYPE") == "application/json", "CSIP26, CSIP40"
        content = archive.read(root + path)
        assert int(reference.get("SIZE")) == len(content), "CSIP27, CSIP41"
        assert reference.get("CREATED"), "CSIP28, CSIP42"
        assert reference.get("CHECKSUM") == hashlib.sha256(content).hexdigest(), "CSIP29, CSIP43"
        assert reference.get("CHECKSUMTYPE") == "SHA-256", "CSIP30, CSIP44"

    (file_sec,) = _xpath(mets, "mets:fileSec")
    (documentation,) = _xpath(file_sec, "mets:fileGrp[@USE='Documentation']")  # CSIP60
    assert _xpath(documentation, "mets:file/mets:FLocat/@xlink:href") == ["documentation/README.txt"]
    (schemas,) = _xpath(file_sec, "mets:fileGrp[@USE='Schemas']")  # CSIP113
    assert _xpath(schemas, "mets:file/mets:FLocat/@xlink:href") == [f"schemas/{name}" for name in SCHEMA_FILES]
    representations = _xpath(file_sec, "mets:fileGrp[starts-with(@USE, 'Representations/')]")  # CSIP114
    assert [group.get("USE") for group in representations] == ["Representations/rep1", "Representations/rep2"]
    for group in representations:
        folder = group.get("USE").split("/", 1)[1]
        assert _xpath(group, "mets:file/mets:FLocat/@xlink:href") == [f"representations/{folder}/METS.xml"]
        assert group.get(f"{{{NS['csip']}}}CONTENTINFORMATIONTYPE") == "OTHER", "CSIP62"
        assert group.get(f"{{{NS['csip']}}}OTHERCONTENTINFORMATIONTYPE"), "CSIP63"

    top = _xpath(mets, "mets:structMap[@LABEL='CSIP']/mets:div")[0]
    (metadata,) = _xpath(top, "mets:div[@LABEL='Metadata']")  # CSIP88, CSIP90
    assert metadata.get("ID"), "CSIP89"
    assert metadata.get("ADMID") == digiprov.get("ID"), "CSIP91"
    assert metadata.get("DMDID") == dmd.get("ID"), "CSIP92"
    for label, group, requirements in (
        ("Documentation", documentation, "CSIP93-CSIP96, CSIP116"),
        ("Schemas", schemas, "CSIP97-CSIP100, CSIP118"),
    ):
        (division,) = _xpath(top, f"mets:div[@LABEL='{label}']")
        assert division.get("ID"), requirements
        assert _xpath(division, "mets:fptr/@FILEID") == [group.get("ID")], requirements
    divisions = _xpath(top, "mets:div[starts-with(@LABEL, 'Representations/')]")  # CSIP105
    assert [d.get("LABEL") for d in divisions] == [g.get("USE") for g in representations], "CSIP107"
    for division, group in zip(divisions, representations, strict=True):
        assert division.get("ID"), "CSIP106"
        (pointer,) = _xpath(division, "mets:mptr")  # CSIP109
        assert pointer.get(f"{{{NS['xlink']}}}title") == group.get("ID"), "CSIP108"
        href = pointer.get(f"{{{NS['xlink']}}}href")
        assert href == f"representations/{group.get('USE').split('/', 1)[1]}/METS.xml", "CSIP110"
        assert archive.getinfo(root + href)
        assert pointer.get(f"{{{NS['xlink']}}}type") == "simple", "CSIP111"
        assert pointer.get("LOCTYPE") == "URL", "CSIP112"


def test_every_mets_is_valid_against_the_packaged_mets_schema_and_meets_csip_and_sip(world, settings):
    _populate(world)
    settings.EXIT_PACKAGE_SUBMISSION_AGREEMENT = "RA 2026/123; 2026-06-30"
    content, _summary = build_package(package_id="asfnet-exit-csip", language="sv")
    archive = zipfile.ZipFile(io.BytesIO(content))
    root = "asfnet-exit-csip/"
    schema = _mets_schema(archive, root)
    documents = _mets_documents(archive, root)
    assert documents.keys() == {"METS.xml", "representations/rep1/METS.xml", "representations/rep2/METS.xml"}
    for path, mets in documents.items():
        assert schema.validate(mets), (path, str(schema.error_log))
        _check_common_csip(path, mets, archive, root)
    _check_package_csip(documents["METS.xml"], archive, root)
    ids = [ident for mets in documents.values() for ident in _xpath(mets, "//@ID")]
    assert len(ids) == len(set(ids)), "CSIP65, CSIP67, CSIP83, CSIP85 …: every ID unique within the package"
    for path in ("representations/rep1/METS.xml", "representations/rep2/METS.xml"):
        mets = documents[path]
        assert mets.get("TYPE") == {"rep1": "Databases", "rep2": "Datasets"}[mets.get("OBJID")], "CSIP2"
        assert mets.get(f"{{{NS['csip']}}}CONTENTINFORMATIONTYPE") == "OTHER", "CSIP4 (representation METS)"
        (group,) = _xpath(mets, "mets:fileSec/mets:fileGrp")
        assert group.get("USE") == "Data"
        assert _xpath(mets, "mets:structMap/mets:div/mets:div[@LABEL='Data']/mets:fptr/@FILEID") == [group.get("ID")]
    for name in SCHEMA_FILES:  # the schemas are the committed copies, unchanged
        assert archive.read(f"{root}schemas/{name}") == (SCHEMAS / name).read_bytes()

    # The schema does check: a package type outside the CSIP vocabulary, or a file without its location type,
    # is refused.
    broken = copy.deepcopy(documents["METS.xml"])
    _xpath(broken, "mets:metsHdr")[0].set(f"{{{NS['csip']}}}OAISPACKAGETYPE", "PACKAGE")
    assert not schema.validate(broken)
    broken = copy.deepcopy(documents["representations/rep1/METS.xml"])
    del _xpath(broken, "//mets:FLocat")[0].attrib["LOCTYPE"]
    assert not schema.validate(broken)


def test_without_a_submission_agreement_the_header_names_none(world):
    content, _summary = build_package(package_id="asfnet-exit-plain", language="en")
    archive = zipfile.ZipFile(io.BytesIO(content))
    mets = _mets_documents(archive, "asfnet-exit-plain/")["METS.xml"]
    assert _xpath(mets, "mets:metsHdr/mets:altRecordID") == []
    assert _mets_schema(archive, "asfnet-exit-plain/").validate(mets)


def test_the_submission_agreement_comes_from_the_setting_and_the_command_can_name_another(world, settings, tmp_path):
    """SIP5: the agreement with the receiving archive is the package METS's altRecordID, from
    EXIT_PACKAGE_SUBMISSION_AGREEMENT, or from the export command's --submission-agreement."""
    settings.EXIT_PACKAGE_SUBMISSION_AGREEMENT = "RA 2026/123"
    content, _summary = build_package(package_id="asfnet-exit-agreed", language="sv")
    mets = _mets_documents(zipfile.ZipFile(io.BytesIO(content)), "asfnet-exit-agreed/")["METS.xml"]
    (agreement,) = _xpath(mets, "mets:metsHdr/mets:altRecordID[@TYPE='SUBMISSIONAGREEMENT']")
    assert agreement.text == "RA 2026/123"

    path = tmp_path / "exit.zip"
    call_command("export_exit_package", out=str(path), submission_agreement="LÖ-77", stdout=io.StringIO())
    archive = zipfile.ZipFile(path)
    (root,) = {name.split("/")[0] + "/" for name in archive.namelist()}
    mets = _mets_documents(archive, root)["METS.xml"]
    assert [e.text for e in _xpath(mets, "mets:metsHdr/mets:altRecordID[@TYPE='SUBMISSIONAGREEMENT']")] == ["LÖ-77"]


def test_an_installation_of_several_forbund_is_handed_over_by_the_platform_operator(portals, settings):
    """With several förbund the package holds all of them: the archival creator and submitter (SIP9, SIP15) is
    the platform operator, who has no organisation number here, so no IDENTIFICATIONCODE note (SIP13, SIP19)."""
    settings.OPERATOR_NAME = "Plattformen för ASF"
    content, _summary = build_package(package_id="asfnet-exit-multi", language="sv", submission_agreement="")
    archive = zipfile.ZipFile(io.BytesIO(content))
    mets = _mets_documents(archive, "asfnet-exit-multi/")["METS.xml"]
    agents = _xpath(mets, "mets:metsHdr/mets:agent[@TYPE='ORGANIZATION']")
    assert [(a.get("ROLE"), a.get("OTHERROLE")) for a in agents] == [
        ("ARCHIVIST", None),
        ("CREATOR", None),
        ("OTHER", "SUBMITTER"),
    ]
    assert {name for a in agents for name in _xpath(a, "mets:name/text()")} == {"Plattformen för ASF"}
    assert _xpath(mets, "mets:metsHdr/mets:agent[@TYPE='ORGANIZATION']/mets:note") == []
    assert _mets_schema(archive, "asfnet-exit-multi/").validate(mets)


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
