"""Writes of the service taxonomy: coordinators only, atomic, validated, audited. A change is visible at
once: the directory's facets read the table on every request; the cached open-data package is dropped and
the search text of the organisations offering a renamed category is rebuilt in the same transaction."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.access import Actor
from directory.api.datapackage import CACHE_KEY as DATAPACKAGE_CACHE_KEY
from directory.models import ServiceCategory
from directory.search import reindex
from kernel.audit import audit_log, save_audited

FIELDS = ("slug", "name_sv", "name_en", "position", "active")


def _require_coordinator(actor: Actor) -> None:
    if not actor.is_coordinator:
        raise PermissionDenied


def _forget_cached_copies() -> None:
    """The open-data package lists the taxonomy and is cached; drop it after the commit (a rollback keeps it)."""

    def drop() -> None:
        # The cache being down means there is no stale copy to serve either.
        with contextlib.suppress(Exception):
            cache.delete(DATAPACKAGE_CACHE_KEY)

    transaction.on_commit(drop)


def category_usage(category: ServiceCategory) -> int:
    """How many rows of any app point at the category (organisations, needs, opportunities, partner
    requests, participants' wishes …), read from the model's relations so that this layer need not import
    the apps above it."""
    total = 0
    # Hidden relations too (a foreign key with related_name="+", like a partner request's service); the
    # auto-created tables behind many-to-many fields are skipped, their field is counted instead.
    for relation in ServiceCategory._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.is_relation):
            continue
        model = relation.related_model
        if not (isinstance(model, type) and issubclass(model, models.Model)) or model._meta.auto_created:
            continue
        total += model._base_manager.filter(**{relation.field.name: category}).count()  # type: ignore[union-attr]
    return total


@transaction.atomic
def category_create(*, actor: Actor, data: dict[str, Any]) -> ServiceCategory:
    _require_coordinator(actor)
    category = ServiceCategory(**{name: data[name] for name in FIELDS if name in data})
    save_audited(category, actor=actor.user, action="taxonomy.create", data={"slug": category.slug})
    _forget_cached_copies()
    return category


@transaction.atomic
def category_update(*, actor: Actor, category: ServiceCategory, data: dict[str, Any]) -> ServiceCategory:
    """Rename, reorder, take out of use or back. The identifier stays."""
    _require_coordinator(actor)
    locked = ServiceCategory.objects.select_for_update().get(pk=category.pk)
    changed = []
    for name in FIELDS:
        if name == "slug" or name not in data:
            continue
        if getattr(locked, name) != data[name]:
            setattr(locked, name, data[name])
            changed.append(name)
    if not changed:
        return locked
    locked.full_clean()
    locked.save()
    if {"name_sv", "name_en"} & set(changed):
        reindex(locked.organisations.values_list("pk", flat=True))
    audit_log(actor=actor.user, action="taxonomy.update", target=locked, data={"fields": changed})
    _forget_cached_copies()
    return locked


@transaction.atomic
def category_delete(*, actor: Actor, category: ServiceCategory) -> None:
    """Delete a category nothing uses; one in use is refused (take it out of use instead)."""
    _require_coordinator(actor)
    locked = ServiceCategory.objects.select_for_update().get(pk=category.pk)
    used = category_usage(locked)
    if used:
        raise ValidationError(
            ngettext(
                "%(name)s is used in %(count)s place (an organisation, need, opportunity or request) and cannot "
                "be deleted. Untick “in use” instead: it then disappears from the choices but stays where it is "
                "already used.",
                "%(name)s is used in %(count)s places (organisations, needs, opportunities or requests) and "
                "cannot be deleted. Untick “in use” instead: it then disappears from the choices but stays "
                "where it is already used.",
                used,
            )
            % {"name": locked.name, "count": used}
        )
    audit_log(actor=actor.user, action="taxonomy.delete", target=locked, data={"slug": locked.slug})
    try:
        locked.delete()
    except ProtectedError as error:  # linked in the meantime by a row this transaction could not see
        raise ValidationError(_("%(name)s is in use and cannot be deleted.") % {"name": locked.name}) from error
    _forget_cached_copies()
