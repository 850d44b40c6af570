"""`manage.py export_personal_data --user EMAIL | --participant PROJECT:CODE --out FILE [--language sv|en]`

For a data subject's request of access (GDPR art. 15), made to the data protection officer or a coordinator:
writes the same ZIP a user downloads from their account page (see asfnet/personal_data.py). PROJECT is the
funded project's reference number (diarienummer). The export is audited as made by the system."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from asfnet import personal_data
from kernel.commands import TranslatedCommand


class Command(TranslatedCommand):
    help = "Write everything asfnet holds about one user or one participant to a ZIP file (GDPR art. 15)."

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", metavar="EMAIL", help="the user's e-mail address")
        who.add_argument("--participant", metavar="PROJECT:CODE", help="the project's reference number and code")
        parser.add_argument("--out", type=Path, required=True, help="the ZIP file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["user"]:
                subject = personal_data.user_subject(options["user"])
            else:
                subject = personal_data.participant_subject(options["participant"])
        except personal_data.SubjectNotFound as error:
            raise CommandError(str(error)) from None
        out: Path = options["out"]
        content = personal_data.export_zip(subject, requested_by=None)
        try:
            out.write_bytes(content)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(file)s: %(reason)s") % {"file": out, "reason": error.strerror}
            ) from None
        self.stdout.write(_("Wrote %(file)s.") % {"file": out})
