"""The apps' factories build what the models accept: every factory, with each of its traits, gives an object
that passes full_clean() (field validators, clean() and the constraints), so tests, the demo seed and the
bench start from valid data. Also: the service path (`actor=`) writes the audit log, a match in each state is
consistent with its opportunity's places, and `seeding()` updates instead of duplicating."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError

from directory.factories import organisation_profile, organisation_rows
from directory.models import Organisation, OrganisationKind
from kernel.factories import seeding
from kernel.models import AuditLog, User
from matchmaking.models import MatchStatus, NeedStatus
from tests.factories import (
    AgreementFactory,
    CertificationFactory,
    CoordinatorFactory,
    EventFactory,
    EventSeriesFactory,
    ForbundFactory,
    FundedProjectFactory,
    LabourMarketEventFactory,
    MatchFactory,
    MembershipFactory,
    NeedFactory,
    OpportunityFactory,
    OrganisationFactory,
    ParticipantFactory,
    PartnerRequestFactory,
    RegistrationFactory,
    ReportFileFactory,
    ReportRunFactory,
    SupportRecordFactory,
    UserFactory,
)

CASES = [
    (UserFactory, {}),
    (CoordinatorFactory, {}),
    (ForbundFactory, {}),
    (ForbundFactory, {"second": True}),
    (OrganisationFactory, {}),
    (OrganisationFactory, {"norrbotten": True}),
    (OrganisationFactory, {"verified": True, "placements": True}),
    (OrganisationFactory, {"kind": OrganisationKind.MUNICIPALITY}),
    (MembershipFactory, {}),
    (MembershipFactory, {"admin": True}),
    (CertificationFactory, {}),
    (CertificationFactory, {"lou_reserved": True, "expired": True}),
    (FundedProjectFactory, {}),
    (ParticipantFactory, {}),
    (ParticipantFactory, {"inactive": True}),
    (ParticipantFactory, {"employed": True, "exited": True}),
    (ParticipantFactory, {"long_term_unemployed": True, "disability": True, "rural": True}),
    (LabourMarketEventFactory, {}),
    (NeedFactory, {}),
    (NeedFactory, {"placed": True}),
    (OpportunityFactory, {}),
    (OpportunityFactory, {"full": True}),
    (OpportunityFactory, {"unpublished": True, "stale": True}),
    (OpportunityFactory, {"service": "cafe-restaurang"}),
    *[(MatchFactory, {"status": status}) for status in MatchStatus.values],
    (PartnerRequestFactory, {}),
    (AgreementFactory, {}),
    (EventSeriesFactory, {}),
    (EventFactory, {}),
    (EventFactory, {"past": True}),
    (EventFactory, {"draft": True, "online": True}),
    (EventFactory, {"cancelled": True, "network": True}),
    (EventFactory, {"invited_only": True, "capacity": 10}),
    (RegistrationFactory, {}),
    (RegistrationFactory, {"waitlisted": True}),
    (RegistrationFactory, {"pending": True}),
    (RegistrationFactory, {"cancelled": True}),
    (RegistrationFactory, {"present": True}),
    (RegistrationFactory, {"absent": True}),
    (SupportRecordFactory, {}),
    (ReportRunFactory, {}),
    (ReportRunFactory, {"running": True}),
    (ReportRunFactory, {"succeeded": True}),
    (ReportRunFactory, {"failed": True}),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
@pytest.mark.parametrize(("factory_class", "traits"), CASES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_factory_and_trait_makes_a_valid_object(factory_class, traits):
    for _ in range(3):  # the random parts too
        obj = factory_class(**traits)
        obj.refresh_from_db()
        obj.full_clean(exclude=["password"] if isinstance(obj, User) else None)


@pytest.mark.django_db
def test_a_report_file_is_stored_with_its_content(settings):
    report_file = ReportFileFactory(format="csv", content=b"code,total\nEECO01,4\n")
    assert report_file.run.status == "succeeded"
    assert report_file.size == len(b"code,total\nEECO01,4\n")
    with report_file.file.open("rb") as handle:
        assert handle.read() == b"code,total\nEECO01,4\n"
    run = ReportRunFactory(succeeded=True, files=("csv", "xlsx"))
    assert sorted(run.files.values_list("format", flat=True)) == ["csv", "xlsx"]


@pytest.mark.django_db
def test_a_norrbotten_organisation_gets_its_services_municipalities_and_certifications():
    for _ in range(20):
        org = OrganisationFactory(norrbotten=True)
        assert org.municipalities_served.filter(code=org.kommunkod_id).exists()
        if org.kind == OrganisationKind.ASF:
            assert org.services.exists()
        assert org.certifications.count() <= 2


@pytest.mark.django_db  # the model's rules include that the municipality exists in the reference table
def test_organisation_profiles_are_valid_for_every_kind_and_municipality():
    """Each kind in each municipality, not only the weighted draws: the profile passes the model's rules."""
    from directory.factories import KINDS, KOMMUNER, PROFILE_EXTRAS

    rng = random.Random(1)
    for n, (kind, code) in enumerate((k, c) for k in KINDS for c in KOMMUNER):
        for _ in range(3):
            row = organisation_profile(rng, n, kind=kind, kommunkod=code)
            assert (row["kind"], row["kommunkod"]) == (kind, code)
            org = OrganisationFactory.build(**{k: v for k, v in row.items() if k not in PROFILE_EXTRAS})
            org.full_clean(exclude=["confirmed_by", "verified_by", "logo"], validate_unique=False)


def test_organisation_rows_are_deterministic_for_a_seed():
    assert organisation_rows(50, seed=3, start=10) == organisation_rows(50, seed=3, start=10)
    assert organisation_rows(50, seed=3, start=10) != organisation_rows(50, seed=4, start=10)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.STARTED, MatchStatus.ENDED])
def test_a_match_holds_a_place_exactly_while_accepted_or_started(status):
    match = MatchFactory(status=status, opportunity__places_total=2)
    match.opportunity.refresh_from_db()
    match.need.refresh_from_db()
    holds = status in (MatchStatus.ACCEPTED, MatchStatus.STARTED)
    assert match.opportunity.places_available == (1 if holds else 2)
    placed = status in (MatchStatus.STARTED, MatchStatus.ENDED)
    assert match.need.status == (NeedStatus.PLACED if placed else NeedStatus.OPEN)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.STARTED, MatchStatus.ENDED])
def test_with_an_actor_the_pipeline_goes_through_the_services_and_the_audit_log(world, status):
    participant = ParticipantFactory(actor=world.officer_x, raised_by_organisation=world.muni_x)
    need = NeedFactory(actor=world.officer_x, participant=participant, services=["aterbruk"])
    opportunity = OpportunityFactory(actor=world.admin_a, organisation=world.org_a, places_total=1)
    match = MatchFactory(need=need, opportunity=opportunity, actor=world.officer_x, host=world.admin_a, status=status)
    assert match.status == status
    assert match.proposed_by == world.officer_x
    assert list(need.services.values_list("slug", flat=True)) == ["aterbruk"]
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"participant.create", "need.create", "opportunity.create", "match.propose"} <= actions
    expected = {"accepted": "match.accept", "started": "match.start", "ended": "match.end"}.get(status)
    assert expected is None or expected in actions


@pytest.mark.django_db
def test_the_service_path_keeps_the_services_rules(world):
    """An officer of another municipality may not raise a participant for Luleå kommun."""
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        ParticipantFactory(actor=world.officer_y, raised_by_organisation=world.muni_x)


@pytest.mark.django_db
def test_an_event_with_registrations_fills_its_places_then_the_waiting_list():
    event = EventFactory(capacity=3, registrations=5)
    statuses = list(event.registrations.order_by("pk").values_list("status", flat=True))
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * 2
    member = MembershipFactory(user__preferred_language="en").user
    registration = RegistrationFactory(event=event, user=member)
    assert (registration.guest_name, registration.guest_email) == ("", "")
    assert registration.organisation == member.memberships.get().organisation
    assert registration.language == "en"


@pytest.mark.django_db
def test_seeding_updates_the_object_with_the_same_key_and_refuses_invalid_data():
    Seeding = seeding(OrganisationFactory, "orgnr")
    first = Seeding(orgnr="7696001010", name="Returen")
    again = Seeding(orgnr="7696001010", name="Returen Återbruk", kommunkod="2581")
    assert again.pk == first.pk and Organisation.objects.filter(orgnr="7696001010").count() == 1
    again.refresh_from_db()
    assert (again.name, again.kommunkod_id) == ("Returen Återbruk", "2581")
    with pytest.raises(ValidationError):
        Seeding(orgnr="7696001010", name="Returen", kommunkod="25800")
    user = seeding(UserFactory, "email")(email="demo@example.se", password="first-password-1")
    user = seeding(UserFactory, "email")(email="demo@example.se", password="second-password-2", totp="")
    assert User.objects.filter(email="demo@example.se").count() == 1
    assert user.check_password("second-password-2")
