"""API fixtures: clients with keys, a street report case in the team, a permit on a vehicle."""
from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from api.models import Scope
from tests.portal.conftest import _media_in_tmp, catalogue, make_report, photo, pothole  # noqa: F401 - fixtures
from api.services import api_client_create


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


class Caller:
    """A test client that sends one key on every call."""

    def __init__(self, key: str):
        self.key, self.http = key, Client()

    def _headers(self, extra):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}", **extra}

    def get(self, path, data=None, **extra):
        return self.http.get(path, data, **self._headers(extra))

    def post(self, path, body=None, raw=None, content_type="application/json", **extra):
        import json

        payload = raw if raw is not None else json.dumps(body)
        return self.http.post(path, payload, content_type=content_type, **self._headers(extra))


@pytest.fixture
def make_caller(db):
    def _make(name, scopes, team=None, rate=120):
        client, key = api_client_create(name=name, scopes=scopes, team=team, rate_per_minute=rate, by=None)
        caller = Caller(key)
        caller.client = client
        return caller

    return _make


@pytest.fixture
def contractor(make_caller, team):
    return make_caller("highways-contractor", [Scope.CASES_READ, Scope.CASES_UPDATE], team=team)


@pytest.fixture
def reader(make_caller, team):
    return make_caller("works-reader", [Scope.CASES_READ], team=team)


@pytest.fixture
def enforcement(make_caller):
    return make_caller("enforcement-handhelds", [Scope.ENTITLEMENTS_CHECK])


@pytest.fixture
def telephony(make_caller):
    return make_caller("telephony", [Scope.CUSTOMERS_LOOKUP])


@pytest.fixture
def report_in_team(make_report, team):
    report = make_report()
    assert report.case.team_id == team.pk
    return report


@pytest.fixture
def permit(db, resident_a):
    from applications.models import Application, ApplicationService, Entitlement
    from applications.seed import seed

    seed(django_apps)
    service = ApplicationService.objects.get(code="parking-permit")
    today = timezone.localdate()
    application = Application.objects.create(reference="PP-TEST-1", service=service, customer=resident_a.customer,
                                             status=Application.Status.ISSUED, submitted_at=timezone.now())
    return Entitlement.objects.create(
        number="RP-TEST01", service=service, customer=resident_a.customer, application=application,
        starts_on=today - dt.timedelta(days=30), expires_on=today + dt.timedelta(days=300),
        details={"vehicle_registration": "AB12 CDE", "zone": "B", "address_key": "12 cowley road|ox4 1hp"},
        issued_at=timezone.now())
