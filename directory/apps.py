from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        from directory.todos import SOURCES
        from kernel.todos import register_todo_source

        for source in SOURCES:
            register_todo_source(source)
        post_migrate.connect(_declare_search_costs, sender=self)


def _declare_search_costs(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from directory.search import declare_similarity_cost

    declare_similarity_cost(using)
