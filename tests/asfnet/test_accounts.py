"""Accounts: invitation-only signup, e-mail verification, MFA for officers and coordinators, rate limits,
the admin login through allauth (docs/security-checks.md A1, A3, A4, A5)."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from directory.models import Invitation, Membership, MembershipRole
from directory.tasks import send_invitation_email
from kernel.models import AuditLog, User
from tests.conftest import TOTP_SECRET
from tests.factories import UserFactory
from tests.personnummer import SWEDISH_MESSAGE, WRITINGS

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "snö på fjället i november 42"


def _current_totp() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def _invite(client, world, email="ny.kollega@example.se", role="member", language="sv"):
    """An org admin invites through the members page; the e-mail task is enqueued after commit and
    its body is run here as the worker would."""
    client.force_login(world.admin_a)
    with pytest.MonkeyPatch.context() as mp:
        sent: list[tuple] = []
        mp.setattr(send_invitation_email, "delay_on_commit", lambda *args: sent.append(args))
        response = client.post(
            reverse("directory:members", kwargs={"code": world.org_a.code}),
            {"email": email, "role": role, "language": language},
        )
    assert response.status_code == 302
    assert len(sent) == 1, "exactly one invitation e-mail is enqueued"
    send_invitation_email(*sent[0])
    client.logout()
    message = mail.outbox[-1]
    link = re.search(r"https?://\S+/directory/invitation/\S+/", message.body).group(0)
    return message, link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


@pytest.mark.security("A3")
@pytest.mark.adversarial("A")
def test_invitation_flow_end_to_end(client, world):
    message, path = _invite(client, world)
    assert message.to == ["ny.kollega@example.se"]
    assert "Returen Återbruk" in message.subject  # Swedish by default
    assert "Inbjudan" in message.subject

    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_signup")
    signup_page = client.get(reverse("account_signup"))
    assert signup_page.status_code == 200
    assert "ny.kollega@example.se" in signup_page.content.decode()

    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Ny Kollega",
            "email": "ny.kollega@example.se",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="ny.kollega@example.se")
    assert user.full_name == "Ny Kollega"
    assert EmailAddress.objects.get(user=user).verified, "the invitation link proved the address"
    membership = Membership.objects.get(user=user)
    assert membership.organisation == world.org_a
    assert membership.role == MembershipRole.MEMBER
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user.password.startswith(("argon2", "md5"))  # md5 only under the test hasher
    assert AuditLog.objects.filter(action="invitation.accept", actor=user).count() == 1

    # Single use: the same link again is an invalid invitation.
    client.logout()
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("language", "sentences"),
    [
        (
            "sv",
            [
                "Konton skapas genom inbjudan",
                "En administratör i din organisation bjuder in dig",
                "Vad händer sedan",
                "Den fungerar en gång, i 14 dagar.",
            ],
        ),
        (
            "en",
            [
                "Accounts by invitation",
                "An administrator of your organisation invites you",
                "What happens next",
                "It works once, for 14 days.",
            ],
        ),
    ],
)
def test_signup_without_an_invitation_explains_who_may_have_an_account_and_what_happens_next(
    client, db, settings, language, sentences
):
    settings.INVITATION_VALID_DAYS = 14
    response = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    for sentence in sentences:
        assert sentence in page
    assert 'name="password1"' not in page  # no form: nobody signs up without an invitation
    assert reverse("account_login") in page


def test_the_invited_persons_signup_page_names_the_organisation_and_labels_every_field(client, world):
    _, path = _invite(client, world)
    client.get(path)
    page = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have been invited to join Returen Återbruk as Member." in page
    for name in ("full_name", "email", "password1", "password2"):
        assert f'<label for="id_{name}"' in page


@pytest.mark.adversarial("A")
def test_invitation_in_english_is_written_in_english(client, world):
    message, _ = _invite(client, world, email="guest@example.se", language="en")
    assert "Invitation to Returen Återbruk" in message.subject
    assert "Create your account" in message.body


@pytest.mark.security("A3")
@pytest.mark.adversarial("A")
def test_signup_with_another_address_than_the_invitation_is_refused(client, world):
    _, path = _invite(client, world)
    client.get(path)
    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Någon",
            "email": "someone.else@example.se",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="someone.else@example.se").exists()
    assert not Membership.objects.filter(user__email="someone.else@example.se").exists()


@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
def test_signup_with_a_personnummer_in_the_name_is_refused_in_swedish(client, world):
    _, path = _invite(client, world)
    client.get(path)
    response = client.post(
        reverse("account_signup"),
        {
            "full_name": f"Ny Kollega {WRITINGS['en dash glued to ref-']}",
            "email": "ny.kollega@example.se",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in response.content.decode()
    assert not User.objects.filter(email="ny.kollega@example.se").exists()


@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize("writing", ["minus sign with spaces glued to tel-", "dot", "figure dash"])
def test_a_user_is_never_saved_with_a_personnummer_in_the_name(db, writing):
    with pytest.raises(ValidationError) as error:
        User.objects.create_user("namn@example.se", full_name=f"Anna {WRITINGS[writing]}")
    assert "personnummer" in [e.code for e in error.value.error_dict["full_name"]]
    assert not User.objects.exists()


@pytest.mark.security("A3")
@pytest.mark.adversarial("A")
def test_signup_without_invitation_is_closed(client, db):
    response = client.post(
        reverse("account_signup"),
        {"full_name": "X", "email": "x@example.se", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@example.se").exists()


@pytest.mark.security("A3")
@pytest.mark.adversarial("A")
def test_expired_invitation_is_refused(client, world):
    _, path = _invite(client, world)
    Invitation.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert client.get(path).status_code == 404


@pytest.mark.adversarial("A")
def test_plain_member_cannot_invite_and_nothing_is_created(client, world):
    client.force_login(world.staff_a)
    response = client.post(
        reverse("directory:members", kwargs={"code": world.org_a.code}),
        {"email": "x@example.se", "role": "admin", "language": "sv"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.adversarial("A")
def test_org_admin_cannot_invite_a_coordinator(client, world):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("directory:members", kwargs={"code": world.org_a.code}),
        {"email": "x@example.se", "role": "coordinator", "language": "sv"},
    )
    assert response.status_code == 200  # the form says the choice is not valid
    assert not Invitation.objects.exists()


@pytest.mark.security("A3")
@pytest.mark.adversarial("A")
def test_unverified_email_cannot_log_in(client, db):
    UserFactory(email="unverified@example.se", verified=False)
    response = client.post(reverse("account_login"), {"login": "unverified@example.se", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")


def test_verified_member_logs_in(client, world):
    response = client.post(reverse("account_login"), {"login": "staff.a@example.se", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.staff_a.pk


@pytest.mark.security("B6")
@pytest.mark.adversarial("A")
def test_session_key_changes_at_login(client, world):
    client.get(reverse("account_login"))
    client.cookies  # noqa: B018 - establish a session first
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    client.post(reverse("account_login"), {"login": "staff.a@example.se", "password": PASSWORD})
    assert client.session.session_key != before


@pytest.mark.security("A1")
@pytest.mark.adversarial("A")
def test_repeated_failed_logins_lock_the_account_for_a_while(client, world):
    for _ in range(6):
        response = client.post(reverse("account_login"), {"login": "staff.a@example.se", "password": "wrong password"})
        assert "_auth_user_id" not in client.session
    response = client.post(reverse("account_login"), {"login": "staff.a@example.se", "password": PASSWORD})
    assert "_auth_user_id" not in client.session, "the right password is refused until the window passes"
    assert response.status_code in (200, 429)


@pytest.mark.security("A1")
@pytest.mark.adversarial("A")
def test_failed_logins_for_one_account_do_not_lock_another(client, world):
    for _ in range(6):
        client.post(reverse("account_login"), {"login": "staff.a@example.se", "password": "wrong password"})
    client.post(reverse("account_login"), {"login": "staff.b@example.se", "password": PASSWORD})
    assert int(client.session["_auth_user_id"]) == world.staff_b.pk


@pytest.mark.security("A1")
@pytest.mark.adversarial("A")
def test_admin_login_goes_through_allauth(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.security("A5")
@pytest.mark.adversarial("A")
@pytest.mark.parametrize("role", ["officer_x", "coordinator"])
def test_officer_and_coordinator_without_totp_must_set_it_up_first(client, world, role):
    from allauth.mfa.models import Authenticator

    user = getattr(world, role)
    Authenticator.objects.filter(user=user).delete()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert int(client.session["_auth_user_id"]) == user.pk
    for url in (
        reverse("home"),
        reverse("matchmaking:index"),
        reverse("reports:index"),
        reverse("admin:index"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    # The set-up page is reachable (allauth first asks for the password again, then shows the QR code).
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    response = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("mfa_activate_totp")
    assert client.get(reverse("accessibility")).status_code == 200


def test_asf_staff_need_not_set_up_totp(client, world):
    client.force_login(world.staff_a)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.security("A5")
@pytest.mark.adversarial("A")
def test_officer_logs_in_with_totp_and_a_used_code_is_refused(client, world):
    response = client.post(reverse("account_login"), {"login": "officer.x@example.se", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    code = _current_totp()
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.officer_x.pk

    # The same code a second time (another browser) is refused.
    client.logout()
    client.post(reverse("account_login"), {"login": "officer.x@example.se", "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" not in client.session


def _login_with_totp(client, code: str):
    client.post(reverse("account_login"), {"login": "officer.x@example.se", "password": PASSWORD})
    return client.post(reverse("mfa_authenticate"), {"code": code})


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_a_totp_code_one_step_either_side_of_now_is_accepted(client, world, steps, accepted):
    """A code typed as the 30-second step turns (or on a phone whose clock is a little off) still works."""
    step = int(time.time()) // 30 + steps
    _login_with_totp(client, format_hotp_value(hotp_value(TOTP_SECRET, step)))
    assert ("_auth_user_id" in client.session) is accepted


@pytest.mark.security("A5")
@pytest.mark.adversarial("A")
def test_a_used_totp_code_stays_marked_for_as_long_as_it_is_valid(client, world):
    from django.core.cache import cache

    from kernel.cache import totp_used_mark_lifetime

    code = _current_totp()
    _login_with_totp(client, code)
    assert "_auth_user_id" in client.session
    key = cache.make_and_validate_key(f"allauth.mfa.totp.used?user={world.officer_x.pk}&code={code}")
    ttl = cache._cache.get_client(key).ttl(key)
    assert totp_used_mark_lifetime() == 90
    assert 85 <= ttl <= 90  # three 30-second steps, not allauth's one


@pytest.mark.security("A4")
@pytest.mark.adversarial("A")
@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("kort", False),  # too short
        ("password1234", False),  # common
        ("123456789012345", False),  # numeric
        ("ReturenÅterbruk2026!", False),  # the organisation's name
        ("asfnet-lösenord-99", False),  # the portal's name
        ("en lång lösenfras om hjortron och myrar", True),
    ],
)
def test_password_rules(world, password, accepted):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user=world.staff_a)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


@pytest.mark.security("A3")
@pytest.mark.adversarial("A")
def test_password_reset_looks_the_same_for_known_and_unknown_addresses(client, world):
    known = client.post(reverse("account_reset_password"), {"email": "staff.a@example.se"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.se"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_login_page_does_not_offer_a_signup_link(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert reverse("account_signup") not in html
    assert "Konton skapas genom inbjudan" in html


@pytest.mark.security("A2")
@pytest.mark.adversarial("A")
def test_a_spoofed_x_forwarded_for_does_not_give_a_fresh_rate_limit_bucket(client, world, settings):
    """Behind one reverse proxy the client IP is the proxy's last X-Forwarded-For entry; whatever a client
    writes before it is ignored, so rotating fake addresses does not escape the per-IP limit (A2)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    real_client = "198.51.100.7"

    def attempt(i: int, client_ip: str = real_client):
        return client.post(
            reverse("account_login"),
            {"login": f"nobody{i}@example.se", "password": "wrong password"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, {client_ip}",
        )

    def limited(response) -> bool:
        form = response.context["form"]
        return any(e.code == "too_many_login_attempts" for e in form.errors.as_data().get("__all__", []))

    for i in range(10):  # 10 failed logins per minute per IP are allowed (ACCOUNT_RATE_LIMITS)
        assert not limited(attempt(i))
    assert limited(attempt(99)), "a new fake first address must not reset the per-IP count"
    assert not limited(attempt(100, client_ip="203.0.113.9")), "another real client is not affected"
