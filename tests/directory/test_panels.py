"""The organisation profile gets its panels from the registry the other apps contribute to."""

from __future__ import annotations

import pytest
from django.urls import reverse

from directory import panels
from directory.panels import ProfilePanel, profile_panels, register_profile_panel
from tests.factories import OpportunityFactory


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
