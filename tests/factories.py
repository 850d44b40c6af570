"""The apps' factories, in one place for the tests (each app keeps its own in `<app>/factories.py`)."""

from __future__ import annotations

from typing import Any

from directory.factories import (
    CertificationFactory,
    CoordinatorFactory,
    ForbundFactory,
    MembershipFactory,
    OrganisationFactory,
    make_orgnr,
)
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
    "CoordinatorFactory",
    "EventFactory",
    "EventSeriesFactory",
    "ForbundFactory",
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
    "by_code",
    "make_orgnr",
]


def by_code(data: dict[str, Any]) -> dict[str, Any]:
    """Service data as the tests write it, a municipality by its code (`"municipality": "2580"`), with the
    code as the foreign key's value (`municipality_id`). The forms give the services Municipality objects."""
    return {f"{k}_id" if k in ("municipality", "kommunkod") and isinstance(v, str) else k: v for k, v in data.items()}
