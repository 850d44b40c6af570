"""Health probes (docs/security-checks.md I51), idle sessions (B8) and membership changes (C18)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from directory.models import Membership, MembershipRole


@pytest.mark.security("I51")
@pytest.mark.chaos
def test_readyz_says_503_when_the_broker_is_unreachable_and_tells_only_coordinators_why(client, world, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert client.get(reverse("healthz")).status_code == 200

    client.force_login(world.coordinator)
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "down"}


@pytest.mark.security("I51")
def test_readyz_is_200_when_everything_answers(client, db):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.security("B8")
@pytest.mark.adversarial("B")
def test_an_idle_session_ends(client, world, settings):
    client.force_login(world.staff_a)
    assert client.get(reverse("matchmaking:index")).status_code == 200
    session = client.session
    session["_asfnet_last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("matchmaking:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.security("B7")
@pytest.mark.adversarial("B")
def test_deactivated_user_is_logged_out_on_the_next_request(client, world):
    client.force_login(world.staff_a)
    world.staff_a.is_active = False
    world.staff_a.save()
    assert client.get(reverse("matchmaking:index")).status_code == 302


@pytest.mark.security("C18")
@pytest.mark.adversarial("C")
def test_removing_a_membership_takes_effect_on_the_next_request(client, world):
    client.force_login(world.staff_a)
    edit = reverse("directory:edit", kwargs={"code": world.org_a.code})
    assert client.get(edit).status_code == 200
    Membership.objects.filter(user=world.staff_a).delete()
    assert client.get(edit).status_code == 404


@pytest.mark.adversarial("C")
def test_the_last_administrator_cannot_be_removed_by_an_org_admin(client, world):
    admin_membership = world.org_a.memberships.get(user=world.admin_a)
    client.force_login(world.admin_a)
    url = reverse("directory:member_remove", kwargs={"code": world.org_a.code, "member": admin_membership.code})
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert Membership.objects.filter(pk=admin_membership.pk).exists()
    assert "administratör" in response.content.decode()

    # With a second administrator the first may go.
    world.org_a.memberships.filter(user=world.staff_a).update(role=MembershipRole.ADMIN)
    client.post(url)
    assert not Membership.objects.filter(pk=admin_membership.pk).exists()
