from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    """The kernel below every app: the user, the audit log, identifiers, request ids, settings helpers.

    Its app label stays "asfnet", the label these models were created under: the tables (asfnet_user,
    asfnet_auditlog), their content types and permissions, and the migration history keep their names, so an
    existing installation migrates with no step of its own and a fresh one gets the same schema."""

    name = "kernel"
    label = "asfnet"
    verbose_name = _("asfnet kernel")
