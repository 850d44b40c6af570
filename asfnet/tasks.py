"""Beat tasks of the site layer. Each calls one function."""

from __future__ import annotations

from celery import shared_task

from asfnet.processing import purge_personal_data as purge


@shared_task
def purge_personal_data() -> dict[str, int]:
    """Retention: every policy of asfnet/processing.py, daily."""
    return {policy: len(erased) for policy, erased in purge().items()}
