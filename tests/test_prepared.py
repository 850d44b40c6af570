"""kernel.prepared: a statement built once is bound to each call's key and clock and finds what the queryset
built for that call finds; a statement whose parameters cannot be told from the clock and the key is never
kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from directory.models import Certification, CertificationStatus, Organisation
from kernel.prepared import Prepared
from tests.factories import CertificationFactory, OrganisationFactory


def _valid_certifications(shape: Any, now: dt.datetime, key: Any) -> QuerySet[Certification]:
    """Certifications of the organisation `key` valid on `now`'s date and made before `now` - 1 hour."""
    return Certification.objects.filter(
        organisation__code=key,
        status=CertificationStatus.APPROVED,
        valid_until__gte=timezone.localdate(now),
        created_at__lte=now - dt.timedelta(hours=1),
    ).order_by("pk")


@pytest.mark.django_db
def test_a_statement_built_once_finds_what_the_queryset_of_each_call_finds():
    prepared = Prepared(_valid_certifications)
    organisation = OrganisationFactory()
    other = OrganisationFactory()
    today = timezone.localdate()
    ends_soon = CertificationFactory(organisation=organisation, name="A", valid_until=today + dt.timedelta(3))
    lasts = CertificationFactory(organisation=organisation, name="B", valid_until=today + dt.timedelta(300))
    CertificationFactory(organisation=other)
    Certification.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    for days in (0, 10, 400):
        now = timezone.now() + dt.timedelta(days=days)
        rows = prepared.rows(shape="test", key=organisation.code, now=now)
        assert prepared.statement("test", now) is not None  # the built statement, bound
        expected = list(_valid_certifications(None, now, organisation.code))
        assert [c.pk for c in rows] == [c.pk for c in expected]
    assert [c.pk for c in _valid_certifications(None, timezone.now(), organisation.code)] == [ends_soon.pk, lasts.pk]
    assert list(prepared.rows(shape="test", key=other.code)) == list(Certification.objects.filter(organisation=other))


def _reads_the_clock(shape: Any, now: dt.datetime, key: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(code=key, confirmed_at__lte=timezone.now())


def _calendar_month(shape: Any, now: dt.datetime, key: Any) -> QuerySet[Organisation]:
    month_before = (now.replace(day=1) - dt.timedelta(days=1)).replace(day=min(now.day, 28))
    return Organisation.objects.filter(code=key, confirmed_at__gte=month_before)


def _start_of_the_day(shape: Any, now: dt.datetime, key: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(code=key, confirmed_at__gte=now.replace(hour=0, minute=0, second=0))


def _the_date_in_utc(shape: Any, now: dt.datetime, key: Any) -> QuerySet[Certification]:
    return Certification.objects.filter(organisation__code=key, valid_until__gte=now.date())


@pytest.mark.django_db
@pytest.mark.parametrize("build", [_reads_the_clock, _calendar_month, _start_of_the_day, _the_date_in_utc])
def test_a_statement_whose_parameters_cannot_be_bound_is_built_on_every_call(build):
    """A clock value read from the clock itself, a calendar month before `now`, the start of its day or its
    date in UTC (none at one distance from `now` and its local date) cannot be bound to another moment: the
    queryset is built and run as it is."""
    organisation = OrganisationFactory()
    prepared = Prepared(build)
    assert prepared.rows(shape="test", key=organisation.code) == list(build(None, timezone.now(), organisation.code))
    assert prepared.statement("test", timezone.now()) is None


@pytest.mark.django_db
def test_shapes_are_kept_apart_and_a_change_of_settings_forgets_them(settings):
    built: list[Any] = []

    def build(shape: Any, now: dt.datetime, key: Any) -> QuerySet[Organisation]:
        built.append(shape)
        return Organisation.objects.filter(code=key, published=shape)

    prepared = Prepared(build)
    published = OrganisationFactory(published=True)
    hidden = OrganisationFactory(published=False)
    for _ in range(2):
        assert list(prepared.rows(shape=True, key=published.code)) == [published]
        assert list(prepared.rows(shape=False, key=hidden.code)) == [hidden]
        assert list(prepared.rows(shape=True, key=hidden.code)) == []
    assert built == [True, True, False, False]  # each shape built twice (two made-up moments), once
    settings.DIRECTORY_HIDE_AFTER_MONTHS = 7
    assert list(prepared.rows(shape=True, key=published.code)) == [published]
    assert built[4:] == [True, True]
