"""The coordinators' work queues (/directory/queues/): organisations awaiting verification, with a verification
expiring or expired, with a stale profile, hidden; filterable; bulk actions verify, remind and hide, all or
nothing, audited per organisation, with a message that counts; a bad selection is a message, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from directory.models import Organisation
from directory.queues.services import organisations_bulk_act
from kernel.models import AuditLog
from notifications.models import Notification

URL = "/directory/queues/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SV = {"HTTP_ACCEPT_LANGUAGE": "sv"}


@pytest.fixture
def queues(world, settings):
    """org_a never verified; org_b verified 11 months and 20 days ago (expires within 30 days); the business
    verified 13 months ago (expired); hidden_org stale (7 months) and unpublished; the others fresh and verified."""
    settings.VERIFICATION_VALID_MONTHS = 12
    now = timezone.now()
    Organisation.objects.update(verified_at=now, confirmed_at=now)
    Organisation.objects.filter(pk=world.org_a.pk).update(verified_at=None)
    Organisation.objects.filter(pk=world.org_b.pk).update(verified_at=now - relativedelta(months=12, days=-10))
    Organisation.objects.filter(pk=world.business.pk).update(verified_at=now - relativedelta(months=13))
    Organisation.objects.filter(pk=world.muni_y.pk).update(confirmed_at=now - relativedelta(months=7))
    return world


def page(client, query: str = "", **headers) -> str:
    response = client.get(URL + query, **(headers or EN))
    assert response.status_code == 200
    return response.content.decode()


def post(client, action: str, *organisations, query: str = "", **headers):
    data = {"action": action, "organisations": [str(o.code) for o in organisations]}
    return client.post(URL + query, data, follow=True, **(headers or EN))


def test_each_queue_lists_its_organisations(client, queues):
    client.force_login(queues.coordinator)
    awaiting = page(client)
    assert queues.org_a.name in awaiting and queues.org_b.name not in awaiting
    assert queues.org_b.name in page(client, "?queue=expiring")
    expired = page(client, "?queue=expired")
    assert queues.business.name in expired and queues.org_b.name not in expired
    stale = page(client, "?queue=stale")
    assert queues.muni_y.name in stale and queues.org_a.name not in stale
    hidden = page(client, "?queue=hidden")
    assert queues.hidden_org.name in hidden and queues.muni_y.name not in hidden


def test_the_queues_filter_on_type_municipality_and_name(client, queues):
    Organisation.objects.update(verified_at=None)
    client.force_login(queues.coordinator)
    asf = page(client, "?queue=awaiting&kind=asf")
    assert queues.org_a.name in asf and queues.business.name not in asf
    pitea = page(client, "?queue=awaiting&municipality=2581")
    assert queues.org_b.name in pitea and queues.org_a.name not in pitea
    named = page(client, "?queue=awaiting&q=kvarn")
    assert queues.org_b.name in named and queues.org_a.name not in named


def test_unknown_filter_values_give_a_message_not_a_500(client, queues):
    client.force_login(queues.coordinator)
    text = page(client, "?queue=nonsense&kind=spaceship&page=x")
    assert "0 organisations in this queue." in text


def test_only_coordinators_reach_the_queues(client, queues):
    for user in (queues.staff_a, queues.officer_x, queues.business_member):
        client.force_login(user)
        assert client.get(URL).status_code == 404
        assert post(client, "verify", queues.org_a).status_code == 404
    assert Organisation.objects.get(pk=queues.org_a.pk).verified_at is None
    with pytest.raises(PermissionDenied):
        organisations_bulk_act(actor=actor_for(queues.staff_a), action="verify", organisations=[queues.org_a])


def test_bulk_verify_verifies_each_audits_each_and_counts_in_swedish(client, queues):
    Organisation.objects.filter(pk=queues.business.pk).update(verified_at=None)
    client.force_login(queues.coordinator)
    response = post(client, "verify", queues.org_a, queues.business, **SV)
    assert "2 organisationer verifierades." in response.content.decode()
    assert (
        Organisation.objects.filter(pk__in=[queues.org_a.pk, queues.business.pk], verified_at__isnull=True).count() == 0
    )
    audited = AuditLog.objects.filter(action="organisation.verify").values_list("target_id", flat=True)
    assert sorted(audited) == sorted([str(queues.org_a.code), str(queues.business.code)])
    one = post(client, "verify", queues.org_b, **SV)
    assert "1 organisation verifierades." in one.content.decode()


def test_bulk_remind_tells_each_organisations_members_once(client, queues, django_capture_on_commit_callbacks):
    client.force_login(queues.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "remind", queues.org_a, queues.org_b, queues.hidden_org, **EN)
    text = response.content.decode()
    assert "The members of 3 organisations were asked to update their profiles." in text
    received = sorted(
        Notification.objects.filter(kind="profile_update_requested").values_list("recipient__email", flat=True)
    )
    # staff_b is a member of both B and the hidden organisation: one notification for each organisation.
    assert received == sorted(["staff.a@example.se", "admin.a@example.se", "staff.b@example.se", "staff.b@example.se"])
    notification = Notification.objects.filter(kind="profile_update_requested", recipient=queues.staff_a).get()
    assert notification.url == reverse("directory:confirm", kwargs={"code": queues.org_a.code})
    assert AuditLog.objects.filter(action="organisation.remind").count() == 3
    assert not mail.outbox or all(m.to[0] != queues.coordinator.email for m in mail.outbox)


def test_reminding_an_organisation_without_members_says_so(client, queues):
    lonely = Organisation.objects.create(name="Ensamma AB", kind="business", orgnr="5560360793", kommunkod_id="2580")
    client.force_login(queues.coordinator)
    text = post(client, "remind", lonely, **EN).content.decode()
    assert "1 of them has no members to ask." in text


def test_bulk_hide_takes_organisations_out_of_the_public_directory_with_history(client, queues):
    client.force_login(queues.coordinator)
    text = post(client, "hide", queues.muni_y, query="?queue=stale", **EN).content.decode()
    assert "1 organisation was hidden from the public directory." in text
    assert not Organisation.objects.get(pk=queues.muni_y.pk).published
    assert queues.muni_y.changes.filter(field="published", new_value="False").exists()
    assert AuditLog.objects.filter(action="organisation.update", target_id=str(queues.muni_y.code)).exists()


def test_a_bulk_action_is_all_or_nothing(client, queues, monkeypatch):
    """The last organisation (by name) the service refuses: the one hidden before it is not hidden either, and the
    message says so."""
    from django.core.exceptions import ValidationError

    from directory.queues import services

    real = services.organisation_update

    def refuse_b(*, actor, organisation, data):
        if organisation.pk == queues.org_a.pk:
            raise ValidationError("Returen Återbruk cannot be hidden.")
        return real(actor=actor, organisation=organisation, data=data)

    monkeypatch.setattr(services, "organisation_update", refuse_b)
    client.force_login(queues.coordinator)
    text = post(client, "hide", queues.org_a, queues.org_b, **EN).content.decode()
    assert "Nothing was changed: Returen Återbruk cannot be hidden." in text
    assert Organisation.objects.filter(pk__in=[queues.org_a.pk, queues.org_b.pk], published=False).count() == 0
    assert not AuditLog.objects.filter(action="organisation.update").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "verify"}, "Tick at least one organisation."),
        ({"organisations": ["{org_a}"]}, "Choose what to do with the ticked organisations."),
        ({"action": "explode", "organisations": ["{org_a}"]}, "Choose what to do with the ticked organisations."),
        ({"action": "verify", "organisations": ["not-a-code"]}, "One of the ticked organisations no longer exists."),
        (
            {"action": "verify", "organisations": ["{org_a}", "00000000-0000-0000-0000-000000000000"]},
            "One of the ticked organisations no longer exists.",
        ),
    ],
)
def test_a_bad_selection_is_a_message_and_changes_nothing(client, queues, data, message):
    client.force_login(queues.coordinator)
    filled = {
        key: [v.format(org_a=queues.org_a.code) for v in value] if isinstance(value, list) else value
        for key, value in data.items()
    }
    response = client.post(URL, filled, follow=True, **EN)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Organisation.objects.get(pk=queues.org_a.pk).verified_at is None


def test_the_stand_in_verification_period_follows_the_setting(queues, settings):

    assert set(Organisation.objects.verification_expired().values_list("pk", flat=True)) == {queues.business.pk}
    settings.VERIFICATION_VALID_MONTHS = 24
    assert not Organisation.objects.verification_expired().exists()
    assert not Organisation.objects.verification_expiring(within_days=30).exists()
    settings.VERIFICATION_VALID_MONTHS = 12
    assert set(Organisation.objects.verification_expiring(within_days=30).values_list("pk", flat=True)) == {
        queues.org_b.pk
    }
    assert not Organisation.objects.verification_expiring(within_days=5).exists()
    assert (
        dt.timedelta(days=9)
        < (Organisation.objects.verification_expiring().get().verified_at + relativedelta(months=12) - timezone.now())
        <= dt.timedelta(days=10)
    )
