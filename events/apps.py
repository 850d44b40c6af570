from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from directory.panels import register_profile_panel
        from events.panels import PANEL
        from events.todos import SOURCES as TODO_SOURCES
        from kernel.todos import register_todo_source

        register_profile_panel(PANEL)
        for source in TODO_SOURCES:
            register_todo_source(source)
