"""Fixtures for renewal tests: the catalogue, entitlements due, message templates, no broker."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from applications.models import Application, ApplicationService, Entitlement
from applications.seed import seed as seed_catalogue
from applications.renewals.messages import seed_renewal_templates
from oxtom.notify import services as notify_services
from oxtom.notify.defaults import seed_templates
from oxtom.notify.models import MessageTemplate
from tests import factories as f

_numbers = itertools.count(1)


def seed_everything() -> None:
    """Catalogue and templates (transactional tests elsewhere may have flushed migration data)."""
    seed_templates(MessageTemplate)
    seed_catalogue(django_apps)
    seed_renewal_templates(MessageTemplate)


@pytest.fixture
def catalogue(db):
    seed_everything()
    return {s.code: s for s in ApplicationService.objects.all()}


@pytest.fixture
def enqueued(monkeypatch):
    """Message ids that would have been published to the broker (no broker in unit tests)."""
    published: list = []

    def fake(message_id, **_options):
        published.append(message_id)
        return True

    monkeypatch.setattr(notify_services, "enqueue", fake)
    return published


@pytest.fixture
def today():
    return timezone.localdate()


def make_entitlement(service: ApplicationService, *, customer=None, expires_on: dt.date, fee_pence: int = 0,
                     answers: dict | None = None, status: str = Entitlement.Status.ACTIVE, **customer_fields):
    """An issued entitlement (and the application that earned it) expiring on `expires_on`."""
    customer = customer or f.CustomerFactory(**customer_fields)
    n = next(_numbers)
    now = timezone.now()
    application = Application.objects.create(
        reference=f"TA{n:08d}", service=service, customer=customer, kind=Application.Kind.NEW,
        answers=answers or {"vehicle_registration": "AB12 CDE"}, status=Application.Status.ISSUED,
        decided_automatically=True, decided_at=now, fee_pence=fee_pence, submitted_at=now,
    )
    starts = expires_on - dt.timedelta(days=364)
    return Entitlement.objects.create(
        number=f"{service.number_prefix}-T{n:07d}", service=service, customer=customer, application=application,
        status=status, starts_on=starts, expires_on=expires_on, details={"zone": "A"}, issued_at=now,
    )


@pytest.fixture
def entitlement_factory(catalogue):
    def make(code: str = "bus-pass", **kwargs):
        return make_entitlement(catalogue[code], **kwargs)

    return make
