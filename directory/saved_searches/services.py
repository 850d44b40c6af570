"""Saved directory searches: a logged-in user saves the search they are looking at and gets a weekly e-mail
listing the organisations that newly match it.

A search is stored as its normalised query string (only the search's own parameters, empty values and the
page dropped, the default sort dropped, sorted), so the same search is saved once however its URL was
written. Services here follow directory/services.py: atomic, keyword-only, full_clean(), an audit row in
the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.access import Actor, actor_for
from directory.filters import SORTS, load_choices, search_sort
from directory.forbund.links import site_url
from directory.forbund.registry import registry
from directory.models import Forbund, OrganisationKind, SavedSearch
from directory.selectors import AREA_PARAM, WHOLE_COUNTRY, organisation_search, search_area
from kernel.audit import audit_log, save_audited
from kernel.identifiers import refuse_personnummer_in_query
from kernel.mail import send_templated
from kernel.models import User

logger = logging.getLogger(__name__)

MAX_PER_USER = 20
# The parameters that make a search (filters.py); anything else in a URL (page, tracking …) is dropped.
MULTI_PARAMS = ("kind", "municipality", "service")
FLAG_PARAMS = ("placements", "certified")
# How many organisations one saved search lists in a digest; the rest are behind the search link.
DIGEST_LIMIT = 50


def _one_line(value: str) -> str:
    return " ".join(value.replace("\x00", "").split())


def normalise_query(params: QueryDict) -> str:
    """The search in `params` as a canonical query string. Where the search reads one value (q, sort and
    the two flags) the value it reads, the last, is kept; the facets keep each distinct value; `area=all`
    (the whole country, on a förbund's portal) is kept."""
    pairs: set[tuple[str, str]] = set()
    if params.get(AREA_PARAM) == WHOLE_COUNTRY:
        pairs.add((AREA_PARAM, WHOLE_COUNTRY))
    q = _one_line(params.get("q") or "")[:200]
    if q:
        pairs.add(("q", q))
    for name in MULTI_PARAMS:
        pairs.update((name, value) for value in (_one_line(v) for v in params.getlist(name)) if value)
    for name in FLAG_PARAMS:
        value = (params.get(name) or "").strip().lower()
        if value and value != "false":  # how the search's checkbox reads it
            pairs.add((name, "true"))
    sort = search_sort((params.get("sort") or "").strip(), q)
    if sort != search_sort("", q):  # the sort the search would use anyway is left out
        pairs.add(("sort", sort))
    return urlencode(sorted(pairs))


def saved_search_for_user(*, actor: Actor, code: UUID | str) -> SavedSearch:
    """A saved search is its owner's alone: anyone else's looks like one that does not exist (404)."""
    if actor.user is None:
        raise Http404
    return get_object_or_404(SavedSearch.objects.filter(user=actor.user), code=code)


def saved_search_list(*, user: User) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user=user).order_by("name", "pk")


def _default_name(query_string: str) -> str:
    q = QueryDict(query_string).get("q")
    if q:
        return q[:100]
    return _("Search saved on %(date)s") % {"date": date_format(timezone.localdate(), "SHORT_DATE_FORMAT")}


@transaction.atomic
def saved_search_create(
    *, user: User, params: QueryDict, name: str = "", forbund: Forbund | None = None
) -> SavedSearch:
    """Save the search in `params` for `user`, named `name` (default: the search text), as the portal of
    `forbund` shows it (None: the national host). Refused with a clear message when the user has already saved
    the same search there or has MAX_PER_USER saved searches. Only organisations created from now on are
    e-mailed."""
    query_string = normalise_query(params)
    max_length = SavedSearch._meta.get_field("query_string").max_length
    if max_length is not None and len(query_string) > max_length:
        raise ValidationError(_("This search is too long to save. Remove some filters and try again."))
    refuse_personnummer_in_query(query_string)
    # One user's saves are serialised, so two at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    forbund_id = forbund.pk if forbund is not None else None
    existing = SavedSearch.objects.filter(user=user, forbund=forbund, query_string=query_string).first()
    if existing is not None:
        raise ValidationError(
            _("You have already saved this search as “%(name)s”.") % {"name": existing.name}, code="duplicate"
        )
    if SavedSearch.objects.filter(user=user).count() >= MAX_PER_USER:
        raise ValidationError(
            ngettext(
                "You can save at most %(max)d search. Delete it if you no longer need it, then save this one.",
                "You can save at most %(max)d searches. Delete one you no longer need, then save this one.",
                MAX_PER_USER,
            )
            % {"max": MAX_PER_USER},
            code="limit",
        )
    saved = SavedSearch(
        user=user,
        name=_one_line(name)[:100] or _default_name(query_string),
        query_string=query_string,
        forbund_id=forbund_id,
        last_notified_at=timezone.now(),
    )
    return save_audited(saved, actor=user, action="saved_search.create")


@transaction.atomic
def saved_search_delete(*, actor: Actor, saved_search: SavedSearch) -> None:
    if actor.user is None or saved_search.user_id != actor.user.pk:
        # Views reach a saved search only through saved_search_for_user; this guards other callers.
        raise PermissionDenied
    audit_log(actor=actor.user, action="saved_search.delete", target=saved_search)
    saved_search.delete()


# --- Describing a saved search (the list page) ----------------------------------------------------------


def describe(query_string: str, choices: tuple[list, list] | None = None, forbund: Forbund | None = None) -> list[str]:
    """Readable parts of a saved search: where it searches (on the portal of a förbund with an area), the
    search words and each filter, in the current language."""
    params = QueryDict(query_string)
    area = search_area(forbund, params)
    where = [] if area.forbund is None else [area.label if not area.whole_country else _("Whole country")]
    municipalities, services = choices or load_choices()
    labels = {
        "kind": dict(OrganisationKind.choices),
        "municipality": dict(municipalities),
        "service": dict(services),
    }
    parts: list[str] = []
    if params.get("q"):
        parts.append(_("Search words: %(q)s") % {"q": params["q"]})
    titles = {
        "kind": _("Type: %(values)s"),
        "municipality": _("Municipality: %(values)s"),
        "service": _("Service: %(values)s"),
    }
    for name in MULTI_PARAMS:
        values = [str(labels[name].get(value, value)) for value in params.getlist(name)]
        if values:
            parts.append(titles[name] % {"values": ", ".join(values)})
    if params.get("placements"):
        parts.append(_("Takes placements"))
    if params.get("certified"):
        parts.append(_("Certified (Skoopi or reserved contracts)"))
    if params.get("sort") in SORTS:
        parts.append(_("Sorted by: %(sort)s") % {"sort": SORTS[params["sort"]]})
    return where + (parts or [_("All organisations")])


# --- The weekly digest -----------------------------------------------------------------------------------


@dataclass
class DigestSection:
    name: str
    search_link: str
    count: int
    organisations: list[Mapping[str, Any]] = field(default_factory=list)
    site: str = ""  # the portal its links lead to

    @property
    def more(self) -> int:
        return self.count - len(self.organisations)


def users_with_saved_searches() -> list[int]:
    return list(
        SavedSearch.objects.filter(user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def saved_search_digest_send(*, user_id: int) -> int:
    """E-mail one user the organisations created since each of their saved searches was last notified that
    match it now (in the user's scope). Each saved search's window is claimed with a compare-and-swap on
    last_notified_at inside one transaction with the sending: a duplicate run finds nothing to claim and
    sends nothing, and a failed send rolls the claims back so a retry sends the same list. Returns how
    many organisations were listed (0: no e-mail)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:  # no such account, or deactivated
        return 0
    actors: dict[int | None, Actor] = {}
    now = timezone.now()
    with transaction.atomic():
        sections: list[DigestSection] = []
        for saved in saved_search_list(user=user):
            since = saved.last_notified_at
            if since >= now:
                continue
            claimed = SavedSearch.objects.filter(pk=saved.pk, last_notified_at=since).update(last_notified_at=now)
            if not claimed:  # another run has sent this window
                continue
            # As the page of the portal it was saved on searches: that förbund's area unless `area=all`.
            params, forbund = QueryDict(saved.query_string), registry().get(saved.forbund_id)
            actor = actors.get(saved.forbund_id) or actors.setdefault(saved.forbund_id, actor_for(user, forbund))
            area = search_area(forbund, params).codes
            new = organisation_search(actor=actor, params=params, with_facets=False, area=area).organisations
            new = new.filter(created_at__gt=since, created_at__lte=now)
            count = new.count()
            if not count:
                continue
            sections.append(
                DigestSection(
                    name=saved.name,
                    search_link=f"{site_url(saved.forbund_id)}{reverse('directory:index')}?{saved.query_string}",
                    count=count,
                    organisations=list(new.values("code", "name", "kommunkod__name")[:DIGEST_LIMIT]),
                    site=site_url(saved.forbund_id),
                )
            )
        if not sections:
            return 0
        for section in sections:
            section.organisations = [
                {
                    "name": row["name"],
                    "municipality": row["kommunkod__name"] or "",
                    "link": section.site + reverse("directory:detail", kwargs={"code": row["code"]}),
                }
                for row in section.organisations
            ]
        context = {"sections": sections, "manage_link": settings.SITE_URL + reverse("directory:saved_searches")}
        send_templated("directory/saved_search_digest", to=user, context=context)
    total = sum(section.count for section in sections)
    logger.info("saved-search digest: %s organisations in %s searches for user %s", total, len(sections), user.pk)
    return total
