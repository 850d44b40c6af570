"""The site's own admin pages (the admin site imports this module of every installed app)."""

from asfnet.audit import admin as audit_admin  # noqa: F401  (registers the audit log)
