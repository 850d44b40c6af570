"""The public face of the home page: a changing selection of ASF with their services, the next events, the
newest open placement opportunities and the network in numbers – the reads the site layer makes across the
apps (it may import them all). A fixed number of queries, whatever the size of the network."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from directory.access import Actor
from directory.models import Organisation, OrganisationKind
from events.models import Event, EventStatus
from matchmaking.models import Opportunity

SELECTION_SIZE = 3
LIST_SIZE = 3


@dataclass(frozen=True)
class Numbers:
    asf: int  # listed ASF
    organisations: int  # listed organisations of every kind
    municipalities: int  # municipalities where a listed organisation is
    opportunities: int  # open placement opportunities anyone can see
    places: int  # places left on them
    events: int  # upcoming events the reader may see

    def rows(self) -> list[tuple[Promise, int]]:
        """The numbers as the home page lists them (includes/key_numbers.html): label and number, in order."""
        return [
            (_("Work-integration social enterprises"), self.asf),
            (_("Organisations in the network"), self.organisations),
            (_("Municipalities where they are"), self.municipalities),
            (_("Open placement opportunities"), self.opportunities),
            (_("Places left on them"), self.places),
            (_("Upcoming events"), self.events),
        ]


@dataclass(frozen=True)
class Showcase:
    asf: list[Organisation]  # with `.service_list`
    events: list[Event]
    opportunities: list[Opportunity]
    numbers: Numbers


def asf_of_the_day(*, today: dt.date, size: int = SELECTION_SIZE) -> list[Organisation]:
    """`size` listed ASF, a different selection each day (the same all day: a page a visitor shares shows
    what they saw), each with its services. Three queries."""
    listed = Organisation.objects.listed().filter(kind=OrganisationKind.ASF)
    ids = sorted(listed.values_list("pk", flat=True))
    chosen = random.Random(today.toordinal()).sample(ids, min(size, len(ids)))
    organisations = {
        o.pk: o for o in listed.filter(pk__in=chosen).select_related("kommunkod").prefetch_related("services")
    }
    selection = [organisations[pk] for pk in chosen if pk in organisations]
    for organisation in selection:
        organisation.service_list = list(organisation.services.all())  # type: ignore[attr-defined]
    return selection


def upcoming_events(actor: Actor) -> QuerySet[Event]:
    """The events the home page counts and lists: published, not yet over, and for the reader to see."""
    return Event.objects.visible_to(actor).filter(status=EventStatus.PUBLISHED).upcoming()


def network_numbers(*, actor: Actor) -> Numbers:
    """Three queries: the directory's counts, the open opportunities, the upcoming events."""
    listed = Organisation.objects.listed().aggregate(
        asf=Count("pk", filter=Q(kind=OrganisationKind.ASF)),
        organisations=Count("pk"),
        municipalities=Count("kommunkod", distinct=True),
    )
    open_ = Opportunity.objects.public().aggregate(opportunities=Count("pk"), places=Sum("places_available"))
    events = upcoming_events(actor).count()
    return Numbers(
        asf=listed["asf"],
        organisations=listed["organisations"],
        municipalities=listed["municipalities"],
        opportunities=open_["opportunities"],
        places=open_["places"] or 0,
        events=events,
    )


def home_showcase(*, actor: Actor, today: dt.date | None = None) -> Showcase:
    today = today or timezone.localdate()
    return Showcase(
        asf=asf_of_the_day(today=today),
        events=list(
            upcoming_events(actor).select_related("organiser", "kommunkod").order_by("start", "pk")[:LIST_SIZE]
        ),
        opportunities=list(
            Opportunity.objects.public()
            .select_related("organisation", "municipality")
            .order_by("-refreshed_at", "pk")[:LIST_SIZE]
        ),
        numbers=network_numbers(actor=actor),
    )
