"""The closing report of an event. Registered in the events app by events/models.py."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.identifiers import refuse_personnummer
from kernel.models import TimeStampedModel, person_field


class ClosingReport(TimeStampedModel):
    """What the organiser writes after the event, and the attendance figures frozen when it is finalised
    (`events.closing.selectors.event_figures`): reports read the frozen figures, so a later change of the
    attendance marks or the purge of personal data does not change what was reported."""

    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="closing_report", editable=False
    )
    minutes = models.TextField(_("minutes"), blank=True, validators=[refuse_personnummer])
    follow_ups = models.TextField(_("follow-ups"), blank=True, validators=[refuse_personnummer])
    figures = models.JSONField(default=dict, blank=True, editable=False)
    finalised_at = models.DateTimeField(null=True, blank=True, editable=False)
    finalised_by = person_field()
    created_by = person_field()

    class Meta:
        verbose_name = _("closing report")
        verbose_name_plural = _("closing reports")

    def __str__(self) -> str:
        return f"closing report of event {self.event_id}"

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None
