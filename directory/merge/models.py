"""Where the code of a merged-away organisation now leads. Registered in the directory app by
directory/models.py (app label "directory")."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrganisationRedirect(models.Model):
    """The code of an organisation merged into another (directory.merge.services.organisation_merge): its old
    profile URL answers 301 to the kept organisation. A later merge of the kept organisation moves these rows
    along, so a chain never forms."""

    old_code = models.UUIDField(_("old code"), unique=True, editable=False)
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organisation redirect")
        verbose_name_plural = _("organisation redirects")

    def __str__(self) -> str:
        return f"{self.old_code} → {self.organisation_id}"
