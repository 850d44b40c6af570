"""The reports benchmark's task subprocess (`python -m bench.reports --child-run RUN_ID`, started by
bench/measure_reports.py: measure_task_memory): runs the report task body on a queued ReportRun and prints one
JSON line with its memory and wall time.

Imported by bench/reports.py's main() after django.setup(), so every import is here at the top — and only
these: the task, its outputs (and WeasyPrint's PDF module when it loads) are imported before the memory
baseline, like a warm worker; nothing else of the benchmark (no factories, no seeding) is, so the baseline and
the peak are the task's.
"""

from __future__ import annotations

import contextlib
import json
import resource
import time
from pathlib import Path

from django.conf import settings

import reports.outputs  # imported before the baseline, like a warm worker
from reports import tasks
from reports.models import ReportFile

with contextlib.suppress(ImportError, OSError):  # WeasyPrint: outputs.render_files logs when it is missing
    import reports.pdf  # noqa: F401


def _proc_status_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process from /proc, in MiB. Unlike getrusage's ru_maxrss, which
    Linux carries across execve from the parent (the seeding process, holding its rows), VmHWM starts afresh
    with the new program."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)  # kB
    raise RuntimeError(f"{field} missing from /proc/self/status")


def child(run_id: int) -> int:
    """In the subprocess: run the task body and print one JSON line with max RSS and wall time."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    before = _proc_status_mib("VmRSS")
    peak_before = _proc_status_mib("VmHWM")
    began = time.perf_counter()
    tasks.run_report.apply(args=[run_id])
    wall = time.perf_counter() - began
    files = dict(ReportFile.objects.filter(run_id=run_id).values_list("format", "size"))
    print(
        json.dumps(
            {
                "rss_before_mib": before,
                "hwm_before_mib": peak_before,
                "rss_peak_mib": _proc_status_mib("VmHWM"),
                "ru_maxrss_mib_incl_parent": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "task_s": round(wall, 2),
                "files": files,
            }
        )
    )
    return 0
