"""Merging a duplicate organisation into the one that is kept (coordinators only).

Every row that points at the duplicate is found by walking `Organisation._meta` — every reverse foreign key and
one-to-one, hidden ones (`related_name="+"`) and the through tables of many-to-many fields included — so a
relation added later in any app is moved without this module knowing it. A relation whose related model has a
uniqueness that includes the foreign key (the same person a member of both, the same certification on both)
would clash when its rows move; each such relation has an explicit rule in `CLASH_RULES`, and `relations()`
refuses to run (ImproperlyConfigured) when one is missing, so a new unique relation cannot be merged blindly.
A meta-test (tests/directory/test_merge.py) checks the same for every relation that exists.

What is not a foreign key is handled by name below: links in notifications are rewritten to the kept code, and
the duplicate's code gets an `OrganisationRedirect` so its profile URL answers 301. Audit rows are never
changed: they keep naming the duplicate by its code, and the merge's own audit rows (one on each code) say
where it went."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.functions import Replace
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from directory.access import Actor
from directory.models import Membership, MembershipRole, Organisation, OrganisationChange, OrganisationRedirect
from directory.search import reindex
from kernel.audit import audit_log
from notifications.models import Notification

Resolve = Callable[[models.Model, models.Model], models.Model | None]


# --- Clash rules ----------------------------------------------------------------------------------------
def _kept_row(kept: models.Model, duplicate: models.Model) -> models.Model:
    """A link the kept organisation already has (a service, a municipality, a party to an agreement, an
    invitation to an event): the duplicate's copy adds nothing."""
    return kept


def _stronger_membership(kept: models.Model, duplicate: models.Model) -> models.Model:
    """The same person a member of both: one membership, as an administrator if they were one of either."""
    assert isinstance(kept, Membership) and isinstance(duplicate, Membership)
    if duplicate.role == MembershipRole.ADMIN and kept.role != MembershipRole.ADMIN:
        Membership.objects.filter(pk=kept.pk).update(role=MembershipRole.ADMIN)
    return kept


def _later_valid_until(kept: models.Model, duplicate: models.Model) -> models.Model:
    """The same certification on both: the one valid longest is kept."""
    return duplicate if getattr(duplicate, "valid_until") > getattr(kept, "valid_until") else kept  # noqa: B009


def _latest_answer(kept: models.Model, duplicate: models.Model) -> models.Model:
    """Both answered the same partner request: the answer given last stands."""
    return duplicate if getattr(duplicate, "updated_at") > getattr(kept, "updated_at") else kept  # noqa: B009


def _forget_import_uid(kept: models.Model, duplicate: models.Model) -> None:
    """Both organisations imported the same calendar event (the same UID): both events stay, each with its own
    registrations; the duplicate's forgets the UID, so the next import of that calendar updates the kept
    organisation's event and makes no second one."""
    type(duplicate)._base_manager.filter(pk=duplicate.pk).update(import_uid="")
    return None


@dataclass(frozen=True)
class ClashRule:
    # The fields besides the foreign key that make a row of the duplicate clash with one of the kept organisation
    # (the rest of the unique constraint).
    match_on: tuple[str, ...]
    # Given (the kept organisation's row, the duplicate's row), the row that survives; the other is deleted.
    # None: both survive, the rule has made them no longer clash.
    resolve: Resolve
    # Values for which the unique constraint does not hold (a conditional constraint): such rows never clash.
    exclude: dict[str, Any] = field(default_factory=dict)
    # The rule keeps both rows (resolve returns None): a clash merges nothing.
    keeps_both: bool = False


# (related model's label_lower, foreign key's name) → rule. Labels, not imports: directory imports no app above it.
CLASH_RULES: dict[tuple[str, str], ClashRule] = {
    ("directory.membership", "organisation"): ClashRule(("user",), _stronger_membership),
    ("directory.certification", "organisation"): ClashRule(("kind", "name"), _later_valid_until),
    ("directory.organisation_services", "organisation"): ClashRule(("servicecategory",), _kept_row),
    ("directory.organisation_municipalities_served", "organisation"): ClashRule(("municipality",), _kept_row),
    ("matchmaking.agreement_parties", "organisation"): ClashRule(("agreement",), _kept_row),
    ("matchmaking.partnerresponse", "organisation"): ClashRule(("request",), _latest_answer),
    ("events.event_invited_organisations", "organisation"): ClashRule(("event",), _kept_row),
    ("events.event", "organiser"): ClashRule(
        ("import_uid",), _forget_import_uid, exclude={"import_uid": ""}, keeps_both=True
    ),
}


# --- The walk -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Relation:
    model: type[models.Model]
    field: str  # the foreign key to Organisation
    rule: ClashRule | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.model._meta.label_lower, self.field)

    @property
    def label(self) -> str:
        """What the rows are, for the confirmation page: "Memberships", "Events (organiser)", "Services"."""
        meta = self.model._meta
        owner: Any = meta.auto_created
        if isinstance(owner, type) and issubclass(owner, models.Model):  # the through table of a many-to-many
            m2m = next(f for f in owner._meta.many_to_many if f.remote_field.through is self.model)
            if owner is Organisation:
                return capfirst(str(m2m.verbose_name))
            return f"{capfirst(str(owner._meta.verbose_name_plural))} ({m2m.verbose_name})"
        field = _field(self.model, self.field)
        name = capfirst(str(meta.verbose_name_plural))
        if str(field.verbose_name) == str(Organisation._meta.verbose_name):
            return name
        return f"{name} ({field.verbose_name})"


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def unique_sets(model: type[models.Model], field: str) -> list[frozenset[str]]:
    """Every uniqueness of `model` that includes `field` (unique=True, unique_together, UniqueConstraint —
    conditional ones too), as the set of its fields."""
    meta = model._meta
    sets: list[frozenset[str]] = []
    if getattr(meta.get_field(field), "unique", False):
        sets.append(frozenset({field}))
    for together in meta.unique_together:
        if field in together:
            sets.append(frozenset(together))
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and field in constraint.fields:
            sets.append(frozenset(constraint.fields))
    return sets


def relations() -> list[Relation]:
    """Every relation to Organisation, each with its clash rule where its rows could clash. Raises
    ImproperlyConfigured for a relation that could clash and has no rule, or whose rule does not match."""
    found = []
    for rel in Organisation._meta.get_fields(include_hidden=True):
        if not isinstance(rel, models.ForeignObjectRel) or rel.many_to_many:
            continue  # a many-to-many is moved through its through table's foreign key, met on its own
        model = rel.related_model
        assert isinstance(model, type) and issubclass(model, models.Model)
        field = rel.field.name
        rule = CLASH_RULES.get((model._meta.label_lower, field))
        clashes = unique_sets(model, field)
        if clashes and rule is None:
            raise ImproperlyConfigured(f"{model._meta.label_lower}.{field} may clash on merge: add a CLASH_RULES entry")
        for unique in clashes:
            if rule is not None and unique - {field} != set(rule.match_on):
                raise ImproperlyConfigured(
                    f"CLASH_RULES for {model._meta.label_lower}.{field} do not match {sorted(unique)}"
                )
        found.append(Relation(model=model, field=field, rule=rule))
    return found


# --- Preview and merge ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Moved:
    label: str
    key: tuple[str, str]
    count: int  # rows of the duplicate that move to the kept organisation
    merged: int = 0  # rows that clashed with one of the kept organisation's: one of the two was kept


def _clashing(
    relation: Relation, keep: Organisation, duplicate: Organisation
) -> list[tuple[models.Model, models.Model]]:
    assert relation.rule is not None
    manager = relation.model._base_manager
    pairs = []
    for row in manager.filter(**{relation.field: duplicate}).exclude(**relation.rule.exclude).order_by("pk"):
        match = {_lookup(relation, name): getattr(row, _lookup(relation, name)) for name in relation.rule.match_on}
        kept = manager.filter(**{relation.field: keep}, **match).first()
        if kept is not None:
            pairs.append((kept, row))
    return pairs


def _lookup(relation: Relation, name: str) -> str:
    field = _field(relation.model, name)
    return field.attname if field.is_relation else name


def merge_preview(*, keep: Organisation, duplicate: Organisation) -> list[Moved]:
    """What a merge of `duplicate` into `keep` would move, per relation with any rows (for the confirmation)."""
    preview = []
    for relation in relations():
        count = relation.model._base_manager.filter(**{relation.field: duplicate}).count()
        if not count:
            continue
        merged = 0
        if relation.rule is not None:
            merged = 0 if relation.rule.keeps_both else len(_clashing(relation, keep, duplicate))
        preview.append(Moved(label=relation.label, key=relation.key, count=count - merged, merged=merged))
    return preview


@transaction.atomic
def organisation_merge(*, actor: Actor, keep: Organisation, duplicate: Organisation) -> list[Moved]:
    """Move everything of `duplicate` to `keep`, delete `duplicate`, and let its code redirect to `keep`.
    Coordinators only. All or nothing: one transaction, both organisations locked."""
    if not actor.is_coordinator:
        raise PermissionDenied
    if keep.pk == duplicate.pk:
        raise ValidationError(_("An organisation cannot be merged into itself. Choose another organisation."))
    locked = {o.pk: o for o in Organisation.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])}
    if len(locked) != 2:
        raise ValidationError(_("One of the organisations no longer exists."))
    duplicate_code, duplicate_name = duplicate.code, duplicate.name
    done = []
    for relation in relations():
        manager = relation.model._base_manager
        rows = manager.filter(**{relation.field: duplicate}).count()
        merged = 0
        if relation.rule is not None:
            for kept, row in _clashing(relation, keep, duplicate):
                survivor = relation.rule.resolve(kept, row)
                if survivor is None:  # both stay: the rule made them no longer clash
                    continue
                (row if survivor is kept else kept).delete()
                merged += 1
        manager.filter(**{relation.field: duplicate}).update(**{relation.field: keep})
        if rows:  # as the preview counts: rows that join the kept organisation, and clashes resolved
            done.append(Moved(label=relation.label, key=relation.key, count=rows - merged, merged=merged))
    # Links in notifications name organisations by code.
    Notification.objects.filter(url__contains=str(duplicate_code)).update(
        url=Replace("url", models.Value(str(duplicate_code)), models.Value(str(keep.code)))
    )
    audit_log(
        actor=actor.user,
        action="organisation.merged_away",
        target=duplicate,
        data={"into": str(keep.code), "name": duplicate_name, "orgnr": duplicate.orgnr},
    )
    duplicate.delete()
    redirect = OrganisationRedirect(old_code=duplicate_code, organisation=keep)
    redirect.full_clean()
    redirect.save()
    OrganisationChange.objects.create(
        organisation=keep, changed_by=actor.user, field="merge", old_value=f"{duplicate_name} ({duplicate_code})"
    )
    audit_log(
        actor=actor.user,
        action="organisation.merge",
        target=keep,
        data={
            "duplicate": str(duplicate_code),
            "kept": str(keep.code),
            "moved": {".".join(m.key): m.count for m in done},
            "merged": {".".join(m.key): m.merged for m in done if m.merged},
        },
    )
    reindex([keep.pk])
    return done


def organisation_by_redirect(*, code: UUID | str) -> Organisation | None:
    """The organisation an old (merged-away) code now leads to, if any."""
    redirect = OrganisationRedirect.objects.select_related("organisation").filter(old_code=code).first()
    return redirect.organisation if redirect is not None else None
