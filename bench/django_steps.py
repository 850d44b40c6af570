"""The Django-side steps every benchmark takes first, in its fresh database: migrate (timed) and, for those that
start gunicorn with DEBUG off, collectstatic. Imported by a benchmark's main() after django.setup()
(bench/harness.py), with its measurement module (bench/measure_*.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.management import call_command


def migrate(log: Callable[[str], None]) -> float:
    """Create the schema in the fresh bench database; returns the seconds it took."""
    started = time.perf_counter()
    log("migrating")
    call_command("migrate", verbosity=0, interactive=False)
    return round(time.perf_counter() - started, 2)


def collectstatic(log: Callable[[str], None]) -> None:
    """The hashed static files gunicorn serves with DEBUG off."""
    log("collectstatic (DEBUG off serves the hashed files)")
    call_command("collectstatic", interactive=False, verbosity=0)
