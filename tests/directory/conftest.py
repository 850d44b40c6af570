"""Fixtures of the directory's tests."""

from __future__ import annotations

import pytest

from directory.factories import CoordinatorFactory
from tests.conftest import give_totp


@pytest.fixture
def two(portals):
    """Förbund A (Södra Norrbotten on a.testserver) and B (Jämtland on b.testserver), a coordinator of each."""
    a, b = portals
    coordinator_a = CoordinatorFactory(forbund=a, email="samordnare.a@example.se")
    coordinator_b = CoordinatorFactory(forbund=b, email="samordnare.b@example.se")
    for user in (coordinator_a, coordinator_b):
        give_totp(user)
    return a, b, coordinator_a, coordinator_b
