from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        from directory.todos import SOURCES
        from kernel.todos import register_todo_source

        for source in SOURCES:
            register_todo_source(source)
