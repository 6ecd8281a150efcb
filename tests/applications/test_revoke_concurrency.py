"""Two officers' requests to revoke the same paid permit at the same moment, on PostgreSQL with real threads.

The revoke form carries a submission key (one key: the middleware's unique row makes the twin wait, then
answers it "already done") and entitlement_revoke locks the permit row (two keys: the second sees it revoked
and does nothing more). Either way: exactly one revocation, one "Refund due" case and one message to the
holder, and every request gets an answer (no 500). Skipped on SQLite locally (IMMEDIATE transactions
serialise there anyway); failed under REQUIRE_SERVICES=1 when no PostgreSQL is configured.
"""
from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from applications.models import Application, Entitlement
from oxtom.cases.models import Case
from oxtom.core.models import AuditEvent, SubmittedForm
from oxtom.notify.models import OutboundMessage
from tests.conftest import require

from .conftest import officer_of
from .test_refused_change import _issued

REASON = "The vehicle is not kept at the address"


def _needs_postgresql():
    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "the simultaneous revoke test needs PostgreSQL (set DATABASE_URL)")


def _at_once(clients, url, bodies):
    """POST bodies[i] from clients[i], all released together; returns the status codes."""
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []
    errors: list[BaseException] = []

    def send(i):
        try:
            barrier.wait(timeout=60)
            codes.append(clients[i].post(url, bodies[i]).status_code)
        except BaseException as exc:  # reported below: a thread must not die silently
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return codes


def _revoked_once(permit):
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.REVOKED and permit.details["revoked_reason"] == REASON
    assert AuditEvent.objects.filter(target_id=str(permit.pk), summary__endswith="revoked").count() == 1
    assert Case.objects.filter(title__startswith="Refund due").count() == 1, "one refund case"
    assert OutboundMessage.objects.filter(template_code="entitlement-ended").count() == 1, "one message"
    assert Application.objects.get(pk=permit.application_id).case.title.startswith("Refund due")


@pytest.fixture
def paid_permit(migration_data, svc, rose):
    for code in ("parking-permit",):
        case_service = svc(code).case_service
        case_service.qa_sample_rate = 0  # the rules issue it with no case, as most are
        case_service.save(update_fields=["qa_sample_rate"])
    permit = _issued(svc, rose)
    assert permit.application.payment_id is not None, "a paid permit, so a refund falls due"
    return permit


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_revoke_sent_twice_at_once_revokes_once(paid_permit):
    _needs_postgresql()
    officer = officer_of("parking-services", "parking.officer@example.org")
    clients = [Client(), Client()]
    for c in clients:
        c.force_login(officer)
    url = reverse("applications:revoke", args=[paid_permit.application.reference])
    body = {"reason": REASON, "submission_key": "twin-revoke-key-0123456789"}

    codes = _at_once(clients, url, [body, body])

    assert codes == [302, 302], codes
    _revoked_once(paid_permit)
    assert SubmittedForm.objects.count() == 1, "the key is recorded once"


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_revoking_at_once_with_their_own_forms_revoke_once(paid_permit):
    """Two tabs or two officers: different keys, so the row lock settles it."""
    _needs_postgresql()
    officers = [officer_of("parking-services", "parking.officer@example.org"),
                officer_of("parking-services", "second.officer@example.org")]
    clients = [Client(), Client(), Client(), Client()]
    for i, c in enumerate(clients):
        c.force_login(officers[i % 2])
    url = reverse("applications:revoke", args=[paid_permit.application.reference])
    bodies = [{"reason": REASON, "submission_key": f"own-revoke-key-{i}-0123456789"} for i in range(4)]

    codes = _at_once(clients, url, bodies)

    assert sorted(codes) == [302] * 4, codes
    _revoked_once(paid_permit)
