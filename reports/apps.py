from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from kernel.todos import register_todo_source
        from reports.todos import SOURCES

        for source in SOURCES:
            register_todo_source(source)
