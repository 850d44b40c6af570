"""The apps' factories, in one place for the tests (each app keeps its own in `<app>/factories.py`)."""

from __future__ import annotations

from directory.factories import CertificationFactory, MembershipFactory, OrganisationFactory, make_orgnr
from events.factories import EventFactory, EventSeriesFactory, RegistrationFactory
from kernel.factories import UserFactory
from matchmaking.factories import (
    AgreementFactory,
    FundedProjectFactory,
    LabourMarketEventFactory,
    MatchFactory,
    NeedFactory,
    OpportunityFactory,
    ParticipantFactory,
    PartnerRequestFactory,
)
from reports.factories import ReportFileFactory, ReportRunFactory, SupportRecordFactory

__all__ = [
    "AgreementFactory",
    "CertificationFactory",
    "EventFactory",
    "EventSeriesFactory",
    "FundedProjectFactory",
    "LabourMarketEventFactory",
    "MatchFactory",
    "MembershipFactory",
    "NeedFactory",
    "OpportunityFactory",
    "OrganisationFactory",
    "ParticipantFactory",
    "PartnerRequestFactory",
    "RegistrationFactory",
    "ReportFileFactory",
    "ReportRunFactory",
    "SupportRecordFactory",
    "UserFactory",
    "make_orgnr",
]
