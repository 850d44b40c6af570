"""Fixtures shared by the event page tests."""

from __future__ import annotations

import pytest

from events.tasks import send_registration_email


@pytest.fixture
def mails(monkeypatch):
    """E-mails the services enqueue after commit: (registration id, kind, token)."""
    sent: list[tuple] = []
    monkeypatch.setattr(send_registration_email, "delay_on_commit", lambda *args: sent.append(args))
    return sent
