"""Fixtures for assisted digital tests.

Until the lead adds AssistSessionMiddleware to settings.MIDDLEWARE, these
tests put it there themselves (after MessageMiddleware), so they test the
real stack either way.
"""
from __future__ import annotations

import pytest

from oxtom.customers.assist_defaults import seed_contact_reasons, seed_message_templates
from oxtom.customers.models import ContactReason
from oxtom.notify.defaults import seed_templates
from oxtom.notify.models import MessageTemplate
from tests.customers.helpers import make_customer

MIDDLEWARE = "oxtom.customers.middleware.AssistSessionMiddleware"


@pytest.fixture(autouse=True, scope="session")
def _assist_middleware():
    """Session-wide, so a live server started for browser tests loads it too."""
    from django.conf import settings
    from django.test.utils import override_settings

    if MIDDLEWARE in settings.MIDDLEWARE:
        yield
        return
    stack = list(settings.MIDDLEWARE)
    stack.insert(stack.index("django.contrib.messages.middleware.MessageMiddleware") + 1, MIDDLEWARE)
    with override_settings(MIDDLEWARE=stack):
        yield


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in the shared locmem cache: start every test with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def reasons(db):
    """The seeded contact reasons (seeded again: transactional tests flush migration data)."""
    seed_contact_reasons(ContactReason)
    return {r.code: r for r in ContactReason.objects.all()}


@pytest.fixture
def message_templates(db):
    seed_templates(MessageTemplate)
    seed_message_templates(MessageTemplate)
    return MessageTemplate.objects.all()


@pytest.fixture
def customer(db, division_a):
    return make_customer(first_name="Rose", last_name="Baker", email="rose.baker@example.org",
                         phone="+447700900555", postcode="OX1 1DS", division=division_a)


@pytest.fixture
def other_customer(db):
    return make_customer(first_name="Peter", last_name="Jones", email="peter.jones@example.org",
                         phone="+447700900666", postcode="OX4 2AB")


