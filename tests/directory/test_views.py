"""The organisation's members page: withdrawing an open invitation, and the last administrator who
cannot be removed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from directory import services
from directory.access import actor_for
from directory.models import Invitation, Membership, MembershipRole
from kernel.models import AuditLog
from tests.factories import MembershipFactory


def _invite(world, email: str = "ny.kollega@example.se") -> tuple[Invitation, str]:
    invitation, token = services.invitation_create(
        inviter=actor_for(world.admin_a), organisation=world.org_a, email=email, role="member"
    )
    return invitation, token


def _withdraw_url(invitation: Invitation) -> str:
    return reverse(
        "directory:invitation_withdraw", kwargs={"code": invitation.organisation.code, "invitation": invitation.code}
    )


def test_an_admin_withdraws_an_open_invitation_and_its_link_stops_working(client, world):
    invitation, token = _invite(world)
    client.force_login(world.admin_a)
    members = client.get(reverse("directory:members", kwargs={"code": world.org_a.code}), HTTP_ACCEPT_LANGUAGE="sv")
    assert _withdraw_url(invitation) in members.content.decode()

    response = client.post(_withdraw_url(invitation), follow=True, HTTP_ACCEPT_LANGUAGE="sv")

    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "ny.kollega@example.se" not in [i.email for i in response.context["invitations"]]
    entry = AuditLog.objects.get(action="invitation.revoke")
    assert entry.actor == world.admin_a
    assert entry.target_id == str(invitation.code)

    client.logout()
    link = client.get(reverse("directory:invitation_accept", kwargs={"token": token}), HTTP_ACCEPT_LANGUAGE="en")
    assert link.status_code == 404
    assert "This invitation was withdrawn by the organisation" in link.content.decode()


def test_a_coordinator_may_withdraw_and_a_plain_member_may_not(client, world):
    invitation, _ = _invite(world)
    client.force_login(world.staff_a)
    assert client.post(_withdraw_url(invitation)).status_code == 403
    client.force_login(world.staff_b)  # not of the organisation: it does not exist for them
    assert client.post(_withdraw_url(invitation)).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None

    client.force_login(world.coordinator)
    assert client.post(_withdraw_url(invitation)).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_an_invitation_of_another_organisation_is_not_found_under_this_one(client, world):
    invitation, _ = _invite(world)
    MembershipFactory(organisation=world.org_b, user=world.admin_a, role=MembershipRole.ADMIN)
    client.force_login(world.admin_a)
    url = reverse("directory:invitation_withdraw", kwargs={"code": world.org_b.code, "invitation": invitation.code})
    assert client.post(url).status_code == 404


def test_a_used_invitation_cannot_be_withdrawn(client, world):
    invitation, _ = _invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    with pytest.raises(ValidationError):
        services.invitation_revoke(actor=actor_for(world.admin_a), invitation=invitation)
    client.force_login(world.admin_a)
    response = client.post(_withdraw_url(invitation), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "can no longer be withdrawn" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert not AuditLog.objects.filter(action="invitation.revoke").exists()


def test_an_expired_link_still_gets_the_general_message(client, world):
    invitation, token = _invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    response = client.get(reverse("directory:invitation_accept", kwargs={"token": token}), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    html = response.content.decode()
    assert "has been used, has expired or was withdrawn" in html
    assert "was withdrawn by the organisation" not in html


def test_the_last_administrator_cannot_be_removed_even_by_a_coordinator(client, world):
    admin = world.org_a.memberships.get(user=world.admin_a)
    with pytest.raises(ValidationError, match="last administrator"):
        services.membership_remove(actor=actor_for(world.coordinator), membership=admin)
    client.force_login(world.coordinator)
    url = reverse("directory:member_remove", kwargs={"code": world.org_a.code, "member": admin.code})
    response = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "The last administrator cannot be removed" in response.content.decode()
    assert Membership.objects.filter(pk=admin.pk).exists()
    assert not AuditLog.objects.filter(action="membership.remove").exists()


def test_an_administrator_may_go_when_another_remains(world):
    admin = world.org_a.memberships.get(user=world.admin_a)
    world.org_a.memberships.filter(user=world.staff_a).update(role=MembershipRole.ADMIN)
    services.membership_remove(actor=actor_for(world.admin_a), membership=admin)
    assert not Membership.objects.filter(pk=admin.pk).exists()
    # Now staff_a is the last one and stays.
    last = world.org_a.memberships.get(user=world.staff_a)
    with pytest.raises(ValidationError):
        services.membership_remove(actor=actor_for(world.coordinator), membership=last)


def test_removing_a_membership_already_gone_says_so(world):
    staff = world.org_a.memberships.get(user=world.staff_a)
    Membership.objects.filter(pk=staff.pk).delete()
    with pytest.raises(ValidationError, match="no longer a member"):
        services.membership_remove(actor=actor_for(world.admin_a), membership=staff)


def test_the_count_is_taken_under_a_lock_on_the_memberships(world):
    """The administrators are counted from rows locked with SELECT … FOR UPDATE in the same transaction."""
    seen: list[str] = []
    from django.db import connection

    admin = world.org_a.memberships.get(user=world.admin_a)
    wrapper = connection.execute_wrapper(lambda execute, sql, *a: (seen.append(sql), execute(sql, *a))[1])
    with wrapper, pytest.raises(ValidationError):
        services.membership_remove(actor=actor_for(world.admin_a), membership=admin)
    assert any("FOR UPDATE" in sql and "directory_membership" in sql for sql in seen)


def test_a_member_who_may_not_manage_is_refused_by_the_service(world):
    staff = world.org_a.memberships.get(user=world.staff_a)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=actor_for(world.staff_b), membership=staff)
