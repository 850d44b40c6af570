"""The organisation profile gets its panels from the registry the other apps contribute to."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory import panels
from directory.access import ANONYMOUS
from directory.models import Organisation
from directory.panels import ProfilePanel, profile_panels, register_profile_panel
from tests.factories import EventFactory, OpportunityFactory


def test_events_and_opportunities_register_their_panels_in_order():
    assert [p.name for p in profile_panels()] == ["events", "opportunities"]


@pytest.fixture
def test_panel_template(settings):
    """A template for a panel of the test's own, served by a locmem loader before the project's."""
    engine = {**settings.TEMPLATES[0], "APP_DIRS": False}
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "loaders": [
            ("django.template.loaders.locmem.Loader", {"tests/_panel.html": "<p>{{ text }}</p>"}),
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    }
    settings.TEMPLATES = [engine]
    return "tests/_panel.html"


@pytest.mark.django_db
def test_a_registered_panel_appears_on_the_profile_and_none_means_not_shown(client, world, test_panel_template):
    seen = []

    def context(request, organisation):
        seen.append(organisation.pk)
        return {"text": f"Panel för {organisation.name}"} if organisation == world.org_a else None

    register_profile_panel(ProfilePanel(name="test-panel", template=test_panel_template, context=context))
    try:
        page = client.get(reverse("directory:detail", kwargs={"code": world.org_a.code})).content.decode()
        other = client.get(reverse("directory:detail", kwargs={"code": world.org_b.code})).content.decode()
    finally:
        panels.PANELS.unregister("test-panel")
    assert "<p>Panel för Returen Återbruk</p>" in page
    assert "Panel för" not in other
    assert seen == [world.org_a.pk, world.org_b.pk]


@pytest.mark.django_db
def test_open_opportunities_panel_for_every_visitor_and_only_open_ones(client, world):
    """Placement opportunities are public (issue 11): the panel shows the open ones to anyone, linked to their
    public page; an unpublished one stays off the profile for everyone."""
    open_one = OpportunityFactory(organisation=world.org_a, title="Praktik i caféet")
    OpportunityFactory(organisation=world.org_a, title="Inte publicerad", published=False)
    url = reverse("directory:detail", kwargs={"code": world.org_a.code})
    for user in (None, world.staff_b):
        if user:
            client.force_login(user)
        page = client.get(url).content.decode()
        assert "Praktik i caféet" in page and "Inte publicerad" not in page
        assert reverse("opportunities:detail", kwargs={"code": open_one.code}) in page


@pytest.mark.django_db
def test_the_panels_read_nothing_of_their_own_when_the_organisation_has_nothing_to_show(client, world):
    """Whether the events and opportunities panels have anything to show is read with the profile's query of
    the organisation: an organisation with neither costs no query of theirs; one with an upcoming public event
    and an open opportunity gets both listed (one query each)."""
    url = reverse("directory:detail", kwargs={"code": world.org_b.code})
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No upcoming events." in page
    assert "open-opportunities" not in page  # a visitor is not told about an absence
    later = [q["sql"] for q in captured.captured_queries if "directory_facet_generation" not in q["sql"]]
    assert len(later) == len(captured.captured_queries) - 1  # the organisation's query, then the others
    assert not [sql for sql in later if "events_event" in sql or "matchmaking_opportunity" in sql]

    EventFactory(organiser=world.org_b, title_en="Open house at the workshop")
    EventFactory(organiser=world.org_b, title_en="The draft", draft=True)
    OpportunityFactory(organisation=world.org_b, title="Praktik i verkstaden")
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Open house at the workshop" in page and "The draft" not in page and "No upcoming events." not in page
    assert "Praktik i verkstaden" in page
    later = [q["sql"] for q in captured.captured_queries if "directory_facet_generation" not in q["sql"]]
    assert len([sql for sql in later if sql.startswith('SELECT "events_event"')]) == 1
    assert len([sql for sql in later if sql.startswith('SELECT "matchmaking_opportunity"')]) == 1


@pytest.mark.django_db
def test_the_panels_read_for_themselves_when_the_organisation_was_read_without_their_annotations(rf, world):
    """Another page (or a test) may hand a panel an organisation read without the profile's annotations."""
    EventFactory(organiser=world.org_b, title_sv="Öppet hus på snickeriet")
    OpportunityFactory(organisation=world.org_b, title="Praktik i verkstaden")
    request = rf.get("/")
    request.user = AnonymousUser()
    request.actor = ANONYMOUS
    organisation = Organisation.objects.get(pk=world.org_b.pk)
    contexts = {panel.name: panel.context(request, organisation) for panel in profile_panels()}
    assert [e.title_sv for e in contexts["events"]["events"]] == ["Öppet hus på snickeriet"]
    assert [o.title for o in contexts["opportunities"]["opportunities"]] == ["Praktik i verkstaden"]
