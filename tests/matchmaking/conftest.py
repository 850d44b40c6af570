"""Fixtures shared by the matchmaking page tests: a funded project, participants P_X and P_Y, a need, an
opportunity at ASF A and a placement. `mails` is used by every page test module (pytestmark there)."""

from __future__ import annotations

import pytest

from directory.access import actor_for
from directory.factories import ForbundFactory
from matchmaking import services
from matchmaking.models import FundedProject
from tests.matchmaking.pipeline import make_need, make_opportunity, make_participant


@pytest.fixture
def project(db, world):
    return FundedProject.objects.create(
        forbund=ForbundFactory(),
        diarienummer="23-051-S06",
        name="Samverkan för ASF i södra Norrbotten 2.0",
        owner=world.forbund,
    )


@pytest.fixture
def mails(monkeypatch):
    """A placement's steps notify the other side (notifications.services.notify), whose e-mail task is enqueued
    after commit; its body is tested in tests/notifications. Here: the kinds of the notifications whose
    e-mail was enqueued, in order (one per recipient), and no task handed to the broker."""
    from notifications.models import Notification
    from notifications.tasks import send_notification_email

    sent: list[str] = []
    monkeypatch.setattr(
        send_notification_email, "delay_on_commit", lambda pk: sent.append(Notification.objects.get(pk=pk).kind)
    )
    return sent


@pytest.fixture
def p_x(world, project):
    return make_participant(world, project, code="P-XLULEA1")


@pytest.fixture
def p_y(world, project):
    return make_participant(
        world, project, code="P-YPITEA1", officer=world.officer_y, organisation=world.muni_y, municipality="2581"
    )


@pytest.fixture
def need_x(world, p_x):
    return make_need(world.officer_x, p_x)


@pytest.fixture
def opp_a(world):
    return make_opportunity(world)


@pytest.fixture
def placement(world, need_x, opp_a):
    """P_X proposed at ASF A."""
    return services.match_propose(actor=actor_for(world.officer_x), need=need_x, opportunity=opp_a)
