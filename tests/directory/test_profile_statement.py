"""The profile's statement for a visitor who is not logged in is built once and bound to each request
(directory.profile_statement, kernel.prepared): the page is the one the statement built afresh makes, in both
languages; each visitor sees their own role's page whoever came before; what only the clock changes (an event
that has ended, an opportunity no longer refreshed) shows at once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory import facet_cache, profile_statement
from directory.models import ServiceCategory
from kernel.prepared import Prepared
from tests.factories import CertificationFactory, EventFactory, OpportunityFactory

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _page(client, url: str, language: str) -> str:
    client.cookies.clear()
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return CSRF.sub("", response.content.decode())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_bound_statement_makes_the_page_the_statement_built_afresh_makes(client, world, monkeypatch, language):
    organisation = world.org_a
    organisation.services.set([ServiceCategory.objects.get(slug="catering")])
    organisation.municipalities_served.set(["2580", "2583"])
    CertificationFactory(organisation=organisation)
    EventFactory(organiser=organisation, title_sv="Öppet hus", title_en="Open house")
    OpportunityFactory(organisation=organisation, title="Praktik i caféet")
    url = reverse("directory:detail", args=[organisation.code])
    bound = _page(client, url, language)
    shape_kept = [s for s in profile_statement._ANONYMOUS._statements.values() if s is not None]
    assert shape_kept  # the page above came from the statement built once
    for text in ("Praktik i caféet", "Catering", "Haparanda", "Skoopi"):
        assert text in bound
    assert ("Open house" if language == "en" else "Öppet hus") in bound

    monkeypatch.setattr(Prepared, "_prepare", lambda self, shape: None)  # every request builds its own
    profile_statement._ANONYMOUS.forget()
    facet_cache.LOCAL.clear()
    with CaptureQueriesContext(connection) as captured:
        afresh = _page(client, url, language)
    assert afresh == bound
    assert any("directory_facet_generation" in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_each_visitor_sees_their_own_roles_page_whoever_came_before(client, world):
    """Anonymous, a member and a coordinator in turn, twice: the statement kept for an anonymous visitor and
    the facts cached for one never reach anyone logged in, nor the other way round."""
    url = reverse("directory:detail", args=[world.org_a.code])
    edit = reverse("directory:edit", args=[world.org_a.code])
    verify = reverse("directory:verify", args=[world.org_a.code])
    for _ in range(2):
        client.logout()
        anonymous = client.get(url).content.decode()
        assert edit not in anonymous and verify not in anonymous and "Returen Återbruk" in anonymous
        client.force_login(world.staff_a)
        member = client.get(url).content.decode()
        assert edit in member and verify not in member
        client.force_login(world.coordinator)
        coordinator = client.get(url).content.decode()
        assert edit in coordinator and verify in coordinator
        client.force_login(world.staff_b)
        other_member = client.get(url).content.decode()
        assert edit not in other_member and verify not in other_member
    client.logout()
    assert client.get(reverse("directory:detail", args=[world.hidden_org.code])).status_code == 404
    client.force_login(world.staff_b)  # a member of the unpublished organisation sees it
    assert client.get(reverse("directory:detail", args=[world.hidden_org.code])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_clock_of_each_request_decides_what_the_panels_show(client, world):
    """The statement is built once, with made-up moments: each request binds its own. An event that ended a
    minute ago and an opportunity refreshed just too long ago are not shown; ones a minute on the right side
    are."""
    now = timezone.now()
    organisation = world.org_b
    EventFactory(
        organiser=organisation,
        title_sv="Slutade nyss",
        start=now - dt.timedelta(hours=2),
        end=now - dt.timedelta(minutes=1),
    )
    url = reverse("directory:detail", args=[organisation.code])
    page = client.get(url).content.decode()
    assert "Slutade nyss" not in page and "Inga kommande evenemang." in page
    EventFactory(
        organiser=organisation,
        title_sv="Pågår än",
        start=now - dt.timedelta(hours=2),
        end=now + dt.timedelta(minutes=5),
    )
    weeks = dt.timedelta(weeks=settings.OPPORTUNITY_REFRESH_WEEKS)
    stale = OpportunityFactory(organisation=organisation, title="För gammal")
    fresh = OpportunityFactory(organisation=organisation, title="Nyss förnyad")
    type(stale).objects.filter(pk=stale.pk).update(refreshed_at=now - weeks - dt.timedelta(minutes=1))
    type(fresh).objects.filter(pk=fresh.pk).update(refreshed_at=now - weeks + dt.timedelta(minutes=5))
    page = client.get(url).content.decode()
    assert "Pågår än" in page and "Slutade nyss" not in page
    assert "Nyss förnyad" in page and "För gammal" not in page
