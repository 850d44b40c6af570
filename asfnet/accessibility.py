"""The accessibility statement's facts (DOS-lagen, 2018:1937, and Digg's rules for the statement, MDFFS 2019:2):
what was checked and with what result, the known gaps, and how to report a barrier.

The checked part is not written by hand: `make a11y` runs the browser registry (every page × role × language
through axe-core, tests/browser/test_a11y_registry.py) and scripts/a11y_results.py writes its results to
docs/accessibility/results.json, which this module reads. A test fails when the results no longer cover the
site's pages, so the statement cannot describe a smaller site than the one served.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

RESULTS_FILE = Path(settings.BASE_DIR) / "docs" / "accessibility" / "results.json"
STATEMENT_FIRST_PUBLISHED = dt.date(2026, 11, 25)


@dataclass(frozen=True)
class Gap:
    what: Any  # a lazy translated string
    workaround: Any


# Known gaps that the automated checks cannot see or do not cover; each with what a person can do meanwhile.
KNOWN_GAPS = (
    Gap(
        _("No manual expert review against WCAG 2.1 has been made yet; automated checks find only some problems."),
        _("Tell us about any barrier you meet (see below); we answer within five working days."),
    ),
    Gap(
        _("The map in the directory shows where organisations are as a picture; a map cannot say it in words."),
        _("The list beside the map carries the same organisations, places and facts as text."),
    ),
    Gap(
        _("Django's admin, used by coordinators only, is checked like the rest, but its scripts are not ours."),
        _("Everything coordinators need day to day is also available in the portal's own pages."),
    ),
)


@cache
def evaluation() -> dict[str, Any] | None:
    """The latest automated evaluation, or None when it has not been run (a new checkout)."""
    if not RESULTS_FILE.exists():
        return None
    results = json.loads(RESULTS_FILE.read_text(encoding="utf-8"))
    results["checked_on"] = dt.date.fromisoformat(results["checked_on"])
    return results
