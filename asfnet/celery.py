"""The Celery application. Configuration comes from Django settings (CELERY_*): JSON only, time limits,
late acknowledgement so a killed worker's task is redelivered. Every task is an kernel.queue.SafeTask:
`delay_on_commit` survives a broker outage."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asfnet.settings")

app = Celery("asfnet", task_cls="kernel.queue:SafeTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
