"""Importing an organiser's existing calendar (an .ics file) into draft events."""

from events.ics_import.services import ImportResult, ics_import

__all__ = ["ImportResult", "ics_import"]
