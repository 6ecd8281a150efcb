"""Shared fixtures for notification tests."""
from __future__ import annotations

import pytest

from oxtom.notify import services
from oxtom.notify.defaults import seed_templates
from oxtom.notify.models import MessageTemplate
from tests import factories as f


@pytest.fixture
def templates(db):
    """The seeded templates. Seeded here too because transactional tests elsewhere
    flush migration data from the shared test database."""
    seed_templates(MessageTemplate)
    return MessageTemplate.objects.all()


@pytest.fixture
def sinks(settings, tmp_path):
    """SMS and letter sinks in a fresh folder; email goes to pytest-django's locmem outbox."""
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.LETTER_FILE_PATH = str(tmp_path / "letters")
    settings.EMAIL_CHANNEL = "django"
    settings.SMS_CHANNEL = "file"
    settings.LETTER_CHANNEL = "file"
    return tmp_path


@pytest.fixture
def enqueued(monkeypatch):
    """Message ids that would have been published to the broker (no broker in unit tests)."""
    class Published(list):
        urgent: list

    published = Published()

    def fake(message_id, *, urgent=False):
        published.append(message_id)
        if urgent:
            published.urgent.append(message_id)
        return True

    published.urgent = []
    monkeypatch.setattr(services, "enqueue", fake)
    return published


@pytest.fixture
def customer(db):
    return f.CustomerFactory(
        first_name="Rose", last_name="Baker", email="rose@example.org", phone="+447700900123",
        preferred_channel="email",
    )


CONTEXT = {"name": "Rose Baker", "subject": "Your parking permit", "message": "Your permit is ready.", "reference": "PP-1234"}


@pytest.fixture
def context():
    return dict(CONTEXT)
