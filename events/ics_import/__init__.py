"""Importing an organiser's existing calendar (an .ics file or its address) into draft events."""

from events.ics_import.services import ImportResult, ics_import, ics_import_url

__all__ = ["ImportResult", "ics_import", "ics_import_url"]
