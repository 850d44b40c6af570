"""The exit package as one ZIP, laid out as an E-ARK SIP — E-ARK CSIP 2.1 and E-ARK SIP 2.1, which together are
Riksarkivet's FGS Paketstruktur 2.0:

    <package id>/
        METS.xml                                  the package METS: header with the agents, the metadata files
                                                  (dmdSec/amdSec), file groups Documentation, Schemas and
                                                  Representations/repN (each representation's METS), and a CSIP
                                                  structMap whose mptr point to representations/repN/METS.xml
        metadata/descriptive/manifest.json        files, rows per table, checksums, what is left out and why
        metadata/preservation/schema.json         per table: columns and types, primary key, foreign keys
        documentation/README.txt                  the same in words
        schemas/mets.xsd, xlink.xsd, DILCISExtensionMETS.xsd   the XML schemas every METS.xml follows
        representations/rep1/METS.xml             representation 1: every table, one CSV each, with checksums
        representations/rep1/data/<table>.csv
        representations/rep1/data/files/…         the uploaded files, under their stored names
        representations/rep2/METS.xml             representation 2: open formats for reuse
        representations/rep2/data/directory/…     the directory's open data package (HSDS 3.0)
        representations/rep2/data/events.ics      every published event
        representations/rep2/data/report_results.json

The comments name the requirement of CSIP (CSIPn) or SIP (SIPn) each part of a METS document meets.

Representation 1 is what `manage.py import_exit_package` restores (tables.py says how a cell is written).
Participants are pseudonymous codes in asfnet (no names, no contact details); people who log in (officers,
coordinators) are carried with name and e-mail address, which is why only a coordinator who has just
confirmed their password may ask for the package and download it (reports/views.py). Password hashes and
second-factor secrets are never carried.

`build_package` is the one builder: the coordinator's report run (`build`) and `manage.py
export_exit_package` both call it."""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import subprocess
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory.api.datapackage import datapackage_zip
from directory.forbund.registry import registry
from events.feeds.ical import calendar_bytes
from events.models import Event, EventStatus
from reports.exit_package import tables
from reports.models import ReportKind, ReportRun, RunStatus
from reports.presentation import report_language

Progress = Callable[[int], None]

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ET.register_namespace("mets", METS_NS)
ET.register_namespace("xlink", XLINK_NS)
ET.register_namespace("csip", CSIP_NS)
ET.register_namespace("xsi", XSI_NS)
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"

MANIFEST = "metadata/descriptive/manifest.json"
SCHEMA = "metadata/preservation/schema.json"
README = "documentation/README.txt"
# The XML schemas the METS documents use (CSIP113), shipped in the package's schemas/ folder: METS 1.12 and the
# XLink schema it imports (Library of Congress), and the DILCIS Board's CSIP extension (the csip: attributes).
# The copies in schemas/ beside this module come from a registry package; schemas/README.md says which.
SCHEMAS_DIR = "schemas/"
SCHEMA_LOCATIONS = (
    (METS_NS, "mets.xsd"),
    (XLINK_NS, "xlink.xsd"),
    (CSIP_NS, "DILCISExtensionMETS.xsd"),
)
TABLES_DIR = "representations/rep1/data/"
FORMAT = "asfnet exit package 2 (E-ARK SIP, FGS Paketstruktur 2.0)"

MIMETYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".ics": "text/calendar",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".xsd": "application/xml",
}


def asfnet_version() -> str:
    """The git commit the running code comes from, or "unknown" (an installation without git)."""
    try:
        done = subprocess.run(  # a fixed command, no input from outside
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else "unknown"


def mimetype(path: str) -> str:
    known = next((kind for suffix, kind in MIMETYPES.items() if path.endswith(suffix)), None)
    return known or mimetypes.guess_type(path)[0] or "application/octet-stream"


@dataclass
class Entry:
    path: str  # inside the package's root folder
    content: bytes
    rows: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _report_results() -> bytes:
    runs = ReportRun.objects.filter(status=RunStatus.SUCCEEDED).exclude(kind="exit_package").select_related("project")
    data = [
        {
            "id": str(r.code),
            "kind": r.kind,
            "project": r.project.diarienummer if r.project else None,
            "from": r.period_from,
            "to": r.period_to,
            "small_cells_suppressed": r.suppress_small_cells,
            "finished_at": r.finished_at,
            "rules_version": r.rules_version or None,
            "delivered_at": r.delivered_at,
            "result": r.result,
        }
        for r in runs.order_by("created_at", "pk").iterator(chunk_size=200)
    ]
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode("utf-8")


def _open_formats(language: str) -> list[Entry]:
    entries = []
    with zipfile.ZipFile(io.BytesIO(datapackage_zip())) as directory_package:
        for info in directory_package.infolist():
            if not info.is_dir():
                entries.append(
                    Entry(f"representations/rep2/data/directory/{info.filename}", directory_package.read(info))
                )
    events = list(Event.objects.filter(status=EventStatus.PUBLISHED).select_related("organiser").order_by("start"))
    entries.append(
        Entry(
            "representations/rep2/data/events.ics",
            calendar_bytes(events, name="asfnet", language=language),
            len(events),
        )
    )
    entries.append(Entry("representations/rep2/data/report_results.json", _report_results()))
    return entries


FILES_DIR = TABLES_DIR + "files/"


def schema_files() -> list[Entry]:
    folder = Path(__file__).resolve().parent / "schemas"
    return [Entry(SCHEMAS_DIR + name, (folder / name).read_bytes()) for _namespace, name in SCHEMA_LOCATIONS]


def _stored_names() -> Iterator[tuple[models.FileField, str]]:
    """Every uploaded file a packaged table names (logos, certification evidence, agreement documents, report
    files — but not earlier exit packages, which would nest every package in the next)."""
    for model in tables.packaged_models():
        for field in tables.columns(model):
            if not isinstance(field, models.FileField):
                continue
            rows = model._base_manager.exclude(**{field.attname: ""})
            if model._meta.label == "reports.ReportFile":
                rows = rows.exclude(run__kind=ReportKind.EXIT_PACKAGE)
            for name in rows.order_by(field.attname).values_list(field.attname, flat=True).distinct():
                yield field, name


def uploaded_files() -> tuple[list[Entry], list[str]]:
    """The uploaded files as package entries (under their stored name), and the names whose file is
    missing from the storage (listed in the manifest)."""
    entries: list[Entry] = []
    missing: list[str] = []
    for field, name in _stored_names():
        if name.startswith("/") or ".." in name.split("/"):
            missing.append(name)
            continue
        try:
            with field.storage.open(name, "rb") as handle:
                entries.append(Entry(FILES_DIR + name, handle.read()))
        except OSError:
            missing.append(name)
    return entries, missing


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _m(tag: str) -> str:
    return _q(METS_NS, tag)


@dataclass(frozen=True)
class Agent:
    """An organisation in the METS header: its name and, when known, its organisation number."""

    name: str
    orgnr: str | None = None

    @property
    def identification_code(self) -> str | None:
        # "ORG:" and the ten digits, as Swedish archives write an organisation number in an IDENTIFICATIONCODE note.
        digits = "".join(c for c in self.orgnr or "" if c.isdigit())
        return f"ORG:{digits}" if digits else None


def archival_creator() -> Agent:
    """Whose records the package holds (SIP9, the archive creator — arkivbildaren) and who submits it (SIP15):
    the förbund of a one-förbund installation, by its organisation number; with several, the platform
    operator (settings.OPERATOR_NAME), who hands over the whole installation."""
    forbund = registry().single
    if forbund is not None:
        return Agent(forbund.name, forbund.orgnr or None)
    return Agent(settings.OPERATOR_NAME)


@dataclass(frozen=True)
class Header:
    """What every METS document of one package says about itself."""

    created: str
    version: str
    submitter: Agent
    submission_agreement: str = ""


def _mets_root(*, objid: str, label: str, content_type: str, root: bool, other: str | None) -> ET.Element:
    attributes = {
        # CSIP1: the package METS's OBJID is the package folder's name, a representation METS's the
        # representation folder's name.
        "OBJID": objid,
        "LABEL": label,  # SIP1
        # CSIP2: the content category, from the CSIP vocabulary (Databases, Datasets, Mixed …).
        "TYPE": content_type,
        # CSIP6, SIP2: the E-ARK SIP profile (E-ARK CSIP 2.1 + SIP 2.1 make FGS Paketstruktur 2.0).
        "PROFILE": SIP_PROFILE,
        _q(XSI_NS, "schemaLocation"): " ".join(
            f"{namespace} {'' if root else '../../'}{SCHEMAS_DIR}{name}" for namespace, name in SCHEMA_LOCATIONS
        ),
    }
    if other is None:
        # CSIP4: the package holds representations of different content information types.
        attributes[_q(CSIP_NS, "CONTENTINFORMATIONTYPE")] = "MIXED"
    else:
        # CSIP4 (mandatory in a representation METS), CSIP5: no E-ARK content information type specification
        # fits asfnet's tables, so OTHER and what they are.
        attributes[_q(CSIP_NS, "CONTENTINFORMATIONTYPE")] = "OTHER"
        attributes[_q(CSIP_NS, "OTHERCONTENTINFORMATIONTYPE")] = other
    return ET.Element(_m("mets"), attributes)


def _agent(parent: ET.Element, attributes: dict[str, str], name: str, note: str | None, note_type: str) -> None:
    agent = ET.SubElement(parent, _m("agent"), attributes)
    ET.SubElement(agent, _m("name")).text = name
    if note:
        ET.SubElement(agent, _m("note"), {_q(CSIP_NS, "NOTETYPE"): note_type}).text = note


def _mets_header(mets: ET.Element, header: Header, *, root: bool) -> None:
    # CSIP117: one metsHdr; CSIP7 CREATEDATE, CSIP8 LASTMODDATE; SIP3 RECORDSTATUS (a new submission);
    # CSIP9, SIP4: the OAIS package type SIP.
    element = ET.SubElement(
        mets,
        _m("metsHdr"),
        {
            "CREATEDATE": header.created,
            "LASTMODDATE": header.created,
            "RECORDSTATUS": "NEW",
            _q(CSIP_NS, "OAISPACKAGETYPE"): "SIP",
        },
    )
    # CSIP10-CSIP16: the software that made the package, ROLE CREATOR, TYPE OTHER, OTHERTYPE SOFTWARE, its name
    # and a note typed SOFTWARE VERSION (the git commit).
    _agent(
        element,
        {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"},
        "asfnet",
        header.version,
        "SOFTWARE VERSION",
    )
    if not root:
        return
    code = header.submitter.identification_code
    # SIP9-SIP14: the archival creator (arkivbildaren), ROLE ARCHIVIST, TYPE ORGANIZATION, with its
    # organisation number in a note typed IDENTIFICATIONCODE.
    _agent(element, {"ROLE": "ARCHIVIST", "TYPE": "ORGANIZATION"}, header.submitter.name, code, "IDENTIFICATIONCODE")
    # SIP15-SIP20: the submitting agent, ROLE CREATOR, TYPE ORGANIZATION (E-ARK SIP 2.1, which FGS
    # Paketstruktur 2.0 adopts) …
    _agent(element, {"ROLE": "CREATOR", "TYPE": "ORGANIZATION"}, header.submitter.name, code, "IDENTIFICATIONCODE")
    # … and the same organisation as E-ARK SIP 2.2 writes the submitter: ROLE OTHER, OTHERROLE SUBMITTER.
    _agent(
        element,
        {"ROLE": "OTHER", "OTHERROLE": "SUBMITTER", "TYPE": "ORGANIZATION"},
        header.submitter.name,
        code,
        "IDENTIFICATIONCODE",
    )
    if header.submission_agreement:
        # SIP5: the submission agreement the package is delivered under.
        ET.SubElement(element, _m("altRecordID"), {"TYPE": "SUBMISSIONAGREEMENT"}).text = header.submission_agreement


def _file_attributes(entry: Entry, created: str) -> dict[str, str]:
    # CSIP68-CSIP72 (files), CSIP26-CSIP30 and CSIP40-CSIP44 (metadata references): IANA media type, size in
    # bytes, creation time, checksum and its algorithm.
    return {
        "MIMETYPE": mimetype(entry.path),
        "SIZE": str(len(entry.content)),
        "CREATED": created,
        "CHECKSUM": entry.sha256,
        "CHECKSUMTYPE": "SHA-256",
    }


def _location(href: str) -> dict[str, str]:
    # CSIP77-CSIP79, CSIP22-CSIP24, CSIP36-CSIP38, CSIP110-CSIP112: a URL path relative to the METS document.
    return {"LOCTYPE": "URL", _q(XLINK_NS, "type"): "simple", _q(XLINK_NS, "href"): href}


def _metadata_reference(mets: ET.Element, entry: Entry, *, created: str, section: str, ident: str, what: str) -> None:
    """A metadata file referred to from the dmdSec (descriptive) or the amdSec's digiprovMD (preservation)."""
    if section == "dmdSec":
        # CSIP17-CSIP20: ID, CREATED, STATUS CURRENT.
        holder = ET.SubElement(mets, _m("dmdSec"), {"ID": ident, "CREATED": created, "STATUS": "CURRENT"})
    else:
        # CSIP31: one amdSec; CSIP32-CSIP34: a digiprovMD with ID and STATUS CURRENT.
        amd = mets.find(_m("amdSec"))
        if amd is None:
            amd = ET.SubElement(mets, _m("amdSec"))
        holder = ET.SubElement(amd, _m("digiprovMD"), {"ID": ident, "STATUS": "CURRENT"})
    # CSIP21/CSIP35: an mdRef to the file in metadata/; CSIP25/CSIP39: MDTYPE (OTHER, with what it is).
    ET.SubElement(
        holder,
        _m("mdRef"),
        {**_location(entry.path), "MDTYPE": "OTHER", "OTHERMDTYPE": what, **_file_attributes(entry, created)},
    )


def _file_group(
    file_sec: ET.Element, *, ident: str, use: str, members: list[Entry], base: str, created: str, **extra: str
) -> None:
    # CSIP64: USE names the folder; CSIP65: an ID; CSIP66: the files; CSIP67: each file's ID.
    group = ET.SubElement(file_sec, _m("fileGrp"), {"ID": ident, "USE": use, **extra})
    for index, entry in enumerate(members, start=1):
        element = ET.SubElement(
            group, _m("file"), {"ID": f"{ident}-file-{index:04d}", **_file_attributes(entry, created)}
        )
        ET.SubElement(element, _m("FLocat"), _location(entry.path[len(base) :]))  # CSIP76


def _struct_map(mets: ET.Element, label: str, prefix: str) -> ET.Element:
    # CSIP80-CSIP85: one structMap, TYPE PHYSICAL, LABEL CSIP, an ID, and a single top division with an ID.
    struct = ET.SubElement(mets, _m("structMap"), {"ID": f"{prefix}structmap", "TYPE": "PHYSICAL", "LABEL": "CSIP"})
    return ET.SubElement(struct, _m("div"), {"ID": f"{prefix}div", "LABEL": label})


def _serialise(mets: ET.Element) -> bytes:
    ET.indent(mets)
    return ET.tostring(mets, encoding="utf-8", xml_declaration=True)


@dataclass(frozen=True)
class Representation:
    folder: str  # "rep1"
    content_type: str  # CSIP2's content category
    content_information_type: str  # what OTHER stands for (CSIP5, CSIP63)
    label: str

    @property
    def base(self) -> str:
        return f"representations/{self.folder}/"

    @property
    def mets_path(self) -> str:
        return f"{self.base}METS.xml"

    @property
    def use(self) -> str:
        # CSIP64, CSIP107: "Representations/" and the representation's folder.
        return f"Representations/{self.folder}"


TABLES = Representation(
    "rep1", "Databases", "asfnet tables (CSV, one file per table) and uploaded files", "Every table of asfnet"
)
OPEN_FORMATS = Representation(
    "rep2",
    "Datasets",
    "open formats: HSDS 3.0 data package, iCalendar, JSON",
    "The directory, the calendar and the report figures in open formats",
)


def representation_mets(representation: Representation, header: Header, entries: list[Entry]) -> bytes:
    """A representation's METS: its data files with size, checksum and MIME type (paths relative to the
    representation folder)."""
    mets = _mets_root(
        objid=representation.folder,
        label=representation.label,
        content_type=representation.content_type,
        root=False,
        other=representation.content_information_type,
    )
    _mets_header(mets, header, root=False)
    # The IDs start with the representation's folder: CSIP asks for IDs unique within the whole package.
    prefix = f"{representation.folder}-"
    file_sec = ET.SubElement(mets, _m("fileSec"), {"ID": f"{prefix}filesec"})  # CSIP58, CSIP59
    group = f"{prefix}filegrp-data"
    _file_group(file_sec, ident=group, use="Data", members=entries, base=representation.base, created=header.created)
    top = _struct_map(mets, representation.folder, prefix)
    data = ET.SubElement(top, _m("div"), {"ID": f"{prefix}div-data", "LABEL": "Data"})
    ET.SubElement(data, _m("fptr"), {"FILEID": group})  # one file group reference per fptr
    return _serialise(mets)


def package_mets(
    *,
    package_id: str,
    header: Header,
    manifest: Entry,
    schema: Entry,
    documentation: list[Entry],
    schemas: list[Entry],
    representations: list[tuple[Representation, Entry]],
) -> bytes:
    """The package METS (E-ARK CSIP 2.1 / SIP 2.1, i.e. FGS Paketstruktur 2.0): the manifest as descriptive and
    the table schema as preservation metadata, file groups for the documentation, the XML schemas and each
    representation's METS, and a CSIP structural map that points to every representation METS (mptr)."""
    mets = _mets_root(objid=package_id, label=package_id, content_type="Mixed", root=True, other=None)
    _mets_header(mets, header, root=True)
    created = header.created
    _metadata_reference(
        mets, manifest, created=created, section="dmdSec", ident="dmd-manifest", what="asfnet exit package manifest"
    )
    _metadata_reference(
        mets, schema, created=created, section="amdSec", ident="digiprov-schema", what="asfnet table schema"
    )
    file_sec = ET.SubElement(mets, _m("fileSec"), {"ID": "package-filesec"})  # CSIP58, CSIP59
    # CSIP60: the documentation; CSIP113: every XML schema the package uses (schemas/).
    _file_group(
        file_sec, ident="filegrp-documentation", use="Documentation", members=documentation, base="", created=created
    )
    _file_group(file_sec, ident="filegrp-schemas", use="Schemas", members=schemas, base="", created=created)
    for representation, mets_entry in representations:
        # CSIP114: a file group per representation, USE "Representations/<folder>", holding the representation's
        # METS; CSIP62, CSIP63: its content information type.
        _file_group(
            file_sec,
            ident=f"filegrp-{representation.folder}",
            use=representation.use,
            members=[mets_entry],
            base="",
            created=created,
            **{
                _q(CSIP_NS, "CONTENTINFORMATIONTYPE"): "OTHER",
                _q(CSIP_NS, "OTHERCONTENTINFORMATIONTYPE"): representation.content_information_type,
            },
        )
    top = _struct_map(mets, package_id, "package-")
    # CSIP88-CSIP92: the Metadata division refers to the dmdSec and the digiprovMD.
    ET.SubElement(
        top, _m("div"), {"ID": "div-metadata", "LABEL": "Metadata", "DMDID": "dmd-manifest", "ADMID": "digiprov-schema"}
    )
    # CSIP93-CSIP96, CSIP116: the Documentation division, CSIP97-CSIP100, CSIP118: the Schemas division, each
    # with an fptr to its file group.
    for ident, label in (("documentation", "Documentation"), ("schemas", "Schemas")):
        div = ET.SubElement(top, _m("div"), {"ID": f"div-{ident}", "LABEL": label})
        ET.SubElement(div, _m("fptr"), {"FILEID": f"filegrp-{ident}"})
    for representation, mets_entry in representations:
        # CSIP105-CSIP107: a division per representation, LABEL "Representations/<folder>"; CSIP108-CSIP112:
        # one mptr to the representation's METS, titled with its file group's ID.
        div = ET.SubElement(top, _m("div"), {"ID": f"div-{representation.folder}", "LABEL": representation.use})
        ET.SubElement(
            div, _m("mptr"), {**_location(mets_entry.path), _q(XLINK_NS, "title"): f"filegrp-{representation.folder}"}
        )
    return _serialise(mets)


def _readme(manifest: dict[str, Any]) -> str:
    lines = [
        _("asfnet exit package %(id)s, created %(created)s (asfnet %(version)s).")
        % {"id": manifest["package_id"], "created": manifest["created"], "version": manifest["asfnet_version"]},
        "",
        _(
            "The package follows E-ARK SIP (FGS Paketstruktur 2.0). METS.xml lists the package's metadata, "
            "documentation and schemas and points to each representation's METS.xml, which lists its files; every "
            "file is listed with its size and SHA-256 checksum. metadata/descriptive/manifest.json holds the same "
            "list, the number of rows of every table and what was left out and why; "
            "metadata/preservation/schema.json describes every table (columns, types, primary key, foreign keys)."
        ),
        "",
        _(
            "representations/rep1/data holds one CSV file per table (UTF-8, comma-separated, one header row with "
            "the column names). \\N stands for an empty value (NULL). Text that would begin with =, +, -, @ or an "
            "apostrophe starts with one more apostrophe so that spreadsheet programs do not run it as a formula. "
            "manage.py import_exit_package restores these tables into an empty asfnet installation."
        ),
        "",
        _(
            "representations/rep2/data holds the same information in open formats for reuse: the directory's "
            "open data package, every published event as iCalendar and the figures of every finished report."
        ),
        "",
        _(
            "Participants are pseudonymous codes: the package holds no names or contact details of participants. "
            "It holds the names and e-mail addresses of the people who log in. Password hashes and second-factor "
            "secrets are never included: everyone sets a new password in the new installation."
        ),
        "",
        _("Tables (rows):"),
    ]
    lines += [f"  {table}: {info['rows']}" for table, info in manifest["tables"].items()]
    lines += ["", _("Left out on purpose:")]
    lines += [f"  {table}: {reason}" for table, reason in manifest["excluded_tables"].items()]
    lines += [
        "",
        _(
            "representations/rep1/data/files holds the uploaded files (logos, certification evidence, agreement "
            "documents, report files) under the names the tables give them; earlier exit packages are left out."
        ),
        "",
    ]
    return "\n".join(lines)


def _json(data: Any) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode("utf-8")


def build_package(
    *, package_id: str, language: str, progress: Progress | None = None, submission_agreement: str | None = None
) -> tuple[bytes, dict[str, Any]]:
    """The exit package as ZIP bytes, and a summary: {"package_id", "created", "files": {path: rows}}.
    `submission_agreement` (default: settings.EXIT_PACKAGE_SUBMISSION_AGREEMENT, if set) is the reference of the
    agreement with the receiving archive, written in the METS header (SIP5); without one the header has none."""

    def step(percent: int) -> None:
        if progress is not None:
            progress(percent)

    created = timezone.now().replace(microsecond=0).isoformat()
    version = asfnet_version()
    models_in_order = tables.packaged_models()
    data: list[Entry] = []
    table_info: dict[str, dict[str, Any]] = {}
    for index, model in enumerate(models_in_order):
        content, count = tables.table_bytes(model)
        entry = Entry(TABLES_DIR + tables.file_name(model), content, count)
        data.append(entry)
        table_info[model._meta.db_table] = {
            "model": model._meta.label,
            "file": entry.path,
            "rows": count,
            "sha256": entry.sha256,
        }
        step(10 + 60 * (index + 1) // len(models_in_order))
    files, missing_files = uploaded_files()
    data += files
    with translation.override(language):
        open_formats = _open_formats(language)
        step(80)
        schema = {"tables": [tables.schema(model) for model in models_in_order]}
        header = Header(
            created=created,
            version=version,
            submitter=archival_creator(),
            submission_agreement=submission_agreement
            if submission_agreement is not None
            else settings.EXIT_PACKAGE_SUBMISSION_AGREEMENT,
        )
        rep1_mets = Entry(TABLES.mets_path, representation_mets(TABLES, header, data))
        rep2_mets = Entry(OPEN_FORMATS.mets_path, representation_mets(OPEN_FORMATS, header, open_formats))
        schemas = schema_files()
        schema_entry = Entry(SCHEMA, _json(schema))
        described = [schema_entry, *schemas, rep1_mets, *data, rep2_mets, *open_formats]
        manifest: dict[str, Any] = {
            "package_id": package_id,
            "format": FORMAT,
            "created": created,
            "asfnet_version": version,
            "cells": {
                "encoding": "UTF-8, comma-separated, CRLF line ends, one header row of column names",
                "null": tables.NULL,
                "booleans": "true/false",
                "dates": "ISO 8601, times with their UTC offset",
                "text": "a text starting with =, +, -, @, tab, carriage return or an apostrophe gets one more "
                "leading apostrophe; a text starting with a backslash gets one more backslash",
            },
            "load_order": [model._meta.db_table for model in models_in_order],
            "tables": table_info,
            "reference_tables": [
                model._meta.db_table for model in models_in_order if model._meta.label in tables.REFERENCE_MODELS
            ],
            "withheld_columns": tables.WITHHELD_COLUMNS,
            "uploaded_files": {"folder": FILES_DIR, "count": len(files), "missing": missing_files},
            "excluded_tables": tables.excluded_tables(),
            "files": [
                {"path": e.path, "size": len(e.content), "sha256": e.sha256, "mimetype": mimetype(e.path)}
                for e in described
            ],
        }
        manifest_entry = Entry(MANIFEST, _json(manifest))
        readme = Entry(README, _readme(manifest).encode("utf-8"))
    everything = [manifest_entry, schema_entry, readme, *schemas, rep1_mets, *data, rep2_mets, *open_formats]
    root_mets = package_mets(
        package_id=package_id,
        header=header,
        manifest=manifest_entry,
        schema=schema_entry,
        documentation=[readme],
        schemas=schemas,
        representations=[(TABLES, rep1_mets), (OPEN_FORMATS, rep2_mets)],
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{package_id}/METS.xml", root_mets)
        for entry in everything:
            archive.writestr(f"{package_id}/{entry.path}", entry.content)
    step(90)
    contents = {entry.path: entry.rows for entry in everything}
    return buffer.getvalue(), {"package_id": package_id, "created": created, "files": contents}


def new_package_id() -> str:
    return f"asfnet-exit-{uuid.uuid4()}"


def build(run: ReportRun, progress: Progress | None = None) -> tuple[bytes, dict[str, Any]]:
    """The coordinator's exit package run: the package named after the run."""
    return build_package(package_id=f"asfnet-exit-{run.code}", language=report_language(run), progress=progress)
