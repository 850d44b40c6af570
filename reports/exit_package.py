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
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
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


def _organisations() -> Iterable[list[Any]]:
    queryset = Organisation.objects.order_by("name", "pk")
    for o in queryset.iterator(chunk_size=2000):
        yield [
            o.code,
            o.name,
            o.legal_name,
            o.orgnr_display,
            o.kind,
            o.kommunkod_id,
            o.street_address,
            o.postal_code,
            o.city,
            o.website,
            o.email,
            o.phone,
            o.employees,
            o.takes_placements,
            o.placement_capacity,
            o.published,
            o.confirmed_at,
            o.verified_at,
            o.created_at,
        ]


ORGANISATION_HEADER = [
    "id",
    "name",
    "legal_name",
    "orgnr",
    "kind",
    "kommunkod",
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
]


def _memberships() -> Iterable[list[Any]]:
    queryset = (
        Membership.objects.select_related("organisation")
        .order_by("organisation__name", "role", "created_at")
        .values_list("organisation__code", "organisation__name", "role", "created_at")
    )
    for row in queryset.iterator(chunk_size=2000):
        yield list(row)


def _projects() -> Iterable[list[Any]]:
    for p in FundedProject.objects.select_related("owner").order_by("diarienummer").iterator():
        yield [
            p.code,
            p.diarienummer,
            p.name,
            p.owner.orgnr_display if p.owner else "",
            p.owner.name if p.owner else "",
            p.starts_on,
            p.ends_on,
            p.programme_area,
            p.objective,
        ]


def _events() -> Iterable[list[Any]]:
    queryset = (
        Event.objects.select_related("organiser")
        .annotate(
            registered=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
            attended=Count("registrations", filter=Q(registrations__attendance=Attendance.PRESENT)),
        )
        .order_by("start", "pk")
    )
    for e in queryset.iterator(chunk_size=1000):
        yield [
            e.code,
            e.organiser.code,
            e.organiser.name,
            e.kind,
            e.status,
            e.audience,
            e.title_sv,
            e.title_en,
            e.description_sv,
            e.description_en,
            e.start,
            e.end,
            e.place_name,
            e.street_address,
            e.kommunkod_id or "",
            e.venue_accessibility,
            e.capacity,
            e.registered,
            e.attended,
        ]


def _opportunities() -> Iterable[list[Any]]:
    queryset = Opportunity.objects.select_related("organisation", "service").order_by("organisation__name", "pk")
    for o in queryset.iterator(chunk_size=1000):
        yield [
            o.code,
            o.organisation.code,
            o.organisation.name,
            o.type,
            o.title,
            o.description,
            o.service.slug if o.service_id else "",
            o.occupation_code,
            o.municipality_id,
            o.hours_per_week_min,
            o.hours_per_week_max,
            o.places_total,
            o.places_available,
            o.supervisor_available,
            o.starts_on,
            o.ends_on,
            o.published,
            o.refreshed_at,
        ]


def _partner_requests() -> Iterable[list[Any]]:
    queryset = (
        PartnerRequest.objects.select_related("organisation", "service")
        .annotate(interested=Count("responses", filter=Q(responses__answer=PartnerAnswer.INTERESTED)))
        .order_by("created_at", "pk")
    )
    for r in queryset.iterator(chunk_size=1000):
        yield [
            r.code,
            r.organisation.code,
            r.organisation.name,
            r.title,
            r.description,
            r.service.slug,
            r.municipality_id,
            r.needed_by,
            r.reserved_for_asf,
            r.status,
            r.interested,
            r.created_at,
        ]


def _agreements() -> Iterable[list[Any]]:
    queryset = Agreement.objects.prefetch_related("parties").annotate(documents_count=Count("documents"))
    for a in queryset.order_by("starts_on", "pk").iterator(chunk_size=500):
        parties = sorted(a.parties.all(), key=lambda o: o.name)
        yield [
            a.code,
            a.kind,
            a.title,
            ";".join(o.name for o in parties),
            ";".join(o.orgnr_display for o in parties),
            a.starts_on,
            a.ends_on,
            a.value_sek,
            a.note,
            a.documents_count,
        ]


def _support_records() -> Iterable[list[Any]]:
    queryset = SupportRecord.objects.select_related("project", "organisation").order_by("date", "pk")
    for s in queryset.iterator(chunk_size=2000):
        yield [
            s.code,
            s.project.diarienummer,
            s.organisation.code,
            s.organisation.name,
            s.organisation.orgnr_display,
            s.date,
            s.kind,
            s.direct,
            s.direct and s.kind not in NOT_SUPPORT,
            s.note,
        ]


def _report_runs() -> Iterable[list[Any]]:
    queryset = ReportRun.objects.select_related("project").prefetch_related("files").order_by("created_at", "pk")
    for r in queryset.iterator(chunk_size=500):
        yield [
            r.code,
            r.kind,
            r.project.diarienummer if r.project else "",
            r.period_from,
            r.period_to,
            r.suppress_small_cells,
            r.scheduled,
            r.status,
            r.created_at,
            r.started_at,
            r.finished_at,
            r.attempts,
            ";".join(sorted(f.format for f in r.files.all())),
            r.error,
        ]


TABLES: list[tuple[str, list[str], Callable[[], Iterable[list[Any]]]]] = [
    ("organisations.csv", ORGANISATION_HEADER, _organisations),
    ("memberships.csv", ["organisation_id", "organisation", "role", "since"], _memberships),
    (
        "funded_projects.csv",
        [
            "id",
            "diarienummer",
            "name",
            "owner_orgnr",
            "owner",
            "starts_on",
            "ends_on",
            "programme_area",
            "objective",
        ],
        _projects,
    ),
    (
        "events.csv",
        [
            "id",
            "organiser_id",
            "organiser",
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
            "kommunkod",
            "venue_accessibility",
            "capacity",
            "registered",
            "attended",
        ],
        _events,
    ),
    (
        "opportunities.csv",
        [
            "id",
            "organisation_id",
            "organisation",
            "type",
            "title",
            "description",
            "service",
            "occupation_code",
            "municipality",
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
        _opportunities,
    ),
    (
        "partner_requests.csv",
        [
            "id",
            "organisation_id",
            "organisation",
            "title",
            "description",
            "service",
            "municipality",
            "needed_by",
            "reserved_for_asf",
            "status",
            "interested",
            "created_at",
        ],
        _partner_requests,
    ),
    (
        "agreements.csv",
        ["id", "kind", "title", "parties", "party_orgnrs", "starts_on", "ends_on", "value_sek", "note", "documents"],
        _agreements,
    ),
    (
        "support_records.csv",
        [
            "id",
            "project",
            "organisation_id",
            "organisation",
            "orgnr",
            "date",
            "kind",
            "direct",
            "counts_as_support",
            "note",
        ],
        _support_records,
    ),
    (
        "report_runs.csv",
        [
            "id",
            "kind",
            "project",
            "period_from",
            "period_to",
            "small_cells_suppressed",
            "scheduled",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "attempts",
            "files",
            "error",
        ],
        _report_runs,
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
        for index, (name, header, rows) in enumerate(TABLES):
            files[name] = _write_csv(archive, name, header, rows())
            step(25 + 50 * (index + 1) // len(TABLES))
        archive.writestr("report_results.json", _report_results())
        files["report_results.json"] = None
        calendar, event_count = _calendar(language)
        archive.writestr("events.ics", calendar)
        files["events.ics"] = event_count
        archive.writestr("README.txt", _readme(files, created))
    return buffer.getvalue(), {"created": created, "files": files}
