"""The account page (/account/) and the language a person chooses: it decides the interface after login
(the cookie LocaleMiddleware reads) and the e-mails."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from directory.models import Invitation, hash_token
from kernel.models import AuditLog
from tests.asfnet.test_accounts import PASSWORD
from tests.conftest import give_totp
from tests.factories import UserFactory

URL = "/account/"


def test_the_account_page_is_at_account():
    assert reverse("my_account") == URL


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_links_every_security_page_and_the_notification_settings(client, world):
    client.force_login(world.staff_a)
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for name in ("mfa_activate_totp", "account_change_password", "account_email", "usersessions_list"):
        assert f'href="{reverse(name)}"' in html, name
    assert f'href="{reverse("notifications:preferences")}"' in html
    assert "not set up yet" in html


def test_with_totp_the_page_links_the_overview_and_recovery_codes(client, world):
    give_totp(world.staff_a)
    client.force_login(world.staff_a)
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{reverse("mfa_index")}"' in html
    assert f'href="{reverse("mfa_generate_recovery_codes")}"' in html
    assert f'href="{reverse("mfa_activate_totp")}"' not in html


def test_the_page_lists_memberships_and_open_invitations_only(client, world):
    def invite(email: str, **extra) -> Invitation:
        return Invitation.objects.create(
            email=email,
            organisation=world.org_b,
            role="admin",
            token_hash=hash_token(f"t-{email}-{len(extra)}-{timezone.now().timestamp()}"),
            expires_at=extra.pop("expires_at", timezone.now() + dt.timedelta(days=5)),
            **extra,
        )

    invite("Staff.A@example.se")  # the address in other case is the same person
    invite("staff.a@example.se", revoked_at=timezone.now())
    invite("staff.a@example.se", expires_at=timezone.now() - dt.timedelta(days=1))
    invite("someone.else@example.se")
    client.force_login(world.staff_a)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    overview = response.context["overview"]
    assert [m.organisation for m in overview.memberships] == [world.org_a]
    assert [(i.organisation, i.email) for i in overview.invitations] == [(world.org_b, "Staff.A@example.se")]
    html = response.content.decode()
    assert "Returen Återbruk" in html
    assert "Café Kvarnen as Administrator" in html


def test_choosing_a_language_saves_it_sets_the_cookie_and_is_audited(client, world):
    client.force_login(world.staff_a)
    response = client.post(URL, {"preferred_language": "en"})
    assert response.status_code == 302
    world.staff_a.refresh_from_db()
    assert world.staff_a.preferred_language == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    entry = AuditLog.objects.get(action="account.language")
    assert entry.data == {"from": "sv", "to": "en"}
    page = client.get(URL)  # the cookie now decides the interface
    assert page.content.decode().count('<html lang="en">') == 1
    assert "Your language is saved." in page.content.decode()


def test_an_unknown_language_is_refused_and_nothing_is_saved(client, world):
    client.force_login(world.staff_a)
    response = client.post(URL, {"preferred_language": "de"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    world.staff_a.refresh_from_db()
    assert world.staff_a.preferred_language == "sv"
    assert not AuditLog.objects.filter(action="account.language").exists()


def test_the_interface_follows_the_chosen_language_after_login(client, db):
    UserFactory(email="english.reader@example.se", preferred_language="en")
    response = client.post(
        reverse("account_login"),
        {"login": "english.reader@example.se", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="sv",  # a Swedish browser
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get(URL, HTTP_ACCEPT_LANGUAGE="sv").content.decode()


def test_a_swedish_reader_gets_swedish_after_login_in_an_english_browser(client, db):
    UserFactory(email="svensk.lasare@example.se", preferred_language="sv")
    client.post(
        reverse("account_login"),
        {"login": "svensk.lasare@example.se", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="sv">' in html
    assert "Mitt konto" in html


def test_a_language_chosen_in_this_browser_is_kept_at_login(client, db):
    """The header's switcher sets the cookie; logging in does not overrule a choice made in this browser."""
    UserFactory(email="svensk.lasare@example.se", preferred_language="sv")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("account_login"), {"login": "svensk.lasare@example.se", "password": PASSWORD})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="en">' in client.get(URL).content.decode()


def test_a_failed_login_does_not_change_the_language(client, db):
    UserFactory(email="english.reader@example.se", preferred_language="en")
    response = client.post(reverse("account_login"), {"login": "english.reader@example.se", "password": "wrong"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_sessions_app_lists_the_session_of_a_login(client, db):
    """allauth.usersessions is enabled: the account page's sessions link leads to a real list."""
    user = UserFactory(email="sessions@example.se")
    client.post(reverse("account_login"), {"login": "sessions@example.se", "password": PASSWORD})
    assert UserSession.objects.filter(user=user).count() == 1
    response = client.get(reverse("usersessions_list"))
    assert response.status_code == 200


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_page_reads_in_both_languages(client, world, language):
    client.force_login(world.staff_a)
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    expected = {"sv": "Dina organisationer", "en": "Your organisations"}[language]
    assert expected in html
