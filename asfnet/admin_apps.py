"""Django's admin with the portal's own site (asfnet/admin_site.py) as `admin.site`. A module of its own: the
app registry imports it before any model is ready, and asfnet/apps.py may declare only the site's config."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "asfnet.admin_site.PortalAdminSite"
