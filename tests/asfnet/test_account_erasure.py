"""A person's own data from the account page (GDPR art. 15) and deleting an account on request (art. 17):
by the person, or by a coordinator for someone who asked another way. Both after a fresh password."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from directory.models import Membership, MembershipRole
from kernel.models import AuditLog, ErasureRecord, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _reauthenticated(client, user, url: str) -> None:
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate") + f"?next={url}", {"password": PASSWORD})
    assert response.status_code == 302, response.content[:300]


def test_the_account_page_offers_the_download_and_the_deletion(client, world):
    client.force_login(world.staff_a)
    html = client.get(reverse("my_account")).content.decode()
    assert reverse("my_data") in html and reverse("account_erase") in html
    client.force_login(world.coordinator)
    html = client.get(reverse("my_account")).content.decode()
    assert reverse("audit:log") in html and reverse("erase_person") in html
    assert reverse("account_erase") not in html  # a coordinator's account is ended by the förbund


@pytest.mark.security("H43")
def test_a_person_downloads_their_own_data_after_a_fresh_password_and_it_is_audited(client, world):
    url = reverse("my_data")
    client.force_login(world.staff_a)
    assert client.get(url)["Location"].startswith(reverse("account_reauthenticate"))
    assert not AuditLog.objects.filter(action="personal_data.export").exists()

    _reauthenticated(client, world.staff_a, url)
    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="asfnet-personal-data-staff.a-example.se-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert json.loads(archive.read("manifest.json"))["subject"] == "staff.a@example.se"
    entry = AuditLog.objects.get(action="personal_data.export")
    assert entry.actor == world.staff_a and entry.target_id == str(world.staff_a.code)


def test_a_member_deletes_their_own_account(client, world):
    url = reverse("account_erase")
    _reauthenticated(client, world.staff_a, url)
    code = str(world.staff_a.code)

    refused = client.post(url, {}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and User.objects.filter(pk=world.staff_a.pk).exists()

    response = client.post(url, {"confirm": "on"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not User.objects.filter(email="staff.a@example.se").exists()
    assert not Membership.objects.filter(user_id=world.staff_a.pk).exists()
    record = ErasureRecord.objects.get(policy="request")
    assert (record.target_type, record.target_id) == ("asfnet.user", code)
    assert AuditLog.objects.get(action="account.erase").data == {"policy": "request"}
    assert "_auth_user_id" not in client.session  # logged out with the account
    assert client.get(reverse("my_account")).status_code == 302


def test_the_only_administrator_of_an_organisation_with_colleagues_appoints_another_first(client, world):
    url = reverse("account_erase")
    _reauthenticated(client, world.admin_a, url)

    response = client.post(url, {"confirm": "on"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "You are the only administrator of Returen Återbruk." in response.content.decode()
    assert User.objects.filter(pk=world.admin_a.pk).exists() and not ErasureRecord.objects.exists()

    Membership.objects.filter(user=world.staff_a, organisation=world.org_a).update(role=MembershipRole.ADMIN)
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert not User.objects.filter(pk=world.admin_a.pk).exists()


def test_a_coordinator_deletes_the_account_of_a_person_who_asked_by_letter(client, world):
    url = reverse("erase_person")
    _reauthenticated(client, world.coordinator, url)

    unknown = client.post(url, {"email": "nobody@example.se", "confirm": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "No account has this e-mail address." in unknown.content.decode()
    coordinator = client.post(url, {"email": "coordinator@example.se", "confirm": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "take away the coordinator role first" in coordinator.content.decode()

    # The only administrator too: the right to erasure comes first, and the coordinator appoints the next one.
    response = client.post(url, {"email": "ADMIN.A@example.se", "confirm": "on"})

    assert response.status_code == 302
    assert not User.objects.filter(email="admin.a@example.se").exists()
    assert ErasureRecord.objects.filter(policy="request").count() == 1
    assert AuditLog.objects.get(action="account.erase").actor == world.coordinator


def test_no_one_else_deletes_an_account(client, world):
    _reauthenticated(client, world.staff_b, reverse("erase_person"))
    assert client.post(reverse("erase_person"), {"email": "staff.a@example.se", "confirm": "on"}).status_code == 403
    assert User.objects.filter(pk=world.staff_a.pk).exists()


@pytest.mark.security("H42")
def test_an_erased_person_s_event_registrations_stay_counted_but_keep_nothing_about_them(world):
    """The place stays for the event's figures (attendance, the organisation's kind); the person, their needs
    and their address go, exactly as after the event's own retention purge."""
    from directory.services import account_erase
    from events.factories import EventFactory, RegistrationFactory
    from events.models import Registration

    event = EventFactory(past=True)
    place = RegistrationFactory(
        event=event, user=world.staff_a, present=True, dietary_needs="Vegetarisk", accessibility_needs="Hörslinga"
    )
    other = RegistrationFactory(event=event, user=world.staff_b, dietary_needs="Glutenfri")

    account_erase(user=world.staff_a, policy="request")

    place = Registration.objects.get(pk=place.pk)
    assert (place.user_id, place.dietary_needs, place.accessibility_needs, place.guest_email) == (None, "", "", "")
    assert place.personal_data_purged and place.attendance == "present"
    assert place.organisation_kind == "asf"
    other.refresh_from_db()
    assert (other.user_id, other.dietary_needs, other.personal_data_purged) == (world.staff_b.pk, "Glutenfri", False)
