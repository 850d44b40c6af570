"""Everything asfnet holds about one person, as a ZIP a data subject can read (GDPR art. 15, right of access).

A person is a user (by account) or a participant (by funded project and pseudonymous code). What is "theirs"
is found by walking the model metadata, not by a list of tables, so a model added later is exported without
anyone remembering to add it:

* every row of every installed model with a relation (foreign key, one-to-one, many-to-many) to the person;
* the rows that exist only because of one of those (their relation cascades on delete: a participant's
  needs, then the proposals for those needs …), followed until nothing new is found;
* for a user, every row with an e-mail field holding one of the user's addresses (an invitation sent to it,
  a registration as a guest before the account existed);
* the audit entries the person made and every audit entry about any row found (who read or changed it).

What is left out is declared in `EXCLUDED` (a model) and `SECRET_FIELDS` (a column), each with its reason;
`tests/asfnet/test_personal_data.py` fails when a relation to a person is neither walked nor declared.
Other people in the person's rows (who proposed, who invited) are shown as "another person", never by name
or address: the right of access is to one's own data (art. 15(4)).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel import tabular
from kernel.audit import audit_log, target_id_of
from kernel.models import AuditLog, User
from matchmaking.models import Participant

# Models with a relation to a person that the export leaves out, and why.
EXCLUDED: dict[str, str] = {
    "account.EmailConfirmation": "a one-time confirmation key, valid for a few days; the address it confirms "
    "is exported from account.EmailAddress",
    "asfnet.OutboxEmail": "mail in transit, deleted as soon as it is sent; its content is the notification or "
    "message exported elsewhere",
    "asfnet.SentEmail": "a send-once key (a hash of the message id), no content",
}

# Columns never exported: secrets that would let the holder of the ZIP act as the person, or the stored
# hash of such a secret. The row itself is exported without them.
SECRET_FIELDS: dict[str, dict[str, str]] = {
    "asfnet.User": {"password": "the password hash"},
    "mfa.Authenticator": {"data": "the authenticator's secret seed and recovery codes"},
    "usersessions.UserSession": {"session_key": "would open the session", "data": "session internals"},
    "directory.Invitation": {"token_hash": "hash of the invitation link"},
    "events.Registration": {"token_hash": "hash of the registration's private link"},
    "events.CalendarFeedToken": {"token_hash": "hash of the private calendar feed link"},
    "reports.ReportRun": {"claim_token": "a worker's lock, no meaning outside the queue"},
}

ANOTHER_PERSON = "another person"


@dataclass(frozen=True)
class Subject:
    """The person an export is about."""

    row: User | Participant
    label: str  # an e-mail address, or PROJECT:CODE

    @property
    def emails(self) -> frozenset[str]:
        if not isinstance(self.row, User):
            return frozenset()

        addresses = {self.row.email, *EmailAddress.objects.filter(user=self.row).values_list("email", flat=True)}
        return frozenset(address.lower() for address in addresses if address)


class SubjectNotFound(Exception):
    """No user with that e-mail, or no participant with that project and code."""


def user_subject(email: str) -> Subject:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise SubjectNotFound(_("No user has the e-mail address %(email)s.") % {"email": email})
    return Subject(row=user, label=user.email)


def participant_subject(reference: str) -> Subject:
    """`PROJECT:CODE`: the funded project's reference number (diarienummer) and the participant's code."""
    project, sep, code = reference.partition(":")
    if not sep or not project.strip() or not code.strip():
        raise SubjectNotFound(
            _("Give the participant as PROJECT:CODE (the project's reference number and the participant's code).")
        )
    participant = (
        Participant.objects.select_related("project")
        .filter(project__diarienummer=project.strip(), code=code.strip())
        .first()
    )
    if participant is None:
        raise SubjectNotFound(
            _("No participant %(code)s in project %(project)s.") % {"code": code.strip(), "project": project.strip()}
        )
    return Subject(row=participant, label=f"{participant.project.diarienummer}:{participant.code}")


# --- The walk ---------------------------------------------------------------------------------------------


def relations_to(target: type[models.Model]) -> list[models.Field[Any, Any]]:
    """Every foreign key and one-to-one field of every installed model (many-to-many links included, as their
    auto-created through models) that points at `target`."""
    return [
        model_field
        for model in apps.get_models(include_auto_created=True)
        for model_field in model._meta.concrete_fields
        if model_field.is_relation and model_field.related_model is target
    ]


def _label(model: type[models.Model]) -> str:
    return model._meta.label


def _cascades(model_field: models.Field[Any, Any]) -> bool:
    on_delete = getattr(model_field.remote_field, "on_delete", None)
    return on_delete is models.CASCADE


@dataclass
class Found:
    """The rows found about a subject, by model label, each once."""

    rows: dict[str, dict[Any, models.Model]] = field(default_factory=dict)

    def add(self, row: models.Model) -> bool:
        bucket = self.rows.setdefault(_label(type(row)), {})
        if row.pk in bucket:
            return False
        bucket[row.pk] = row
        return True

    def count(self) -> int:
        return sum(len(bucket) for bucket in self.rows.values())


def collect(subject: Subject) -> Found:
    """Every row about `subject` (see the module's description)."""
    found = Found()
    found.add(subject.row)
    frontier: list[models.Model] = [subject.row]
    first = True
    while frontier:
        by_model: dict[type[models.Model], list[Any]] = {}
        for row in frontier:
            by_model.setdefault(type(row), []).append(row.pk)
        frontier = []
        for target, pks in by_model.items():
            for model_field in relations_to(target):
                model = model_field.model
                if _label(model) in EXCLUDED:
                    continue
                # From the person: every relation. From a row found on the way: only rows that live and die
                # with it (their own relation cascades), so an organisation a user belongs to is not "theirs".
                # Many-to-many links are rows of their auto-created through model, found like any other.
                if not first and not _cascades(model_field):
                    continue
                for row in model._default_manager.filter(**{f"{model_field.name}__in": pks}):
                    if found.add(row):
                        frontier.append(row)
        first = False
    for row in _rows_with_addresses(subject):
        found.add(row)
    about = models.Q(actor=subject.row) if isinstance(subject.row, User) else models.Q()
    for label, bucket in found.rows.items():
        ids = [target_id_of(row) for row in bucket.values()]
        about |= models.Q(target_type=label.lower(), target_id__in=ids)
    for entry in AuditLog.objects.filter(about):
        found.add(entry)
    return found


def _rows_with_addresses(subject: Subject) -> Iterator[models.Model]:
    addresses = subject.emails
    if not addresses:
        return
    for model in apps.get_models():
        if _label(model) in EXCLUDED:
            continue
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.EmailField):
                match = models.Q()
                for address in addresses:
                    match |= models.Q(**{f"{model_field.name}__iexact": address})
                yield from model._default_manager.filter(match)


# --- Writing ----------------------------------------------------------------------------------------------


def _value(subject: Subject, row: models.Model, model_field: models.Field[Any, Any]) -> Any:
    if model_field.is_relation:
        related_id = getattr(row, model_field.attname)
        if related_id is None:
            return None
        if model_field.related_model is User:
            return subject.label if related_id == subject.row.pk and isinstance(subject.row, User) else ANOTHER_PERSON
        related = getattr(row, model_field.name)
        return str(getattr(related, "code", None) or related)
    value = getattr(row, model_field.attname)
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "name") and isinstance(model_field, models.FileField):
        return value.name or None
    return value


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    secret = SECRET_FIELDS.get(_label(model), {})
    return [model_field for model_field in model._meta.concrete_fields if model_field.name not in secret]


def tables(subject: Subject, found: Found) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Per model label: the header (column names) and the rows, secrets left out, others anonymised."""
    result = {}
    for label in sorted(found.rows):
        model = apps.get_model(label)
        columns = _columns(model)
        rows = [[_value(subject, row, column) for column in columns] for row in found.rows[label].values()]
        result[label] = ([column.name for column in columns], rows)
    return result


README = {
    "sv": """Det här är allt asfnet har om {label}, hämtat {when}.

Varje tabell finns två gånger: som JSON (data/<tabell>.json) och som CSV för ett kalkylprogram
(data/<tabell>.csv). manifest.json räknar upp tabellerna och hur många rader var och en har.
Andra personer som förekommer i raderna (vem som föreslog, vem som bjöd in) visas som "another person".
Hemligheter (lösenordets hash, nycklar till tvåstegsverifiering, privata länkar) lämnas ute.
Granskningsloggen (asfnet.AuditLog) visar vad du har gjort och vem som har läst eller ändrat uppgifter om dig.

Frågor om personuppgifterna: kontakta samordningsförbundets dataskyddsombud (se sidan Integritet).
""",
    "en": """This is everything asfnet holds about {label}, taken {when}.

Every table is here twice: as JSON (data/<table>.json) and as CSV for a spreadsheet (data/<table>.csv).
manifest.json lists the tables and how many rows each has. Other people who appear in the rows (who proposed,
who invited) are shown as "another person". Secrets (the password hash, two-factor keys, private links) are
left out. The audit log (asfnet.AuditLog) shows what you did and who read or changed data about you.

Questions about your personal data: contact the data protection officer of the samordningsförbund (see the
Privacy page).
""",
}


def export_zip(subject: Subject, *, requested_by: User | None) -> bytes:
    """The ZIP of everything about `subject`. Audited: who asked, about whom, how many rows."""
    found = collect(subject)
    data = tables(subject, found)
    when = timezone.localtime().replace(microsecond=0)
    manifest = {
        "subject": subject.label,
        "created_at": when.isoformat(),
        "tables": {label: len(rows) for label, (_header, rows) in data.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for language, text in README.items():
            archive.writestr(f"README.{language}.txt", text.format(label=subject.label, when=when.isoformat()))
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for label, (header, rows) in data.items():
            records = [dict(zip(header, row, strict=True)) for row in rows]
            archive.writestr(
                f"data/{label}.json", json.dumps(records, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder)
            )
            archive.writestr(f"data/{label}.csv", tabular.write_csv(header, ([_csv(v) for v in row] for row in rows)))
    audit_log(
        actor=requested_by,
        action="personal_data.export",
        target=subject.row,
        data={"rows": found.count(), "tables": len(data)},
    )
    return buffer.getvalue()


def _csv(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return value


def export_file_name(subject: Subject) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in subject.label)
    return f"asfnet-personal-data-{safe}-{timezone.localdate():%Y%m%d}.zip"
