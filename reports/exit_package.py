"""The exit package: everything the network would need to carry on elsewhere, in open formats, as one ZIP.

* `directory/` — the directory's open data package (Frictionless Data Package with HSDS 3.0 JSON), built
  by directory.api.datapackage.datapackage_zip and unpacked here.
* one CSV (UTF-8, comma, header row) per table a coordinator may see that holds no personal data about
  participants or individual people: organisations (all, also unpublished), memberships (organisation and
  role only — no names or e-mail addresses), funded projects, events (with counts, no registrations),
  opportunities, partner requests, agreements, support records and the report-run history.
* `report_results.json` — the numbers of every finished report run.
* `events.ics` — every published event (UID `<event.code>@asfnet`, events/feeds/ical.py).
* `README.txt` — what is in the package and what is deliberately left out.

Left out: participants and everything about them (needs, placements, labour-market events), event
registrations, user accounts, invitations, the audit log, uploaded documents and logos.

Querysets are read with .iterator() and each CSV is written straight into the archive, so memory grows with
the size of the ZIP, not with Python objects per row."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory.models import Membership, Organisation
from events.models import Attendance, Event, EventStatus, RegistrationStatus
from kernel import tabular
from matchmaking.models import Agreement, FundedProject, Opportunity, PartnerAnswer, PartnerRequest
from reports.models import NOT_SUPPORT, ReportRun, RunStatus, SupportRecord
from reports.presentation import report_language

Progress = Callable[[int], None]


def _write_csv(archive: zipfile.ZipFile, name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> int:
    """One table as CSV (UTF-8 without a byte-order mark: a machine-readable package), written straight into
    the archive; returns the number of rows."""
    count = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield list(row)

    with archive.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        for line in tabular.csv_lines(header, counted(), bom=False):
            text.write(line)
    return count


Column = str | tuple[str, str] | tuple[str, Callable[[Any], Any]]


@dataclass(frozen=True)
class Table:
    """One CSV of the package: its rows (`queryset`, read in chunks) and its columns, each a header with the value
    under it — a name (header and attribute are the same), (header, dotted attribute) or (header, function)."""

    name: str
    queryset: Callable[[], QuerySet[Any]]
    columns: list[Column]
    chunk_size: int = 1000

    def header(self) -> list[str]:
        return [column if isinstance(column, str) else column[0] for column in self.columns]

    def rows(self) -> Iterator[list[Any]]:
        getters = [_getter(column) for column in self.columns]
        for obj in self.queryset().iterator(chunk_size=self.chunk_size):
            yield [get(obj) for get in getters]


def _getter(column: Column) -> Callable[[Any], Any]:
    if isinstance(column, str):
        return attrgetter(column)
    _header, value = column
    return attrgetter(value) if isinstance(value, str) else value


def _owner(attribute: str) -> Callable[[FundedProject], Any]:
    return lambda p: getattr(p.owner, attribute) if p.owner else ""


def _sorted_parties(a: Agreement) -> list[Organisation]:
    return sorted(a.parties.all(), key=lambda o: o.name)


TABLES: list[Table] = [
    Table(
        "organisations.csv",
        lambda: Organisation.objects.order_by("name", "pk"),
        [
            ("id", "code"),
            "name",
            "legal_name",
            ("orgnr", "orgnr_display"),
            "kind",
            ("kommunkod", "kommunkod_id"),
            "street_address",
            "postal_code",
            "city",
            "website",
            "email",
            "phone",
            "employees",
            "takes_placements",
            "placement_capacity",
            "published",
            "confirmed_at",
            "verified_at",
            "created_at",
        ],
        chunk_size=2000,
    ),
    Table(
        "memberships.csv",
        lambda: Membership.objects.select_related("organisation").order_by("organisation__name", "role", "created_at"),
        [
            ("organisation_id", "organisation.code"),
            ("organisation", "organisation.name"),
            "role",
            ("since", "created_at"),
        ],
        chunk_size=2000,
    ),
    Table(
        "funded_projects.csv",
        lambda: FundedProject.objects.select_related("owner").order_by("diarienummer"),
        [
            ("id", "code"),
            "diarienummer",
            "name",
            ("owner_orgnr", _owner("orgnr_display")),
            ("owner", _owner("name")),
            "starts_on",
            "ends_on",
            "programme_area",
            "objective",
        ],
    ),
    Table(
        "events.csv",
        lambda: (
            Event.objects.select_related("organiser")
            .annotate(
                registered=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
                attended=Count("registrations", filter=Q(registrations__attendance=Attendance.PRESENT)),
            )
            .order_by("start", "pk")
        ),
        [
            ("id", "code"),
            ("organiser_id", "organiser.code"),
            ("organiser", "organiser.name"),
            "kind",
            "status",
            "audience",
            "title_sv",
            "title_en",
            "description_sv",
            "description_en",
            "start",
            "end",
            "place_name",
            "street_address",
            ("kommunkod", lambda e: e.kommunkod_id or ""),
            "venue_accessibility",
            "capacity",
            "registered",
            "attended",
        ],
    ),
    Table(
        "opportunities.csv",
        lambda: Opportunity.objects.select_related("organisation", "service").order_by("organisation__name", "pk"),
        [
            ("id", "code"),
            ("organisation_id", "organisation.code"),
            ("organisation", "organisation.name"),
            "type",
            "title",
            "description",
            ("service", lambda o: o.service.slug if o.service_id else ""),
            "occupation_code",
            ("municipality", "municipality_id"),
            "hours_per_week_min",
            "hours_per_week_max",
            "places_total",
            "places_available",
            "supervisor_available",
            "starts_on",
            "ends_on",
            "published",
            "refreshed_at",
        ],
    ),
    Table(
        "partner_requests.csv",
        lambda: (
            PartnerRequest.objects.select_related("organisation", "service")
            .annotate(interested=Count("responses", filter=Q(responses__answer=PartnerAnswer.INTERESTED)))
            .order_by("created_at", "pk")
        ),
        [
            ("id", "code"),
            ("organisation_id", "organisation.code"),
            ("organisation", "organisation.name"),
            "title",
            "description",
            ("service", "service.slug"),
            ("municipality", "municipality_id"),
            "needed_by",
            "reserved_for_asf",
            "status",
            "interested",
            "created_at",
        ],
    ),
    Table(
        "agreements.csv",
        lambda: (
            Agreement.objects.prefetch_related("parties")
            .annotate(documents_count=Count("documents"))
            .order_by("starts_on", "pk")
        ),
        [
            ("id", "code"),
            "kind",
            "title",
            ("parties", lambda a: ";".join(o.name for o in _sorted_parties(a))),
            ("party_orgnrs", lambda a: ";".join(o.orgnr_display for o in _sorted_parties(a))),
            "starts_on",
            "ends_on",
            "value_sek",
            "note",
            ("documents", "documents_count"),
        ],
        chunk_size=500,
    ),
    Table(
        "support_records.csv",
        lambda: SupportRecord.objects.select_related("project", "organisation").order_by("date", "pk"),
        [
            ("id", "code"),
            ("project", "project.diarienummer"),
            ("organisation_id", "organisation.code"),
            ("organisation", "organisation.name"),
            ("orgnr", "organisation.orgnr_display"),
            "date",
            "kind",
            "direct",
            ("counts_as_support", lambda s: s.direct and s.kind not in NOT_SUPPORT),
            "note",
        ],
        chunk_size=2000,
    ),
    Table(
        "report_runs.csv",
        lambda: (
            ReportRun.objects.select_related("project", "rerun_of")
            .prefetch_related("files")
            .order_by("created_at", "pk")
        ),
        [
            ("id", "code"),
            "kind",
            ("project", lambda r: r.project.diarienummer if r.project else ""),
            "period_from",
            "period_to",
            ("small_cells_suppressed", "suppress_small_cells"),
            "scheduled",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "attempts",
            ("files", lambda r: ";".join(sorted(f.format for f in r.files.all()))),
            "error",
            "rules_version",
            "delivered_at",
            ("rerun_of", lambda r: str(r.rerun_of.code) if r.rerun_of else ""),
        ],
        chunk_size=500,
    ),
]


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


def _calendar(language: str) -> tuple[bytes, int]:
    from events.feeds.ical import calendar_bytes

    events = list(Event.objects.filter(status=EventStatus.PUBLISHED).select_related("organiser").order_by("start"))
    return calendar_bytes(events, name="asfnet", language=language), len(events)


def _readme(files: dict[str, int | None], created: str) -> str:
    lines = [
        _("asfnet exit package, created %(created)s.") % {"created": created},
        "",
        _(
            "Everything here is in open formats: CSV (UTF-8, comma-separated, one header row), JSON and "
            "iCalendar. Text cells that would begin with =, +, - or @ start with an apostrophe so that "
            "spreadsheet programs do not run them as formulas."
        ),
        "",
        _("Files (rows or items):"),
    ]
    lines += [f"  {name}: {count}" if count is not None else f"  {name}" for name, count in sorted(files.items())]
    lines += [
        "",
        _(
            "Left out on purpose: participants and everything about them (needs, placements, labour-market "
            "events), event registrations, user accounts and e-mail addresses of people, invitations, the "
            "audit log, uploaded documents and logos."
        ),
        "",
    ]
    return "\n".join(lines)


def build(run: ReportRun, progress: Progress | None = None) -> tuple[bytes, dict[str, Any]]:
    """The package as ZIP bytes, and the run's result: {"files": {name: rows}, "created": …}."""
    from directory.api.datapackage import datapackage_zip

    def step(percent: int) -> None:
        if progress is not None:
            progress(percent)

    language = report_language(run)
    created = timezone.localtime().replace(microsecond=0).isoformat()
    files: dict[str, int | None] = {}
    buffer = io.BytesIO()
    with translation.override(language), zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(datapackage_zip())) as directory_package:
            for info in directory_package.infolist():
                archive.writestr(f"directory/{info.filename}", directory_package.read(info))
                files[f"directory/{info.filename}"] = None
        step(25)
        for index, table in enumerate(TABLES):
            files[table.name] = _write_csv(archive, table.name, table.header(), table.rows())
            step(25 + 50 * (index + 1) // len(TABLES))
        archive.writestr("report_results.json", _report_results())
        files["report_results.json"] = None
        calendar, event_count = _calendar(language)
        archive.writestr("events.ics", calendar)
        files["events.ics"] = event_count
        archive.writestr("README.txt", _readme(files, created))
    return buffer.getvalue(), {"created": created, "files": files}
