"""`manage.py import_participants --project DNR [--project-name NAME] [--organisation ORGNR]
[--language sv|en] participants.csv outcomes.csv`

Brings existing spreadsheet data of a funded project in (columns: docs/import-participants.md). All or
nothing: prints one line per problem (`participants.csv, row 3, column exit_date: …`) in the active language
and exits with status 1 when there is any, having saved nothing. Re-running it with the same files changes
nothing: participants are updated by project + code, events are not added twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.models import Forbund
from kernel.commands import TranslatedCommand
from matchmaking.imports import participant_import


class Command(TranslatedCommand):
    help = "Import participants and their labour-market events of a funded project (docs/import-participants.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("participants", type=Path, help="participants CSV (UTF-8, comma- or semicolon-separated)")
        parser.add_argument("outcomes", type=Path, help="labour-market events CSV: participant_code, date, event")
        parser.add_argument("--project", required=True, help="the funded project's reference number, e.g. 23-051-S06")
        parser.add_argument("--project-name", default="", help="the project's name; required when it does not exist")
        parser.add_argument(
            "--forbund", default="", help="the förbund's identifier (slug); needed when the installation has several"
        )
        parser.add_argument(
            "--organisation",
            default="",
            help="orgnr of the organisation that raised every participant "
            "(default: the municipality organisation of each row's municipality)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sources = {}
        for key in ("participants", "outcomes"):
            path: Path = options[key]
            try:
                sources[key] = path.read_bytes()
            except OSError as error:
                message = _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": error.strerror}
                raise CommandError(message) from None
        forbund = None
        if options["forbund"]:
            forbund = Forbund.objects.filter(slug=options["forbund"]).first()
            if forbund is None:
                raise CommandError(_("There is no förbund %(slug)s.") % {"slug": options["forbund"]})
        report = participant_import(
            actor=None,
            forbund=forbund,
            project=options["project"],
            project_name=options["project_name"],
            organisation=options["organisation"],
            participants=sources["participants"],
            outcomes=sources["outcomes"],
            file_names=(options["participants"].name, options["outcomes"].name),
        )
        for problem in report.errors:
            self.stderr.write(str(problem))
        if not report.ok:
            count = len(report.errors)
            message = ngettext("%(count)s problem; nothing was saved.", "%(count)s problems; nothing was saved.", count)
            raise CommandError(message % {"count": count}, returncode=1)
        assert report.project is not None
        if report.project_created:
            self.stdout.write(_("Created the project %(project)s.") % {"project": report.project})
        counts = [
            ngettext("%(count)s participant was created.", "%(count)s participants were created.", report.created)
            % {"count": report.created},
            ngettext("%(count)s participant was updated.", "%(count)s participants were updated.", report.updated)
            % {"count": report.updated},
            ngettext(
                "%(count)s labour-market event was added.",
                "%(count)s labour-market events were added.",
                report.outcomes_created,
            )
            % {"count": report.outcomes_created},
            ngettext(
                "%(count)s labour-market event was already there.",
                "%(count)s labour-market events were already there.",
                report.outcomes_already_there,
            )
            % {"count": report.outcomes_already_there},
            ngettext(
                "%(count)s labour-market event was completed with what improved.",
                "%(count)s labour-market events were completed with what improved.",
                report.outcomes_completed,
            )
            % {"count": report.outcomes_completed},
        ]
        self.stdout.write(self.style.SUCCESS(f"{report.project.diarienummer}: {' '.join(counts)}"))
