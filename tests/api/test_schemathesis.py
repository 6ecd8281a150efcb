"""Property-based tests of the whole API against its own OpenAPI schema (schemathesis).

Every operation, generated valid and invalid input, with a key holding every scope: no 5xx, every
status code one the schema documents, every body and content type valid against it.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)
from schemathesis.checks import not_a_server_error

from api.models import Scope
from api.services import api_client_create
from oxtom.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly (not through Django's test client) fires request_started/finished,
    whose close_old_connections would close the test's own database connection inside its transaction
    (PostgreSQL then answers "connection already closed"); the test client disconnects it the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def key(db, team):
    _, key = api_client_create(name="schemathesis", scopes=list(Scope.values), team=team,
                               rate_per_minute=10_000, by=None)
    return key


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, key, permit, report_in_team):
    case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
