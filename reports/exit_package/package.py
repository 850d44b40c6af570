"""The exit package as one ZIP, laid out as an E-ARK SIP (FGS Paketstruktur 2.0):

    <package id>/
        METS.xml                                  the package's METS: every file with size and SHA-256
        metadata/descriptive/manifest.json        files, rows per table, checksums, what is left out and why
        metadata/preservation/schema.json         per table: columns and types, primary key, foreign keys
        documentation/README.txt                  the same in words
        representations/rep1/METS.xml             representation 1: every table, one CSV each
        representations/rep1/data/<table>.csv
        representations/rep1/data/files/…         the uploaded files, under their stored names
        representations/rep2/METS.xml             representation 2: open formats for reuse
        representations/rep2/data/directory/…     the directory's open data package (HSDS 3.0)
        representations/rep2/data/events.ics      every published event
        representations/rep2/data/report_results.json

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
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reports.exit_package import tables
from reports.models import ReportKind, ReportRun, RunStatus
from reports.presentation import report_language

Progress = Callable[[int], None]

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
ET.register_namespace("mets", METS_NS)
ET.register_namespace("xlink", XLINK_NS)
ET.register_namespace("csip", CSIP_NS)
ET.register_namespace("sip", SIP_NS)

MANIFEST = "metadata/descriptive/manifest.json"
SCHEMA = "metadata/preservation/schema.json"
README = "documentation/README.txt"
TABLES_DIR = "representations/rep1/data/"
FORMAT = "asfnet exit package 2 (E-ARK SIP, FGS Paketstruktur 2.0)"

MIMETYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".ics": "text/calendar",
    ".txt": "text/plain",
    ".xml": "application/xml",
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
    from directory.api.datapackage import datapackage_zip
    from events.feeds.ical import calendar_bytes
    from events.models import Event, EventStatus

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


def mets_xml(
    *, objid: str, label: str, created: str, version: str, entries: list[Entry], base: str, root: bool
) -> bytes:
    """A METS document listing `entries` (paths relative to `base`): a fileSec with every file's size,
    SHA-256 and MIME type, and a physical structMap. The package's METS also refers to the manifest
    (descriptive) and the schema (preservation) metadata."""
    m = lambda tag: _q(METS_NS, tag)  # noqa: E731
    mets = ET.Element(
        m("mets"),
        {
            "OBJID": objid,
            "LABEL": label,
            "TYPE": "Mixed",
            "PROFILE": "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml",
            _q(CSIP_NS, "CONTENTINFORMATIONTYPE"): "OTHER",
            _q(CSIP_NS, "OTHERCONTENTINFORMATIONTYPE"): "asfnet tables (CSV)",
        },
    )
    header = ET.SubElement(
        mets, m("metsHdr"), {"CREATEDATE": created, "RECORDSTATUS": "NEW", _q(CSIP_NS, "OAISPACKAGETYPE"): "SIP"}
    )
    agent = ET.SubElement(header, m("agent"), {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"})
    ET.SubElement(agent, m("name")).text = "asfnet"
    ET.SubElement(agent, m("note"), {_q(CSIP_NS, "NOTETYPE"): "SOFTWARE VERSION"}).text = version

    def relative(entry: Entry) -> str:
        return entry.path[len(base) :]

    def file_attributes(entry: Entry, ident: str) -> dict[str, str]:
        return {
            "ID": ident,
            "MIMETYPE": mimetype(entry.path),
            "SIZE": str(len(entry.content)),
            "CREATED": created,
            "CHECKSUM": entry.sha256,
            "CHECKSUMTYPE": "SHA-256",
        }

    ids = {entry.path: f"file-{index:04d}" for index, entry in enumerate(entries, start=1)}
    metadata = {e.path: e for e in entries if e.path in (MANIFEST, SCHEMA)} if root else {}
    md_ids: dict[str, str] = {}
    for path, section, wrapper, mdtype in (
        (MANIFEST, "dmdSec", None, "OTHER"),
        (SCHEMA, "amdSec", "digiprovMD", "OTHER"),
    ):
        if path not in metadata:
            continue
        entry = metadata[path]
        ident = f"{section.lower()}-{len(md_ids) + 1}"
        md_ids[path] = ident
        holder = ET.SubElement(mets, m(section), {} if wrapper else {"ID": ident, "CREATED": created})
        if wrapper:
            holder = ET.SubElement(holder, m(wrapper), {"ID": ident})
        attributes = file_attributes(entry, f"ref-{ident}")
        del attributes["ID"]
        ET.SubElement(
            holder,
            m("mdRef"),
            {
                "LOCTYPE": "URL",
                _q(XLINK_NS, "type"): "simple",
                _q(XLINK_NS, "href"): relative(entry),
                "MDTYPE": mdtype,
                **attributes,
            },
        )

    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        path = relative(entry)
        if path.startswith("representations/"):
            use = "Representations/" + path.split("/")[1]
        elif path.startswith("metadata/"):
            use = "Metadata"
        elif path.startswith("documentation/"):
            use = "Documentation"
        else:
            use = "Representations" if not root else "Other"
        if not root:
            use = "Data"
        groups.setdefault(use, []).append(entry)
    file_sec = ET.SubElement(mets, m("fileSec"), {"ID": "filesec-1"})
    group_ids: dict[str, str] = {}
    for index, (use, members) in enumerate(groups.items(), start=1):
        group_ids[use] = f"filegrp-{index}"
        group = ET.SubElement(file_sec, m("fileGrp"), {"ID": group_ids[use], "USE": use})
        for entry in members:
            file_element = ET.SubElement(group, m("file"), file_attributes(entry, ids[entry.path]))
            ET.SubElement(
                file_element,
                m("FLocat"),
                {"LOCTYPE": "URL", _q(XLINK_NS, "type"): "simple", _q(XLINK_NS, "href"): relative(entry)},
            )

    struct = ET.SubElement(mets, m("structMap"), {"ID": "structmap-1", "TYPE": "PHYSICAL", "LABEL": "CSIP"})
    top = ET.SubElement(struct, m("div"), {"ID": "div-root", "LABEL": label})
    for index, (use, members) in enumerate(groups.items(), start=1):
        attributes = {"ID": f"div-{index}", "LABEL": use}
        if use == "Metadata" and md_ids:
            dmd = [i for p, i in md_ids.items() if p == MANIFEST]
            amd = [i for p, i in md_ids.items() if p == SCHEMA]
            attributes.update({"DMDID": " ".join(dmd), "ADMID": " ".join(amd)})
        div = ET.SubElement(top, m("div"), attributes)
        for entry in members:
            ET.SubElement(div, m("fptr"), {"FILEID": ids[entry.path]})
    ET.indent(mets)
    return ET.tostring(mets, encoding="utf-8", xml_declaration=True)


def _readme(manifest: dict[str, Any]) -> str:
    lines = [
        _("asfnet exit package %(id)s, created %(created)s (asfnet %(version)s).")
        % {"id": manifest["package_id"], "created": manifest["created"], "version": manifest["asfnet_version"]},
        "",
        _(
            "The package follows E-ARK SIP (FGS Paketstruktur 2.0). METS.xml lists every file with its size and "
            "SHA-256 checksum. metadata/descriptive/manifest.json holds the same list, the number of rows of "
            "every table and what was left out and why; metadata/preservation/schema.json describes every table "
            "(columns, types, primary key, foreign keys)."
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


def build_package(*, package_id: str, language: str, progress: Progress | None = None) -> tuple[bytes, dict[str, Any]]:
    """The exit package as ZIP bytes, and a summary: {"package_id", "created", "files": {path: rows}}."""

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
        rep1_mets = Entry(
            "representations/rep1/METS.xml",
            mets_xml(
                objid=f"{package_id}-rep1",
                label="rep1",
                created=created,
                version=version,
                entries=data,
                base="representations/rep1/",
                root=False,
            ),
        )
        rep2_mets = Entry(
            "representations/rep2/METS.xml",
            mets_xml(
                objid=f"{package_id}-rep2",
                label="rep2",
                created=created,
                version=version,
                entries=open_formats,
                base="representations/rep2/",
                root=False,
            ),
        )
        schema_entry = Entry(SCHEMA, _json(schema))
        described = [schema_entry, rep1_mets, *data, rep2_mets, *open_formats]
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
    everything = [manifest_entry, schema_entry, readme, rep1_mets, *data, rep2_mets, *open_formats]
    root_mets = mets_xml(
        objid=package_id,
        label=package_id,
        created=created,
        version=version,
        entries=everything,
        base="",
        root=True,
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
