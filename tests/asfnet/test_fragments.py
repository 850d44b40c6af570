"""`{% fragment %}` (kernel/templatetags/asfnet_tags.py): the page header's language choice and an anonymous
visitor's menu are rendered once per process for each language and app, and are then the same text as the
page rendered afresh would have; anyone logged in gets their own menu whoever came before; the förbund's
texts beside them follow each change at once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from directory.forbund.models import Forbund
from kernel.templatetags import asfnet_tags

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _header(client, url: str, language: str) -> str:
    client.cookies.pop("django_language", None)
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    return CSRF.sub("", html.split("<main", 1)[0])


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_kept_fragment_is_the_text_rendered_afresh(client, settings, world, language):
    urls = [reverse("home"), reverse("directory:index"), reverse("events:index"), reverse("opportunities:list")]
    kept = {url: _header(client, url, language) for url in urls}
    assert asfnet_tags._fragments  # kept
    settings.DEBUG = True  # rendered every time
    for url in urls:
        assert _header(client, url, language) == kept[url]
    assert ('aria-current="page">Directory' if language == "en" else 'aria-current="page">Katalog') in kept[urls[1]]
    assert kept[urls[1]].count('aria-current="page"') == 1 and 'aria-current="page"' not in kept[urls[0]]
    assert " selected>English" in kept[urls[0]] if language == "en" else " selected>Svenska" in kept[urls[0]]


@pytest.mark.django_db
def test_a_logged_in_person_gets_their_own_menu_whoever_came_before(client, world):
    url = reverse("directory:index")
    for _ in range(2):
        client.logout()
        anonymous = _header(client, url, "en")
        assert "Log in" in anonymous and "My account" not in anonymous
        client.force_login(world.staff_a)
        member = _header(client, url, "en")
        assert "My account" in member and "Log in" not in member and "Reports" not in member
        client.force_login(world.coordinator)
        assert "Reports" in _header(client, url, "en")


@pytest.mark.django_db
def test_the_forbunds_texts_in_the_header_and_footer_follow_a_change(client, world):
    forbund = Forbund.objects.get()
    url = reverse("directory:detail", args=[world.org_a.code])
    before = client.get(url).content.decode()
    assert f">{forbund.short_name}<" in before
    forbund.short_name, forbund.name = "Nytt kortnamn", "Samordningsförbundet Nytt Namn"
    forbund.save()
    after = client.get(url).content.decode()
    assert ">Nytt kortnamn<" in after and "Samordningsförbundet Nytt Namn" in after
