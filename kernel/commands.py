"""Management commands that speak the user's language: `--language sv|en` on every command that prints
messages for a person (row errors of an import, the warnings of a report)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation


class TranslatedCommand(BaseCommand):
    """A command whose messages are in the language chosen with `--language` (default: the active language,
    else the site's). Subclasses write `handle` as usual."""

    language_help = "language of the messages (default: the active language)"

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=None,
            help=self.language_help,
        )
        return parser

    def execute(self, *args: Any, **options: Any) -> str | None:
        language = options.get("language") or translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            return super().execute(*args, **options)
