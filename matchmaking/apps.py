from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "matchmaking"
    verbose_name = _("Matchmaking")

    def ready(self) -> None:
        from directory.map.layers import register_map_layer
        from directory.panels import register_profile_panel
        from kernel.todos import register_todo_source
        from matchmaking.panels import PANEL
        from matchmaking.public_opportunities.map import LAYER
        from matchmaking.todos import SOURCES as TODO_SOURCES

        register_profile_panel(PANEL)
        for source in TODO_SOURCES:
            register_todo_source(source)
        register_map_layer(LAYER)
