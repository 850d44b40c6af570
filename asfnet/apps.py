from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The site layer on top of the apps: settings, root URLs, the home page, demo seeding."""

    name = "asfnet"
    label = "site"
    verbose_name = _("asfnet site")
