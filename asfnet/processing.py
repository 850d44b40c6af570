"""The record of processing (GDPR art. 30) and the retention policy of each kind of personal data, in one
declaration: the privacy page (`/privacy/`) is drawn from it and the daily purge applies it, so what the page
promises and what the purge does cannot disagree.

Each `Processing` says why asfnet holds a kind of personal data, on which legal ground, about whom, what, who
receives it and how long it is kept; `purge` (when the data has an end) finds what is due and erases it,
returning one `kernel.erasure.Erased` per person or object for the erasure journal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory.outdated.services import outdated_report_contacts_erase_due
from directory.services import account_erase, inactive_accounts_erase, inactive_accounts_warn
from events.models import Event
from events.services import event_purge_personal_data, events_purge_due
from kernel.audit import audit_log
from kernel.erasure import Erased, journal
from kernel.models import ErasureRecord, User
from matchmaking.models import Participant
from matchmaking.services import participants_erase_due
from reports.models import ReportFile
from reports.services import report_files_erase_due

Purge = Callable[[dt.datetime, bool], list[Erased]]


@dataclass(frozen=True)
class Processing:
    key: str
    name: Any  # a (lazily translated) heading
    purpose: Any
    legal_ground: Any
    people: Any  # whose data
    data: Any  # which data
    recipients: Any
    retention: Callable[[], str]  # the period in words, from the settings the purge reads
    purge: Purge | None = None  # None: kept as long as the purpose lasts (said in `retention`)
    special: Any = ""  # special categories (art. 9), if any


def _months(setting: str) -> Callable[[], str]:
    def text() -> str:
        months = getattr(settings, setting)
        return ngettext("%(count)s month", "%(count)s months", months) % {"count": months}

    return text


def _days(setting: str) -> Callable[[], str]:
    def text() -> str:
        days = getattr(settings, setting)
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}

    return text


def _period(text: Any, setting: str, *, unit: str = "days") -> Callable[[], str]:
    """A retention sentence with its `%(period)s` filled, when read, from the setting the purge reads."""
    words = _months(setting) if unit == "months" else _days(setting)
    return lambda: str(text) % {"period": words()}


def _participants(now: dt.datetime, dry_run: bool) -> list[Erased]:
    return participants_erase_due(today=timezone.localdate(now), dry_run=dry_run)


def _event_answers(now: dt.datetime, dry_run: bool) -> list[Erased]:
    return events_purge_due(now=now, dry_run=dry_run)


def _accounts(now: dt.datetime, dry_run: bool) -> list[Erased]:
    erased = inactive_accounts_erase(now=now, dry_run=dry_run)  # those warned at least the notice period ago
    if not dry_run:
        inactive_accounts_warn(now=now)  # then the warnings of those whose turn comes within the notice period
    return erased


def _report_files(now: dt.datetime, dry_run: bool) -> list[Erased]:
    return report_files_erase_due(now=now, dry_run=dry_run)


def _outdated_report_contacts(now: dt.datetime, dry_run: bool) -> list[Erased]:
    return outdated_report_contacts_erase_due(now=now, dry_run=dry_run)


PUBLIC_TASK = _(
    "Public task (GDPR art. 6.1 e): the samordningsförbund's coordinated rehabilitation under the Act on "
    "financial coordination of rehabilitation measures (2003:1210)."
)

PROCESSING: list[Processing] = [
    Processing(
        key="accounts",
        name=_("Accounts and memberships"),
        purpose=_(
            "To let people of the network's organisations log in, keep their organisation's profile and work together."
        ),
        legal_ground=PUBLIC_TASK,
        people=_("Staff of ASF, municipalities, agencies, businesses and the förbund who have an account."),
        data=_(
            "Name, e-mail address, language, the organisations you belong to and your role, log-in times, "
            "two-factor settings, and a log of what you change."
        ),
        recipients=_("The other members of your organisations and the förbund's coordinators. No one outside asfnet."),
        retention=lambda: str(
            _("As long as you have the account. An account nobody has logged in to for %(period)s is deleted.")
            % {"period": _months("ACCOUNT_INACTIVE_MONTHS")()}
            + " "
            + ngettext(
                "You are warned by e-mail %(days)d day before.",
                "You are warned by e-mail %(days)d days before.",
                settings.ACCOUNT_INACTIVE_WARNING_DAYS,
            )
            % {"days": settings.ACCOUNT_INACTIVE_WARNING_DAYS}
        ),
        purge=_accounts,
    ),
    Processing(
        key="participants",
        name=_("Participants in placements"),
        purpose=_(
            "To match people far from the labour market with placements, follow them up, and report the "
            "figures the ESF+ programme requires."
        ),
        legal_ground=_(
            "Public task (GDPR art. 6.1 e) and, for health data, art. 9.2 h with the Act on financial "
            "coordination of rehabilitation measures (2003:1210); ESF+ reporting: Regulation (EU) 2021/1057, "
            "annex I."
        ),
        people=_("Participants of the förbund's funded projects, known only by a code."),
        data=_(
            "A pseudonymous code, gender, date of birth, municipality, situation on the labour market, "
            "education level, the programme's background questions, needs and placements, and results."
        ),
        special=_("Disability and the adaptations a person needs are health data (art. 9)."),
        recipients=_(
            "The officer who raised the participant and their organisation, the host of a placement "
            "(needs only, never the background), the förbund's coordinators; the funder receives counts only."
        ),
        retention=_period(
            _(
                "%(period)s after both the participant's exit and the project's end (the five years ESF+ documents "
                "are kept for audit). Reports already delivered keep their counts."
            ),
            "PARTICIPANT_RETENTION_MONTHS",
            unit="months",
        ),
        purge=_participants,
    ),
    Processing(
        key="event_answers",
        name=_("Event registrations"),
        purpose=_("To run the network's events: places, waiting lists, reminders and attendance."),
        legal_ground=PUBLIC_TASK,
        people=_("People who register for an event, with or without an account."),
        data=_(
            "Name and e-mail address of guests, dietary and accessibility needs, the answers to the organiser's "
            "questions, the organiser's decision and message on an event that needs approval, the messages the "
            "organiser sends, attendance and certificates of attendance."
        ),
        special=_("Accessibility needs, and answers to an organiser's questions, may be health data (art. 9)."),
        recipients=_("The organiser of the event."),
        retention=_period(
            _(
                "Names, e-mail addresses and answers are removed %(period)s after the event (an organiser may "
                "choose a shorter time); who came, from which kind of organisation, is kept for the reports."
            ),
            "EVENTS_RETENTION_DAYS",
        ),
        purge=_event_answers,
    ),
    Processing(
        key="report_files",
        name=_("Report files"),
        purpose=_("To deliver the funder's reports and hand over a project at its end."),
        legal_ground=PUBLIC_TASK,
        people=_("Participants (an exit package holds their pseudonymous records); reports hold counts only."),
        data=_("Counts per indicator; in an exit package, the project's pseudonymous participant records."),
        recipients=_("The förbund's coordinators; the funder receives the delivered report."),
        retention=_period(
            _(
                "Files are deleted after %(period)s unless the report was delivered to the funder (then it holds "
                "counts only and is kept with the project's records)."
            ),
            "REPORT_FILES_KEEP_DAYS",
        ),
        purge=_report_files,
    ),
    Processing(
        key="outdated_reports",
        name=_("Reports of outdated information"),
        purpose=_("To let anyone tell an organisation that its public profile is wrong, and to let it answer."),
        legal_ground=PUBLIC_TASK,
        people=_("Visitors who report outdated information and choose to give their e-mail address."),
        data=_("The report's text and, only if given, the reporter's e-mail address."),
        recipients=_("The members of the organisation the report is about and the förbund's coordinators."),
        retention=_period(
            _("The e-mail address is erased %(period)s after the report has been closed; the report itself stays."),
            "OUTDATED_REPORT_CONTACT_KEEP_DAYS",
        ),
        purge=_outdated_report_contacts,
    ),
    Processing(
        key="audit_log",
        name=_("Audit log"),
        purpose=_("To account for every read and change of personal data (GDPR art. 5.2 and 32)."),
        legal_ground=_("Legal obligation (GDPR art. 6.1 c): security of processing, art. 32."),
        people=_("Everyone who uses asfnet, and the participants whose data is read."),
        data=_("Who did what, when, to which object (by its code), from which request. Never the values."),
        recipients=_("The förbund's coordinators and data protection officer."),
        retention=lambda: str(_("Kept as long as the data it accounts for, and never changed.")),
    ),
]


def processing(key: str) -> Processing:
    return next(item for item in PROCESSING if item.key == key)


def purge_personal_data(*, now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, list[Erased]]:
    """Apply every retention policy: erase what is due, write each erasure to the journal in the same
    transaction as the policy's erasures. Idempotent: what was erased is not found again. A dry run erases
    and journals nothing and returns what would be erased."""
    now = now or timezone.now()
    done: dict[str, list[Erased]] = {}
    for item in PROCESSING:
        if item.purge is None:
            continue
        with transaction.atomic():
            erased = item.purge(now, dry_run)
            if erased and not dry_run:
                journal(item.key, erased)
                audit_log(
                    actor=None,
                    action="personal_data.purge",
                    data={"policy": item.key, "erased": len(erased), "rows": sum(e.rows for e in erased)},
                )
        done[item.key] = erased
    return done


# --- Erasures again after a restore ----------------------------------------------------------------------------
# A backup restored from before an erasure brings the erased rows back (and loses the journal rows written
# since). The journal's file copy outside the database (kernel/erasure.py) says what to erase again: each
# kind of target is erased as the policy or the request erased it.
def _erase_participant(target_id: str) -> int:
    project_id, _sep, code = target_id.partition(":")
    if not project_id.isdigit():
        return 0
    return Participant.objects.filter(project_id=int(project_id), code=code).delete()[0]


def _erase_user(target_id: str) -> int:
    user = User.objects.filter(code=target_id).first()
    if user is None:
        return 0
    return account_erase(user=user, policy="reapplied").rows


def _purge_event(target_id: str) -> int:
    event = Event.objects.filter(code=target_id, personal_data_purged_at__isnull=True).first()
    return event_purge_personal_data(event=event) if event else 0


def _delete_report_files(target_id: str) -> int:
    files = list(ReportFile.objects.filter(run__code=target_id, run__delivered_at__isnull=True))
    for report_file in files:
        report_file.delete()
        transaction.on_commit(functools.partial(report_file.file.storage.delete, report_file.file.name))
    return len(files)


ERASE_AGAIN: dict[str, Callable[[str], int]] = {
    "matchmaking.participant": _erase_participant,
    "asfnet.user": _erase_user,
    "events.event": _purge_event,
    "reports.reportrun": _delete_report_files,
}


@dataclass(frozen=True)
class Reapplied:
    entries: int  # entries read from the journal file
    erased: int  # targets found again in the database and erased again
    rows: int  # rows removed or anonymised with them
    journalled: int  # journal rows the database had lost and has again


def reapply_erasures(*, entries: list[dict[str, Any]], dry_run: bool = False) -> Reapplied:
    """Erase again every target of the journal `entries` that the database holds again, and put back the
    journal rows it lost, in one transaction with one audit row. Idempotent: a second run finds nothing."""
    erased = rows = journalled = 0
    with transaction.atomic():
        for entry in entries:
            eraser = ERASE_AGAIN.get(entry["target_type"])
            if eraser is None:
                raise ValueError(f"the journal names an unknown kind of target: {entry['target_type']}")
            if dry_run:
                continue
            removed = eraser(entry["target_id"])
            if removed:
                erased += 1
                rows += removed
            record = ErasureRecord(
                created_at=entry["created_at"],
                policy=entry["policy"],
                target_type=entry["target_type"],
                target_id=entry["target_id"],
                action=entry["action"],
                rows=entry["rows"],
            )
            record.full_clean()
            known = ErasureRecord.objects.filter(
                created_at=record.created_at,
                policy=record.policy,
                target_type=record.target_type,
                target_id=record.target_id,
            )
            if not known.exists():
                record.save()  # not through `journal`: the file has this entry already
                journalled += 1
        result = Reapplied(entries=len(entries), erased=erased, rows=rows, journalled=journalled)
        if not dry_run and (erased or journalled):
            audit_log(actor=None, action="personal_data.reapply", data=dataclasses.asdict(result))
    return result
