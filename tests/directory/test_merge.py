"""Merging a duplicate organisation into the one kept: every row of every relation to Organisation moves (counted
per relation before and after), clashes are resolved by the rules of CLASH_RULES (each tested), the duplicate's
code answers 301 to the kept profile, both codes are audited, and only coordinators reach the pages. The
meta-tests fail when a relation to Organisation is neither moved generically nor covered by a clash rule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from directory.access import actor_for
from directory.merge import services
from directory.merge.services import CLASH_RULES, relations, unique_sets
from directory.models import (
    Certification,
    CertificationKind,
    Invitation,
    Membership,
    MembershipRole,
    Municipality,
    Organisation,
    OrganisationChange,
    OrganisationRedirect,
    OutdatedReport,
    ServiceCategory,
    hash_token,
)
from events.models import Event
from kernel.models import AuditLog
from matchmaking.models import PartnerAnswer, PartnerResponse
from notifications.services import notify
from tests.factories import (
    AgreementFactory,
    EventFactory,
    EventSeriesFactory,
    FundedProjectFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganisationFactory,
    ParticipantFactory,
    PartnerRequestFactory,
    RegistrationFactory,
    SupportRecordFactory,
    UserFactory,
)


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@dataclass
class Pair:
    keep: Organisation
    duplicate: Organisation
    shared_user: object
    # Rows of the duplicate that clash with one of the kept organisation's, per relation (label_lower, field).
    clashes: dict


def count(relation, organisation) -> int:
    return relation.model._base_manager.filter(**{relation.field: organisation}).count()


@pytest.fixture
def pair(world) -> Pair:
    """Two records of one ASF; the duplicate has rows in every relation to Organisation, some of which clash
    with the kept organisation's own."""
    keep = OrganisationFactory(name="Returen Ekonomisk Förening")
    dup = OrganisationFactory(name="Returen ek. för. (dubblett)")
    catering, stad = ServiceCategory.objects.filter(slug__in=["catering", "stad"]).order_by("slug")
    lulea, pitea = Municipality.objects.get(code="2580"), Municipality.objects.get(code="2581")
    keep.services.add(catering)
    dup.services.add(catering, stad)
    keep.municipalities_served.add(lulea)
    dup.municipalities_served.add(lulea, pitea)

    shared = UserFactory(email="anna@returen.se")
    MembershipFactory(organisation=keep, user=shared, role=MembershipRole.MEMBER)
    MembershipFactory(organisation=dup, user=shared, role=MembershipRole.ADMIN)
    MembershipFactory(organisation=dup, user__email="bo@returen.se")
    Invitation.objects.create(
        email="ny@returen.se",
        organisation=dup,
        role="member",
        token_hash=hash_token("merge-test"),
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    today = timezone.localdate()
    Certification.objects.create(
        organisation=keep, kind=CertificationKind.SKOOPI, valid_until=today + dt.timedelta(days=30)
    )
    Certification.objects.create(
        organisation=dup, kind=CertificationKind.SKOOPI, valid_until=today + dt.timedelta(days=300)
    )
    Certification.objects.create(
        organisation=dup, kind=CertificationKind.LOU_RESERVED, valid_until=today + dt.timedelta(days=90)
    )
    OrganisationChange.objects.create(organisation=dup, field="name", old_value="Returen", new_value=dup.name)
    OutdatedReport.objects.create(organisation=dup, what_is_wrong="Fel telefonnummer")
    OrganisationRedirect.objects.create(old_code="00000000-0000-4000-8000-000000000001", organisation=dup)

    AgreementFactory(title="IOP med båda", parties=[keep, dup, world.muni_x])
    AgreementFactory(title="IOP med dubbletten", parties=[dup, world.muni_x])
    both_answered = PartnerRequestFactory(organisation=world.business)
    PartnerResponse.objects.create(request=both_answered, organisation=keep, answer=PartnerAnswer.INTERESTED)
    PartnerResponse.objects.create(request=both_answered, organisation=dup, answer=PartnerAnswer.NOT_INTERESTED)
    PartnerResponse.objects.create(
        request=PartnerRequestFactory(organisation=world.business), organisation=dup, answer=PartnerAnswer.INTERESTED
    )
    PartnerRequestFactory(organisation=dup)
    FundedProjectFactory(diarienummer="23-999-S01", owner=dup)
    ParticipantFactory(raised_by_organisation=dup)
    OpportunityFactory(organisation=dup)
    EventSeriesFactory(organiser=dup)
    EventFactory(organiser=dup)
    # Both imported the same calendar event (events/ics_import): a clash on (organiser, import_uid) that keeps both.
    EventFactory(organiser=keep, import_uid="mote-1@kalender.example.se", title_sv="Importerad hos Returen")
    EventFactory(organiser=dup, import_uid="mote-1@kalender.example.se", title_sv="Importerad hos dubbletten")
    EventFactory(organiser=world.org_b, invited_only=True, invited=[keep, dup])
    EventFactory(organiser=world.org_b, invited_only=True, invited=[dup])
    RegistrationFactory(event=EventFactory(organiser=world.org_b), user=UserFactory(), organisation=dup)
    SupportRecordFactory(organisation=dup)
    clashes = {
        ("directory.organisation_services", "organisation"): 1,
        ("directory.organisation_municipalities_served", "organisation"): 1,
        ("directory.membership", "organisation"): 1,
        ("directory.certification", "organisation"): 1,
        ("matchmaking.agreement_parties", "organisation"): 1,
        ("matchmaking.partnerresponse", "organisation"): 1,
        ("events.event_invited_organisations", "organisation"): 1,
    }
    return Pair(keep=keep, duplicate=dup, shared_user=shared, clashes=clashes)


def merge(world, pair):
    return services.organisation_merge(actor=actor_for(world.coordinator), keep=pair.keep, duplicate=pair.duplicate)


# --- Every row is kept --------------------------------------------------------------------------------------


def test_the_fixture_has_rows_of_the_duplicate_in_every_relation(pair):
    """Guards the next test: a relation added later must be given rows here, or it would be checked vacuously."""
    empty = [r.key for r in relations() if count(r, pair.duplicate) == 0]
    assert empty == []


def test_every_related_row_moves_to_the_kept_organisation_relation_by_relation(world, pair):
    before = {r.key: (count(r, pair.keep), count(r, pair.duplicate)) for r in relations()}
    duplicate_pk = pair.duplicate.pk

    moved = merge(world, pair)

    assert not Organisation.objects.filter(pk=duplicate_pk).exists()
    for relation in relations():
        kept, duplicate = before[relation.key]
        if relation.key == ("directory.organisationredirect", "organisation"):
            duplicate += 1  # the duplicate's own code now redirects here too
        if relation.key == ("directory.organisationchange", "organisation"):
            duplicate += 1  # the merge is in the kept organisation's history
        expected = kept + duplicate - pair.clashes.get(relation.key, 0)
        assert count(relation, pair.keep) == expected, relation.key
        assert relation.model._base_manager.filter(**{f"{relation.field}_id": duplicate_pk}).count() == 0
    reported = {m.key: (m.count, m.merged) for m in moved}
    assert reported[("directory.membership", "organisation")] == (1, 1)
    assert reported[("matchmaking.participant", "raised_by_organisation")] == (1, 0)


def test_the_preview_counts_what_the_merge_moves(world, pair):
    preview = {m.key: (m.count, m.merged) for m in services.merge_preview(keep=pair.keep, duplicate=pair.duplicate)}
    moved = {m.key: (m.count, m.merged) for m in merge(world, pair)}
    for key in ("directory.organisationredirect", "directory.organisationchange"):
        preview.pop((key, "organisation"), None)
        moved.pop((key, "organisation"), None)
    assert preview == moved


# --- The clash rules, each --------------------------------------------------------------------------------


def test_the_same_imported_calendar_event_on_both_keeps_both_events_and_one_uid(world, pair):
    """Each event has its own registrations: none is deleted. The kept organisation's event keeps the source UID,
    so the next import of the calendar updates it and makes no second event."""
    uid = "mote-1@kalender.example.se"
    merge(world, pair)
    events = Event.objects.filter(organiser=pair.keep, title_sv__startswith="Importerad")
    assert sorted((e.title_sv, e.import_uid) for e in events) == [
        ("Importerad hos Returen", uid),
        ("Importerad hos dubbletten", ""),
    ]


def test_a_person_member_of_both_keeps_one_membership_as_administrator(world, pair):
    merge(world, pair)
    (membership,) = Membership.objects.filter(user=pair.shared_user)
    assert (membership.organisation, membership.role) == (pair.keep, MembershipRole.ADMIN)


def test_an_administrator_of_the_kept_one_stays_administrator(world):
    keep, dup = OrganisationFactory(), OrganisationFactory()
    person = UserFactory()
    MembershipFactory(organisation=keep, user=person, role=MembershipRole.ADMIN)
    MembershipFactory(organisation=dup, user=person, role=MembershipRole.MEMBER)
    services.organisation_merge(actor=actor_for(world.coordinator), keep=keep, duplicate=dup)
    assert Membership.objects.get(user=person).role == MembershipRole.ADMIN


def test_the_same_certification_on_both_keeps_the_one_valid_longest(world, pair):
    merge(world, pair)
    skoopi = Certification.objects.get(organisation=pair.keep, kind=CertificationKind.SKOOPI)
    assert skoopi.valid_until == timezone.localdate() + dt.timedelta(days=300)
    assert Certification.objects.filter(organisation=pair.keep).count() == 2


def test_the_same_certification_keeps_the_kept_ones_when_it_is_valid_longer(world):
    keep, dup = OrganisationFactory(), OrganisationFactory()
    today = timezone.localdate()
    Certification.objects.create(
        organisation=keep, kind=CertificationKind.SKOOPI, valid_until=today + dt.timedelta(days=90)
    )
    Certification.objects.create(
        organisation=dup, kind=CertificationKind.SKOOPI, valid_until=today + dt.timedelta(days=9)
    )
    services.organisation_merge(actor=actor_for(world.coordinator), keep=keep, duplicate=dup)
    assert list(Certification.objects.filter(organisation=keep).values_list("valid_until", flat=True)) == [
        today + dt.timedelta(days=90)
    ]


def test_two_answers_to_one_partner_request_keep_the_latest(world, pair):
    dup_answer = PartnerResponse.objects.get(organisation=pair.duplicate, answer=PartnerAnswer.NOT_INTERESTED)
    PartnerResponse.objects.filter(pk=dup_answer.pk).update(updated_at=timezone.now() + dt.timedelta(minutes=1))
    request = dup_answer.request
    merge(world, pair)
    (answer,) = PartnerResponse.objects.filter(request=request)
    assert (answer.organisation, answer.answer) == (pair.keep, PartnerAnswer.NOT_INTERESTED)


def test_two_answers_keep_the_kept_ones_when_it_is_later(world, pair):
    keep_answer = PartnerResponse.objects.get(organisation=pair.keep)
    PartnerResponse.objects.filter(pk=keep_answer.pk).update(updated_at=timezone.now() + dt.timedelta(minutes=1))
    merge(world, pair)
    (answer,) = PartnerResponse.objects.filter(request=keep_answer.request)
    assert answer.pk == keep_answer.pk and answer.answer == PartnerAnswer.INTERESTED


@pytest.mark.parametrize(
    "key",
    [
        "directory.organisation_services",
        "directory.organisation_municipalities_served",
        "matchmaking.agreement_parties",
        "events.event_invited_organisations",
    ],
)
def test_a_link_both_have_is_kept_once(world, pair, key):
    rule = CLASH_RULES[(key, "organisation")]
    assert rule.resolve is services._kept_row
    merge(world, pair)
    relation = next(r for r in relations() if r.key == (key, "organisation"))
    rows = relation.model._base_manager.filter(organisation=pair.keep)
    assert rows.count() == rows.values(*rule.match_on).distinct().count() == 2


def test_services_and_municipalities_become_the_union(world, pair):
    merge(world, pair)
    assert sorted(pair.keep.services.values_list("slug", flat=True)) == ["catering", "stad"]
    assert sorted(pair.keep.municipalities_served.values_list("code", flat=True)) == ["2580", "2581"]


# --- Redirects, notifications, audit -------------------------------------------------------------------------


def test_the_old_profile_url_answers_301_to_the_kept_profile(client, world, pair):
    old = reverse("directory:detail", kwargs={"code": pair.duplicate.code})
    merge(world, pair)
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == reverse("directory:detail", kwargs={"code": pair.keep.code})
    earlier = client.get(reverse("directory:detail", kwargs={"code": "00000000-0000-4000-8000-000000000001"}))
    assert earlier.status_code == 301 and earlier["Location"] == response["Location"]


def test_an_old_code_of_an_unpublished_kept_organisation_is_404_for_the_public(client, world, pair):
    merge(world, pair)
    Organisation.objects.filter(pk=pair.keep.pk).update(published=False)
    assert client.get(reverse("directory:detail", kwargs={"code": pair.duplicate.code})).status_code == 404


def test_links_in_notifications_lead_to_the_kept_organisation(world, pair):
    url = reverse("directory:edit", kwargs={"code": pair.duplicate.code})
    (notification,) = notify(
        kind="outdated_report", recipients=[pair.shared_user], url=url, params={"organisation": "R"}
    )
    merge(world, pair)
    notification.refresh_from_db()
    assert notification.url == reverse("directory:edit", kwargs={"code": pair.keep.code})


def test_the_merge_is_audited_under_both_codes(world, pair):
    dup_code, keep_code = str(pair.duplicate.code), str(pair.keep.code)
    merge(world, pair)
    away = AuditLog.objects.get(action="organisation.merged_away")
    assert (away.target_id, away.data["into"], away.actor) == (dup_code, keep_code, world.coordinator)
    merged = AuditLog.objects.get(action="organisation.merge")
    assert (merged.target_id, merged.data["duplicate"]) == (keep_code, dup_code)
    assert merged.data["moved"]["directory.membership.organisation"] == 1


# --- Refusals ------------------------------------------------------------------------------------------------


def test_merging_an_organisation_into_itself_is_refused_with_a_message(client, world, pair):
    client.force_login(world.coordinator)
    url = reverse("directory:merge_confirm", kwargs={"code": pair.keep.code, "duplicate": pair.keep.code})
    response = client.post(url, follow=True)
    assert "cannot be merged into itself" in response.content.decode()
    assert Organisation.objects.filter(pk=pair.keep.pk).exists()
    assert not AuditLog.objects.filter(action="organisation.merge").exists()
    with pytest.raises(ValidationError):
        services.organisation_merge(actor=actor_for(world.coordinator), keep=pair.keep, duplicate=pair.keep)


def test_only_a_coordinator_may_merge(world, pair):
    with pytest.raises(PermissionDenied):
        services.organisation_merge(actor=actor_for(world.admin_a), keep=pair.keep, duplicate=pair.duplicate)
    assert Organisation.objects.filter(pk=pair.duplicate.pk).exists()


@pytest.mark.parametrize("role", ["staff_a", "admin_a", "staff_b", "business_member", "officer_x"])
def test_non_coordinators_get_404_on_the_merge_pages(client, world, pair, role):
    MembershipFactory(organisation=pair.keep, user=getattr(world, role), role=MembershipRole.ADMIN)
    client.force_login(getattr(world, role))
    search = reverse("directory:merge", kwargs={"code": pair.keep.code})
    confirm = reverse("directory:merge_confirm", kwargs={"code": pair.keep.code, "duplicate": pair.duplicate.code})
    assert client.get(search).status_code == 404
    assert client.get(confirm).status_code == 404
    assert client.post(confirm).status_code == 404
    assert Organisation.objects.filter(pk=pair.duplicate.pk).exists()


def test_a_coordinator_finds_the_duplicate_confirms_and_merges(client, world, pair):
    client.force_login(world.coordinator)
    search = client.get(reverse("directory:merge", kwargs={"code": pair.keep.code}), {"q": "dubblett"})
    confirm = reverse("directory:merge_confirm", kwargs={"code": pair.keep.code, "duplicate": pair.duplicate.code})
    assert confirm in search.content.decode()
    by_orgnr = client.get(reverse("directory:merge", kwargs={"code": pair.keep.code}), {"q": pair.duplicate.orgnr})
    assert confirm in by_orgnr.content.decode()
    page = client.get(confirm).content.decode()
    assert "Memberships" in page and "Participants" in page
    response = client.post(confirm)
    assert response.status_code == 302 and response["Location"] == reverse(
        "directory:detail", kwargs={"code": pair.keep.code}
    )
    assert not Organisation.objects.filter(pk=pair.duplicate.pk).exists()


def test_the_search_never_offers_the_organisation_itself(client, world, pair):
    client.force_login(world.coordinator)
    response = client.get(reverse("directory:merge", kwargs={"code": pair.keep.code}), {"q": "Returen e"})
    assert list(response.context["candidates"]) == [pair.duplicate]


# --- The meta-tests ------------------------------------------------------------------------------------------


def test_every_relation_to_organisation_is_moved_generically_or_has_a_matching_clash_rule():
    from django.db import models

    seen = set()
    for rel in Organisation._meta.get_fields(include_hidden=True):
        if not isinstance(rel, models.ForeignObjectRel) or rel.many_to_many:
            continue
        key = (rel.related_model._meta.label_lower, rel.field.name)
        seen.add(key)
        for unique in unique_sets(rel.related_model, rel.field.name):
            assert key in CLASH_RULES, f"{key} has a uniqueness {sorted(unique)} and no clash rule"
            assert unique - {rel.field.name} == set(CLASH_RULES[key].match_on), key
    assert {r.key for r in relations()} == seen
    assert set(CLASH_RULES) <= seen, "a clash rule for a relation that no longer exists"


def test_the_walk_refuses_a_relation_that_could_clash_without_a_rule(monkeypatch):
    rules = dict(CLASH_RULES)
    del rules[("directory.membership", "organisation")]
    monkeypatch.setattr(services, "CLASH_RULES", rules)
    with pytest.raises(ImproperlyConfigured, match=r"directory\.membership\.organisation"):
        relations()
