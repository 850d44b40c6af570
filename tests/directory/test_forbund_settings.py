"""The förbund's settings page (/forbund/settings/): the coordinators of the request's förbund edit its texts and
facts (what the front page, the privacy notice and the accessibility statement say); its identifier, host name,
area and coordinators stay the platform operator's (the Django admin). A coordinator of another förbund is no
coordinator here; on a national host the page does not exist."""

from __future__ import annotations

import pytest
from django.urls import reverse

from directory.models import Forbund
from kernel.factories import UserFactory
from kernel.models import AuditLog
from tests.conftest import give_totp

URL = reverse("forbund:settings")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
A_HOST = "a.testserver"
B_HOST = "b.testserver"


def form_data(forbund: Forbund, **changes) -> dict[str, str]:
    data = {
        "name": forbund.name,
        "short_name": forbund.short_name,
        "orgnr": forbund.orgnr,
        "intro_sv": forbund.intro_sv,
        "intro_en": forbund.intro_en,
        "contact_email": forbund.contact_email,
        "contact_phone": forbund.contact_phone,
        "dpo_email": forbund.dpo_email,
        "accessibility_email": forbund.accessibility_email,
        "accessibility_assessed_on": forbund.accessibility_assessed_on.isoformat()
        if forbund.accessibility_assessed_on
        else "",
        "show_national_events": "on" if forbund.show_national_events else "",
    }
    data.update(changes)
    return data


def _main(response) -> str:
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


def test_the_coordinator_edits_the_introduction_and_the_front_page_shows_it(client, two):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    page = client.get(URL, HTTP_HOST=A_HOST, **EN)
    assert page.status_code == 200
    assert 'value="Samordningsförbundet Södra Norrbotten"' in page.content.decode()

    new_intro = "Välkommen till nätverket för sociala företag från Älvsbyn till Luleå."
    response = client.post(URL, form_data(a, intro_sv=new_intro), HTTP_HOST=A_HOST, **EN)
    assert response.status_code == 302 and response["Location"] == URL
    followed = client.get(URL, HTTP_HOST=A_HOST, **EN)
    assert "The förbund&#x27;s settings were saved." in followed.content.decode()
    a.refresh_from_db()
    assert a.intro_sv == new_intro

    home = client.get("/", HTTP_HOST=A_HOST, HTTP_ACCEPT_LANGUAGE="sv")
    assert new_intro in _main(home)


def test_the_change_is_audited_with_the_changed_fields(client, two):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    client.post(URL, form_data(a, short_name="Södra NB", contact_phone="0920-12 34 56"), HTTP_HOST=A_HOST, **EN)
    row = AuditLog.objects.get(action="forbund.update")
    assert row.actor == coordinator_a
    assert row.target_type == "directory.forbund" and row.target_id == str(a.pk)
    assert row.data == {"fields": ["short_name", "contact_phone"]}


def test_saving_without_a_change_writes_no_audit_row(client, two):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    response = client.post(URL, form_data(a, orgnr="2220002204"), HTTP_HOST=A_HOST, **EN)  # the same number
    assert response.status_code == 302
    assert not AuditLog.objects.filter(action="forbund.update").exists()
    a.refresh_from_db()
    assert a.orgnr == "222000-2204"


def test_an_invalid_orgnr_is_refused_on_its_field_and_nothing_is_saved(client, two):
    a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    response = client.post(
        URL, form_data(a, orgnr="222000-2205", intro_en="Changed with a bad number."), HTTP_HOST=A_HOST, **EN
    )
    assert response.status_code == 200
    message = "The organisation number&#x27;s check digit is wrong. Check for a typo."
    page = response.content.decode()
    assert page.count(message) == 2  # in the error summary (linked to the field) and at the field itself
    assert f'<a href="#id_orgnr">Organisation number: {message}</a>' in page
    a.refresh_from_db()
    assert a.orgnr == "222000-2204" and a.intro_en != "Changed with a bad number."
    assert not AuditLog.objects.filter(action="forbund.update").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_phone", "ring mig", "Enter a telephone number: digits, spaces, + ( ) -."),
        ("contact_email", "inte-en-adress", "Enter a valid email address."),
        ("accessibility_assessed_on", "2026-13-45", "Enter a valid date."),
        ("name", "", "This field is required."),
        ("intro_en", "Kontakta 19900101-1239.", "This looks like a Swedish personal identity number"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(client, two, field, value, message):
    a, _b, coordinator_a, _ = two
    before = Forbund.objects.values().get(pk=a.pk)
    client.force_login(coordinator_a)
    response = client.post(URL, form_data(a, **{field: value}), HTTP_HOST=A_HOST, **EN)
    assert response.status_code == 200
    field_errors = response.content.decode().split(f'id="id_{field}_error"', 1)[1].split("</ul>", 1)[0]
    assert message.replace("'", "&#x27;") in field_errors
    assert Forbund.objects.values().get(pk=a.pk) == before
    assert not AuditLog.objects.filter(action="forbund.update").exists()


def test_the_host_area_and_coordinators_cannot_be_changed_here(client, two):
    a, _b, coordinator_a, coordinator_b = two
    codes = set(a.municipalities.values_list("code", flat=True))
    client.force_login(coordinator_a)
    data = form_data(
        a, slug="kapad", host="evil.example", municipalities=["2380"], coordinators=[coordinator_b.pk], name="A2"
    )
    assert client.post(URL, data, HTTP_HOST=A_HOST, **EN).status_code == 302
    a.refresh_from_db()
    assert (a.name, a.slug, a.host) == ("A2", "sodra-norrbotten", A_HOST)
    assert set(a.municipalities.values_list("code", flat=True)) == codes
    assert list(a.coordinators.all()) == [coordinator_a]


def test_the_coordinator_of_another_forbund_is_no_coordinator_on_this_host(client, two):
    a, _b, _, coordinator_b = two
    client.force_login(coordinator_b)
    assert client.get(URL, HTTP_HOST=A_HOST).status_code == 403
    response = client.post(URL, form_data(a, name="Kapat av B"), HTTP_HOST=A_HOST)
    assert response.status_code == 403
    a.refresh_from_db()
    assert a.name == "Samordningsförbundet Södra Norrbotten"
    assert not AuditLog.objects.filter(action="forbund.update").exists()


def test_on_their_own_host_they_edit_their_own_forbund_never_the_other(client, two):
    a, b, _, coordinator_b = two
    a_before = Forbund.objects.values().get(pk=a.pk)
    client.force_login(coordinator_b)
    page = client.get(URL, HTTP_HOST=B_HOST, **EN)
    assert page.status_code == 200 and 'value="Samordningsförbundet i Jämtlands län"' in page.content.decode()
    response = client.post(URL, form_data(b, intro_en="Jämtland's own words."), HTTP_HOST=B_HOST, **EN)
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.intro_en == "Jämtland's own words."
    assert Forbund.objects.values().get(pk=a.pk) == a_before
    assert AuditLog.objects.get(action="forbund.update").target_id == str(b.pk)


@pytest.mark.parametrize("who", ["anonymous", "coordinator", "member"])
def test_the_national_host_has_no_forbund_settings(client, two, who):
    _a, _b, coordinator_a, _ = two
    if who == "coordinator":
        client.force_login(coordinator_a)
    elif who == "member":
        client.force_login(UserFactory())
    assert client.get(URL, HTTP_HOST="testserver").status_code == 404


def test_only_coordinators_of_the_forbund_see_the_menu_item(client, two):
    _a, _b, coordinator_a, coordinator_b = two
    link = f'<a href="{URL}"'
    client.force_login(coordinator_a)
    assert link in client.get("/", HTTP_HOST=A_HOST, **EN).content.decode()
    assert link not in client.get("/", HTTP_HOST="testserver", **EN).content.decode()
    client.force_login(coordinator_b)
    assert link not in client.get("/", HTTP_HOST=A_HOST, **EN).content.decode()


def test_the_page_shows_what_only_the_operator_changes(client, two):
    _a, _b, coordinator_a, _ = two
    client.force_login(coordinator_a)
    main = _main(client.get(URL, HTTP_HOST=A_HOST, **EN))
    section = main.split('id="operator-heading"', 1)[1]
    assert "a.testserver" in section
    assert "Boden, Luleå, Piteå, Älvsbyn" in section
    # The page's headings in order: one h1, then h2 (the operator's section).
    assert main.count("<h1") == 1 and main.index("<h1") < main.index("<h2")


def test_only_the_platform_operator_has_the_forbund_admin(client, two):
    a, _b, coordinator_a, _ = two
    url = reverse("admin:directory_forbund_change", args=[a.pk])
    client.force_login(coordinator_a)  # staff, a coordinator, not the operator
    assert client.get(url, HTTP_HOST=A_HOST).status_code == 403
    operator = UserFactory(is_staff=True, is_superuser=True)
    give_totp(operator)
    client.force_login(operator)
    page = client.get(url, HTTP_HOST=A_HOST)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="host"' in html and 'name="municipalities"' in html and 'name="coordinators"' in html
