"""A run's result as people read it: translated headings and labels, the ESF+ table, the project's
measures and the Finsam/SUS counts as sections, each with a chart, and small-cell suppression. One shape for
the HTML page, the XLSX workbook and the PDF, so the three always show the same numbers.

The CSV stays machine-readable (codes and keys first, see outputs.rows); it takes its headers and the names
next to the codes from here (`indicator_name`, `measure_title`, `group_labeller`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from directory.models import Municipality, OrganisationKind
from events.models import EventKind
from matchmaking.models import AgreementKind, OutcomeEvent
from reports import charts
from reports.indicators import (
    ENTITY_CODES,
    IMMEDIATE_CODES,
    LONGER_CODES,
    OUTPUT_CODES,
    RULES_VERSION,
    about_sentences,
    differing_cells,
    warning_sentences,
)
from reports.models import ReportKind, ReportRun, SupportKind

# Small-cell suppression for published reports: counts 1–4 are shown as "<5". Zero stays zero (it
# identifies nobody). Applied to the project's measures and the Finsam/SUS counts when the run asks for it;
# never to the ESF+ report (services.report_run_request refuses it).
SMALL_CELL_LIMIT = 5
SUPPRESSED = "<5"
MISSING = "–"  # a value the stored result lacks (never shown as a zero)

GENDER_CELLS = ("women", "men", "non_binary")

INDICATOR_NAMES: dict[str, Promise] = {
    "EECO01": gettext_lazy("Total participants"),
    "EECO02": gettext_lazy("Unemployed, including long-term unemployed"),
    "EECO03": gettext_lazy("Long-term unemployed"),
    "EECO04": gettext_lazy("Inactive"),
    "EECO05": gettext_lazy("Employed, including self-employed"),
    "EECO06": gettext_lazy("Children below 18 years of age"),
    "EECO07": gettext_lazy("Young people between 18 and 29 years of age"),
    "EECO08": gettext_lazy("Participants 55 years of age and above"),
    "EECO09": gettext_lazy("With lower secondary education or less (ISCED 0–2)"),
    "EECO10": gettext_lazy("With upper secondary or post-secondary education (ISCED 3–4)"),
    "EECO11": gettext_lazy("With tertiary education (ISCED 5–8)"),
    "EECO12": gettext_lazy("Participants with disabilities"),
    "EECO13": gettext_lazy("Third-country nationals"),
    "EECO14": gettext_lazy("Participants with a foreign background"),
    "EECO15": gettext_lazy("Minorities (including marginalised communities such as Roma)"),
    "EECO16": gettext_lazy("Homeless or affected by housing exclusion"),
    "EECO17": gettext_lazy("Participants from rural areas"),
    "EECO18": gettext_lazy("Public administrations or public services supported"),
    "EECO19": gettext_lazy("Micro, small and medium-sized enterprises supported (incl. social enterprises)"),
    "EECR01": gettext_lazy("Engaged in job searching upon leaving"),
    "EECR02": gettext_lazy("In education or training upon leaving"),
    "EECR03": gettext_lazy("Gaining a qualification upon leaving"),
    "EECR04": gettext_lazy("In employment, including self-employment, upon leaving"),
    "EECR05": gettext_lazy("In employment, including self-employment, six months after leaving"),
    "EECR06": gettext_lazy("With an improved labour-market situation six months after leaving"),
}

MEASURE_TITLES: dict[str, Promise] = {
    "organisations_engaged_by_kind": gettext_lazy("Organisations supported, by kind"),
    "organisations_engaged_by_municipality": gettext_lazy("Organisations supported, by municipality"),
    "events_held_by_kind": gettext_lazy("Events held, by type"),
    "attendance_by_organisation_kind": gettext_lazy("Attendance at events, by kind of organisation"),
    "attendance_by_municipality": gettext_lazy("Attendance at events, by municipality of the event"),
    "outcomes_by_event": gettext_lazy("Participants' labour-market events recorded in the period"),
    "agreements_by_kind": gettext_lazy("Agreements in force in the period, by kind"),
    # Finsam/SUS (reports/finsam/selectors.py)
    "efforts_by_type": gettext_lazy("Efforts in the period, by type"),
    "support_by_kind": gettext_lazy("Support given by the project, by kind"),
    "organisations_reached_by_kind": gettext_lazy("Organisations reached, by kind"),
    "organisations_reached_by_municipality": gettext_lazy("Organisations reached, by municipality"),
}
EFFORT_TYPES: dict[str, Promise] = {
    "events": gettext_lazy("Events held"),
    "support": gettext_lazy("Support to organisations"),
    "agreements": gettext_lazy("Agreements in force"),
    "partner_requests": gettext_lazy("Partner requests"),
}
KEY_FIGURES: dict[str, Promise] = {
    "verified_profiles": gettext_lazy("Verified organisation profiles"),
    "cross_sector_contacts": gettext_lazy("Cross-sector contacts at events"),
    "organisations_reached_by_events": gettext_lazy("Organisations reached by events"),
    "opportunities_open": gettext_lazy("Opportunities open at the end of the period"),
    "placements_started": gettext_lazy("Placements started"),
    "placements_ended": gettext_lazy("Placements ended"),
}
FINSAM_KEY_FIGURES: dict[str, Promise] = {
    "efforts_total": gettext_lazy("Efforts in the period"),
    "organisations_reached": gettext_lazy("Organisations reached"),
}


def gender_labels() -> list[str]:
    return [_("Women"), _("Men"), _("Non-binary")]


def report_language(run: ReportRun) -> str:
    """Files are written in the language of whoever asked for the run (scheduled runs: the default)."""
    languages = {code for code, _name in settings.LANGUAGES}
    preferred = getattr(run.requested_by, "preferred_language", "") if run.requested_by_id else ""
    return preferred if preferred in languages else settings.LANGUAGE_CODE


def suppresses(run: ReportRun) -> bool:
    """Small cells are hidden only in the project's own measures and the Finsam/SUS counts, and only when
    asked for."""
    return run.kind in (ReportKind.PROJECT, ReportKind.FINSAM) and bool(run.suppress_small_cells)


def indicator_name(code: str) -> str:
    """An ESF+ indicator's name in the active language ("" for a code without one)."""
    return str(INDICATOR_NAMES.get(code, ""))


def measure_title(key: str) -> str:
    """A measure's title in the active language (the key itself for one without a title)."""
    for titles in (MEASURE_TITLES, KEY_FIGURES, FINSAM_KEY_FIGURES):
        if key in titles:
            return str(titles[key])
    return key


def shown(value: Any, suppress: bool) -> Any:
    if suppress and isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALL_CELL_LIMIT:
        return SUPPRESSED
    return value


@dataclass
class Row:
    header: str  # the row header: an indicator code, or a group's label
    name: str  # the indicator's name ("" for measures)
    values: list[Any]


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]  # headings of the value columns
    rows: list[Row]
    chart: SafeString | str = ""
    name_column: bool = False  # ESF tables have a "name" column next to the code
    charted: int = 1  # how many of the value columns, from the first, the chart shows (not the total)
    axis: str = ""  # what the numbers count, for a chart's value axis


@dataclass
class ReportView:
    title: str
    project: str
    project_name: str
    period_from: str
    period_to: str
    sections: list[Section]
    warnings: list[str] = field(default_factory=list)
    about: list[str] = field(default_factory=list)  # what an ESF+ report says about itself
    marks: list[str] = field(default_factory=list)  # the rules it was computed under, delivered, re-run
    suppressed: bool = False
    files: list[tuple[str, int]] = field(default_factory=list)  # exit package: (file, rows)


def _chart_id(run: ReportRun, key: str) -> str:
    return f"chart-{str(run.code)[:8]}-{key}".replace("_", "-")


def _esf_participant_section(run: ReportRun, indicators: dict, key: str, title: str, codes: list[str]) -> Section:
    rows = [
        Row(
            code,
            str(INDICATOR_NAMES[code]),
            [indicators.get(code, {}).get(c, MISSING) for c in (*GENDER_CELLS, "total")],
        )
        for code in codes
    ]
    chart = charts.bar_chart(
        chart_id=_chart_id(run, key),
        title=title,
        description=_(
            "Bar chart of the table above: for each indicator one bar for women (solid), one for men "
            "(diagonal lines) and one for non-binary participants (dots), each labelled with its number."
        ),
        groups=[(row.header, row.values[:3]) for row in rows],
        series=gender_labels(),
    )
    return Section(
        key,
        title,
        [*gender_labels(), _("Total")],
        rows,
        chart,
        name_column=True,
        charted=len(GENDER_CELLS),
        axis=_("Participants"),
    )


def _esf_sections(run: ReportRun, result: dict[str, Any]) -> list[Section]:
    indicators = result["indicators"]
    sections = [
        _esf_participant_section(run, indicators, "output", _("Participants at entry (EECO01–EECO17)"), OUTPUT_CODES),
        _esf_participant_section(
            run, indicators, "results", _("Results (EECR01–EECR06)"), IMMEDIATE_CODES + LONGER_CODES
        ),
    ]
    entity_title = _("Entities supported (EECO18–EECO19)")
    entity_rows = [
        Row(code, str(INDICATOR_NAMES[code]), [indicators.get(code, {}).get("total", MISSING)]) for code in ENTITY_CODES
    ]
    sections.append(
        _counted_section(
            run,
            "entities",
            entity_title,
            _("Total"),
            entity_rows,
            description=_("Bar chart of the table above: one bar per indicator, labelled with its number."),
            name_column=True,
        )
    )
    return sections


def _counted_section(
    run: ReportRun, key: str, title: str, column: str, rows: list[Row], *, description: str, name_column: bool = False
) -> Section:
    """A table with one number a row under `column`, and its bar chart (none for a table without rows)."""
    chart: SafeString | str = ""
    if rows:
        chart = charts.bar_chart(
            chart_id=_chart_id(run, key),
            title=title,
            description=description,
            groups=[(row.header, row.values) for row in rows],
            series=[column],
        )
    return Section(key, title, [column], rows, chart, name_column=name_column, axis=column)


def group_labeller(measure: str) -> Callable[[str], str]:
    """The label of a measure's groups (a kind, a municipality …) in the active language."""

    choices: dict[str, Any] = {}
    if measure in ("organisations_engaged_by_kind", "attendance_by_organisation_kind", "organisations_reached_by_kind"):
        choices = dict(OrganisationKind.choices)
    elif measure.endswith("_by_municipality"):
        choices = dict(Municipality.objects.values_list("code", "name"))
    elif measure == "events_held_by_kind":
        choices = dict(EventKind.choices)
    elif measure == "outcomes_by_event":
        choices = dict(OutcomeEvent.choices)
    elif measure == "agreements_by_kind":
        choices = dict(AgreementKind.choices)
    elif measure == "support_by_kind":
        choices = dict(SupportKind.choices)
    elif measure == "efforts_by_type":
        choices = dict(EFFORT_TYPES)

    def label(key: str) -> str:
        if key in ("unknown", "-", ""):
            return _("Not given")
        if key == "total":
            return _("Total")
        return str(choices.get(key, key))

    return label


def _measure_sections(
    run: ReportRun, result: dict[str, Any], suppress: bool, key_figures: dict[str, Promise]
) -> list[Section]:
    measures: dict[str, dict[str, int]] = result.get("measures") or {}
    sections: list[Section] = []
    key_rows = [
        Row(str(label), "", [shown(measures[key].get("total", MISSING), suppress)])
        for key, label in key_figures.items()
        if key in measures
    ]
    if key_rows:
        sections.append(
            _counted_section(
                run,
                "key_figures",
                _("Key figures"),
                _("Number"),
                key_rows,
                description=_("Bar chart of the table above: one bar per figure, labelled with its number."),
            )
        )
    for key, groups in measures.items():
        if key in key_figures:
            continue
        title = measure_title(key)
        label = group_labeller(key)
        rows = [Row(label(group), "", [shown(value, suppress)]) for group, value in groups.items()]
        sections.append(
            _counted_section(
                run,
                key,
                title,
                _("Number"),
                rows,
                description=_("Bar chart of the table above: one bar per group, labelled with its number."),
            )
        )
    return sections


def esf_texts(run: ReportRun, result: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """An ESF+ run's marks (rules version, delivered, re-run), self-description and warnings in the active
    language. A result stored before the warnings were kept as counts has them as sentences already (in the
    language of whoever asked for it)."""
    stored = result.get("notes")
    warnings = warning_sentences(stored) if stored is not None else [str(w) for w in result.get("warnings", [])]
    return esf_marks(run, result), about_sentences(), warnings


def esf_marks(run: ReportRun, result: dict[str, Any]) -> list[str]:
    marks = []
    version = run.rules_version or result.get("rules_version", "")
    if version == RULES_VERSION:
        marks.append(_("Computed under the ESF+ definitions of %(version)s.") % {"version": version})
    elif version:
        marks.append(
            _(
                "Computed under the ESF+ definitions of %(version)s, which have since been revised (%(current)s). "
                "These are the figures as computed then; a new run of this report uses the current definitions."
            )
            % {"version": version, "current": RULES_VERSION}
        )
    if run.delivered_at:
        marks.append(
            _("Delivered to the funder on %(date)s. These figures stay as delivered.")
            % {"date": run.delivered_at.date().isoformat()}
        )
    original = run.rerun_of
    if original is not None and original.delivered_at:
        mark = _(
            "A new run of the report delivered to the funder on %(date)s (computed under the definitions of "
            "%(version)s). The delivered figures stay as they were."
        ) % {"date": original.delivered_at.date().isoformat(), "version": original.rules_version or "–"}
        if original.result and "indicators" in original.result and "indicators" in result:
            count = differing_cells(original.result["indicators"], result["indicators"])
            mark += " " + ngettext(
                "%(count)s cell differs from the delivered report.",
                "%(count)s cells differ from the delivered report.",
                count,
            ) % {"count": count}
        marks.append(mark)
    return marks


def finsam_about() -> list[str]:
    """What a Finsam/SUS report counts (reports/finsam/selectors.py), for the page and the files."""
    return [
        _(
            "Structure-oriented work as volume counts for SUS: efforts held in the period and the organisations "
            "they reached. No participant or other person is counted or named."
        ),
        _(
            "Efforts: published events held in the period, the project's direct support records dated in it, "
            "agreements in force at some time in it and partner requests made in it."
        ),
        _(
            "Organisations reached: each organisation counted once, whether it was supported, present at an "
            "event, party to an agreement or made a partner request."
        ),
    ]


def present(run: ReportRun, result: dict[str, Any] | None = None) -> ReportView:
    """The run's result ready for a template or a workbook, in the active language."""
    result = result if result is not None else (run.result or {})
    suppress = suppresses(run)
    project = run.project
    if run.kind == ReportKind.ESF and "indicators" in result:
        sections = _esf_sections(run, result)
    elif run.kind == ReportKind.PROJECT:
        sections = _measure_sections(run, result, suppress, KEY_FIGURES)
    elif run.kind == ReportKind.FINSAM:
        sections = _measure_sections(run, result, suppress, FINSAM_KEY_FIGURES)
    else:
        sections = []
    files = sorted((result.get("files") or {}).items()) if run.kind == ReportKind.EXIT_PACKAGE else []
    if run.kind == ReportKind.ESF and "indicators" in result:
        marks, about, warnings = esf_texts(run, result)
    else:
        marks, about, warnings = [], [], [str(w) for w in result.get("warnings", [])]
    if run.kind == ReportKind.FINSAM:
        about = finsam_about()
    return ReportView(
        title=str(ReportKind(run.kind).label),
        project=project.diarienummer if project else "",
        project_name=project.name if project else "",
        period_from=run.period_from.isoformat() if run.period_from else "",
        period_to=run.period_to.isoformat() if run.period_to else "",
        sections=sections,
        warnings=warnings,
        about=about,
        marks=marks,
        suppressed=suppress,
        files=files,
    )
