"""The site's texts come from the request's förbund (directory.models.Forbund), never from the templates: its
name in the header and footer, its introduction on the front page, the controller and data protection officer
in the privacy notice, and the contact and review date in the accessibility statement. On a national host of an
installation with several förbund the front page lists them, each with a link to its portal; an installation with
one förbund shows no such list; an unknown host is refused."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from directory.models import Forbund, Municipality
from kernel.identifiers import format_orgnr, normalise_orgnr

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SV = {"HTTP_ACCEPT_LANGUAGE": "sv"}
HOME = "/"
PRIVACY = reverse("privacy")
ACCESSIBILITY = reverse("accessibility")

# What only one installation ever said: a förbund's name, its project number, organisation number and area.
HARD_CODED = ("Norrbotten", "23-051", "222000-2204", "Luleå, Piteå")


def _forbund(slug: str, name: str, short_name: str, orgnr: str, municipalities: list[str], **fields) -> Forbund:
    assert format_orgnr(normalise_orgnr(orgnr)) == orgnr  # a valid organisation number, in its written form
    forbund = Forbund.objects.create(slug=slug, name=name, short_name=short_name, orgnr=orgnr, **fields)
    forbund.municipalities.set(Municipality.objects.filter(code__in=municipalities))
    return forbund


@pytest.fixture
def alfa(db) -> Forbund:
    return _forbund(
        "alfa",
        "Samordningsförbundet Alfa",
        "Alfa",
        "222000-2204",
        ["2580", "2581"],
        host="a.testserver",
        intro_sv="Alfaportalen samlar sociala företag vid kusten.",
        intro_en="The Alfa portal brings together social enterprises on the coast.",
        dpo_email="dso@alfa.example",
        accessibility_email="tillganglighet@alfa.example",
        accessibility_assessed_on=dt.date(2026, 3, 14),
    )


@pytest.fixture
def beta(db) -> Forbund:
    return _forbund(
        "beta",
        "Samordningsförbundet Beta",
        "Beta",
        "222000-1354",
        ["2480"],
        host="b.testserver",
        intro_sv="Betaportalen samlar sociala företag i inlandet.",
        intro_en="The Beta portal brings together social enterprises inland.",
        contact_email="kansli@beta.example",
    )


def _page(client, url: str, host: str, language=EN, status: int = 200, **extra) -> str:
    response = client.get(url, HTTP_HOST=host, **language, **extra)
    assert response.status_code == status, (host, url, response.status_code)
    return response.content.decode()


def _main(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def _brand(page: str) -> str:
    return re.search(r'<span class="brand-sub">(.*?)</span>', page).group(1)


def _footer(page: str) -> str:
    return page.split('<footer class="site-footer">', 1)[1]


# --- Each förbund's host --------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", [EN, SV], ids=["en", "sv"])
def test_each_host_shows_its_own_forbund_and_nothing_of_the_other(client, alfa, beta, language):
    intro = "intro_en" if language is EN else "intro_sv"
    for own, other in ((alfa, beta), (beta, alfa)):
        page = _page(client, HOME, own.host, language)
        assert _brand(page) == own.short_name
        assert own.name in _footer(page)
        assert getattr(own, intro) in _main(page)
        assert other.name not in page and other.short_name not in _brand(page)
        assert other.intro_sv not in page and other.intro_en not in page
        assert 'id="forbund-list-heading"' not in page  # no national list on a förbund's portal


def test_the_heading_and_footer_name_the_forbund(client, alfa, beta):
    page = _page(client, HOME, alfa.host)
    assert "<h1>Work-integration social enterprises in Alfa</h1>" in page
    assert "asfnet is run by Samordningsförbundet Alfa." in _footer(page)


def test_a_forbund_without_introduction_gets_the_general_one(client, alfa, beta):
    Forbund.objects.filter(pk=beta.pk).update(intro_sv="", intro_en="")
    from directory.forbund.registry import forget

    forget()  # update() sends no signal
    main = _main(_page(client, HOME, beta.host))
    assert "asfnet brings together work-integration social enterprises (ASF)" in main


# --- The national front page -----------------------------------------------------------------------------------
def test_the_national_host_lists_every_forbund_with_a_link_to_its_portal(client, alfa, beta):
    page = _page(client, HOME, "testserver")
    main = _main(page)
    assert '<a href="http://a.testserver/">Samordningsförbundet Alfa</a>' in main
    assert '<a href="http://b.testserver/">Samordningsförbundet Beta</a>' in main
    assert main.index("Samordningsförbundet Alfa") < main.index("Samordningsförbundet Beta")  # by name
    # The list is a list, under a heading of its own, below the page's only h1.
    section = main.split('id="forbund-list-heading"', 1)[1].split("</section>", 1)[0]
    assert section.count("<li>") == 2 and "<ul" in section
    assert main.count("<h1") == 1 and main.index("<h1") < main.index("<h2")
    # The national directory and calendar.
    assert f'<a href="{reverse("directory:index")}">The national directory of organisations</a>' in main
    assert f'<a href="{reverse("events:index")}">The national calendar of events</a>' in main
    # No förbund's texts: a neutral header, heading and footer.
    assert _brand(page) == "ASF network"
    assert "<h1>Work-integration social enterprises</h1>" in main
    assert alfa.intro_en not in page and beta.intro_en not in page
    assert "asfnet – the network portal for work-integration social enterprises" in _footer(page)
    assert "is run by" not in page


def test_portal_links_keep_the_scheme_and_port_of_the_request(client, alfa, beta):
    main = _main(_page(client, HOME, "testserver:8000", secure=True))
    assert 'href="https://a.testserver:8000/"' in main and 'href="https://b.testserver:8000/"' in main


def test_a_forbund_without_host_is_listed_without_a_link(client, alfa, beta):
    _forbund("gamma", "Samordningsförbundet Gamma", "Gamma", "222000-1354", ["2482"])
    main = _main(_page(client, HOME, "testserver"))
    section = main.split('id="forbund-list-heading"', 1)[1].split("</section>", 1)[0]
    assert section.count("<li>") == 3
    assert "Samordningsförbundet Gamma (no portal address yet)" in section
    assert ">Samordningsförbundet Gamma</a>" not in section


def test_an_unknown_host_is_refused_and_shows_no_forbund(client, alfa, beta):
    for url in (HOME, PRIVACY):
        page = _page(client, url, "zz.testserver", status=400)
        assert alfa.name not in page and beta.name not in page


# --- An installation with one förbund --------------------------------------------------------------------------
def test_a_single_forbund_installation_shows_its_forbund_and_no_forbund_list(client, db):
    only = _forbund(
        "alfa", "Samordningsförbundet Alfa", "Alfa", "222000-2204", ["2580"], intro_en="Alfa in its own words."
    )
    for host in ("testserver", "zz.testserver"):  # one förbund answers on every host
        page = _page(client, HOME, host)
        assert _brand(page) == "Alfa" and "Alfa in its own words." in _main(page)
        assert "asfnet is run by Samordningsförbundet Alfa." in _footer(page)
        assert 'id="forbund-list-heading"' not in page and "Samordningsförbund on asfnet" not in page
        assert "The national directory of organisations" not in page and "no portal address" not in page
    assert only.host is None


def test_an_installation_without_forbund_is_neutral(client, db):
    page = _page(client, HOME, "testserver")
    assert _brand(page) == "ASF network"
    assert "asfnet – the network portal for work-integration social enterprises" in _footer(page)
    assert 'id="forbund-list-heading"' not in page


# --- Privacy notice and accessibility statement -----------------------------------------------------------------
def test_the_privacy_notice_names_the_forbund_as_controller_with_its_orgnr_and_dpo(client, alfa, beta):
    page = _main(_page(client, PRIVACY, alfa.host))
    assert "Samordningsförbundet Alfa (organisation number 222000-2204) is the controller" in page
    assert 'href="mailto:dso@alfa.example"' in page
    assert "data protection officer of Samordningsförbundet Alfa" in page
    assert beta.name not in page and "222000-1354" not in page


def test_the_privacy_notice_says_plainly_when_the_dpo_is_not_given(client, alfa, beta):
    page = _main(_page(client, PRIVACY, beta.host))
    assert "Samordningsförbundet Beta (organisation number 222000-1354) is the controller" in page
    assert "Samordningsförbundet Beta has not given an e-mail address for its data protection officer yet." in page
    assert 'href="mailto:kansli@beta.example"' in page  # the förbund's own contact address meanwhile
    assert alfa.name not in page and "dso@alfa.example" not in page


def test_the_privacy_notice_on_the_national_host_names_the_operator_neutrally(client, alfa, beta):
    page = _main(_page(client, PRIVACY, "testserver"))
    assert "The operator of asfnet is the controller" in page
    assert alfa.name not in page and beta.name not in page and "organisation number" not in page


def test_the_accessibility_statement_gives_the_forbunds_contact_and_review_date(client, alfa, beta):
    page = _main(_page(client, ACCESSIBILITY, alfa.host))
    assert page.count("Samordningsförbundet Alfa is responsible for this website.") == 1
    assert 'href="mailto:tillganglighet@alfa.example"' in page
    assert "Samordningsförbundet Alfa last reviewed the website's accessibility on 14 March 2026." in page
    assert beta.name not in page


def test_the_accessibility_statement_says_plainly_what_the_forbund_has_not_given(client, alfa, beta):
    page = _main(_page(client, ACCESSIBILITY, beta.host))
    assert "Samordningsförbundet Beta has not given an e-mail address for accessibility feedback yet." in page
    assert "Samordningsförbundet Beta has not recorded a review of the website's accessibility yet." in page
    assert 'href="mailto:kansli@beta.example"' in page
    assert "tillganglighet@alfa.example" not in page


def test_the_accessibility_statement_on_the_national_host_names_the_operator(client, alfa, beta):
    page = _main(_page(client, ACCESSIBILITY, "testserver"))
    assert "The operator of asfnet is responsible for this website." in page
    assert alfa.name not in page and beta.name not in page


def test_signup_names_the_forbund_whose_coordinators_invite(client, alfa, beta):
    page = _main(_page(client, reverse("account_signup"), alfa.host))
    assert "The coordinators at Samordningsförbundet Alfa invite you." in page and beta.name not in page
    national = _main(_page(client, reverse("account_signup"), "testserver"))
    assert "The coordinators at your samordningsförbund invite you." in national


# --- No installation's facts in the templates -------------------------------------------------------------------
def test_no_template_holds_a_forbunds_name_project_number_orgnr_or_area():
    root = Path(settings.BASE_DIR) / "templates"
    found = [
        f"{path.relative_to(root)}: {text}"
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".md"}
        for text in HARD_CODED
        if text in path.read_text(encoding="utf-8")
    ]
    assert found == []


def test_a_shared_organisation_is_edited_once_and_both_portals_show_the_change(client, world, alfa, beta):
    """Organisations are national: Returen's member edits its description on one portal, and both portals'
    profile pages and directory searches show the same one row."""
    from directory.models import Organisation

    hosts = [alfa.host, beta.host]
    client.force_login(world.staff_a)
    data = {
        "name": world.org_a.name,
        "kommunkod": world.org_a.kommunkod_id,
        "published": "on",
        "description_sv": "Vi lagar cyklar i hela länet.",
    }

    response = client.post(
        reverse("directory:edit", kwargs={"code": world.org_a.code}), data, headers={"host": hosts[0]}
    )

    assert response.status_code == 302
    assert Organisation.objects.filter(name=world.org_a.name).count() == 1
    detail = reverse("directory:detail", kwargs={"code": world.org_a.code})
    for host in hosts:
        page = client.get(detail, headers={"host": host, "accept-language": "sv"})
        assert page.status_code == 200 and "Vi lagar cyklar i hela länet." in page.content.decode(), host
        found = client.get(reverse("directory:index"), {"q": "cyklar", "area": "all"}, headers={"host": host})
        assert [o.code for o in found.context["page"].object_list] == [world.org_a.code], host
