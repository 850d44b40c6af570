"""The to-do list on a person's home page: what waits for them, oldest first, each thing with its action link.

The home page (the site layer) knows no app: each app contributes its to-do sources in its own `todos.py`
and registers them in its `AppConfig.ready()` (`register_todo_source`), so the import points down. A source
is one class, a subclass of `TodoSource`, that holds all there is to one kind of thing waiting: which roles
it is for (the role names of directory.access.Role: "asf_staff", "officer", "coordinator", …), its heading,
`rows()` — for one person, a queryset of the things waiting, already limited to what that person may see,
annotated with `todo_since` (the date or time the thing has waited since, or is due) and ordered oldest
first — and `item()`, how one row reads. A person sees the sources of their role only.

Every source costs one query on the home page (its first rows with the total as a window count), so the page
renders in a number of queries that does not grow with the number of things waiting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from django.db.models import Count, F, QuerySet, Window
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.formats import date_format

from kernel.registry import Registry

if TYPE_CHECKING:  # what gettext_lazy returns, as django-stubs names it (a lazy str)
    from django.utils.functional import _StrPromise as Text
else:
    Text = str

HOME_ITEMS = 5  # items of each source on the home page; the rest on the source's own page


class TodoActor(Protocol):
    """What a to-do source reads of the person: directory.access.Actor (a protocol here: the kernel imports
    no app)."""

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class TodoItem:
    text: str  # what waits, in one sentence (names and codes only, never a sensitive field)
    url: str  # where it is done
    action: str  # the link's text: what to do
    since: dt.date | dt.datetime | None = None  # waiting since, or due on


ActorT = TypeVar("ActorT", bound=TodoActor, contravariant=True)
Row = TypeVar("Row")


class TodoSource(Generic[ActorT, Row]):
    """One kind of thing waiting, for a person as an app knows them (`ActorT`: directory.access.Actor) and
    listing rows of `Row`. A subclass sets the class attributes and writes `rows` and `item`."""

    name: ClassVar[str]  # the slug of its own page, /todo/<name>/
    title: ClassVar[Text]  # the group's heading on the home page
    roles: ClassVar[frozenset[str]]
    order: ClassVar[int] = 100
    since_label: ClassVar[Text | None] = None  # how the date of an item is introduced ("Waiting since", "Due")

    def rows(self, actor: ActorT, now: dt.datetime) -> QuerySet[Any]:
        """The things waiting for `actor`, through `oldest_first`."""
        raise NotImplementedError

    def item(self, row: Row, now: dt.datetime) -> TodoItem:
        """How one of those rows reads."""
        raise NotImplementedError

    def is_for(self, actor: TodoActor) -> bool:
        return str(actor.role) in self.roles


Q = TypeVar("Q", bound=QuerySet[Any])


def oldest_first(queryset: Q, since: str | Combinable) -> Q:
    """The rows of a source as the home page wants them: annotated with `todo_since` (a field name or an
    expression: what the thing has waited since, or is due on) and ordered by it, oldest first — rows with no
    date first, they have waited longest — and by primary key among equals, so pages never shuffle."""
    expression = F(since) if isinstance(since, str) else since
    return queryset.annotate(todo_since=expression).order_by(F("todo_since").asc(nulls_first=True), "pk")


def todo_date(moment: dt.date | dt.datetime) -> str:
    """A date as an item's text names it: the day (a moment's day where the reader lives), in the date
    format of the reader's language."""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date()
    return date_format(moment, "DATE_FORMAT")


SOURCES: Registry[TodoSource[Any, Any]] = Registry()
register_todo_source = SOURCES.register


def todo_sources(actor: TodoActor) -> list[TodoSource[Any, Any]]:
    """The sources of this person's role, in order."""
    return [source for source in SOURCES.all() if source.is_for(actor)]


def todo_source(actor: TodoActor, name: str) -> TodoSource[Any, Any] | None:
    """The source called `name` when it is one of this person's; None otherwise (the page answers 404)."""
    return next((source for source in todo_sources(actor) if source.name == name), None)


@dataclass(frozen=True)
class TodoGroup:
    source: TodoSource[Any, Any]
    items: list[TodoItem]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def todo_groups(actor: TodoActor, *, now: dt.datetime, limit: int = HOME_ITEMS) -> list[TodoGroup]:
    """Each source of the person's role with its first `limit` items and how many there are in all; the
    sources with nothing waiting are left out. One query per source."""
    groups = []
    for source in todo_sources(actor):
        rows = list(source.rows(actor, now).annotate(todo_total=Window(Count("pk")))[:limit])
        if rows:
            groups.append(TodoGroup(source, [source.item(row, now) for row in rows], rows[0].todo_total))
    return groups
