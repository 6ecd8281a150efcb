"""A customer with a renewal invitation open and a case waiting for their reply texts us:
each text is one answer, to the service it is meant for, never to both."""
from __future__ import annotations

import datetime as dt

import pytest

from oxtom.cases import services as casework
from applications.models import Entitlement
from oxtom.cases.models import Case, Status
from applications.renewals.models import RenewalInvitation
from applications.renewals import services
from oxtom.accounts.models import TeamMembership
from tests import factories as f
from tests.casework.factories import ServiceFactory
from tests.renewals.test_services import sms_from

pytestmark = pytest.mark.django_db
PHONE = "+447700900333"


@pytest.fixture
def both_open(entitlement_factory, today, enqueued):
    """An invited bus pass and a case waiting on the same customer's reply."""
    entitlement = entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=20), preferred_channel="sms",
                                      phone=PHONE)
    services.renewals_run(today=today)
    service = ServiceFactory()
    officer = f.UserFactory(roles=["officer"])
    TeamMembership.objects.create(team=service.team, user=officer)
    case = casework.case_create(service=service, customer=entitlement.customer, answers={}, channel="web", by=None,
                                title="Pothole")
    case = casework.case_accept(case=case, expected_version=case.version, by=officer)
    case = casework.case_request_information(case=case, request_text="How deep is it?",
                                             expected_version=case.version, by=officer)
    return entitlement, case


def invitation(entitlement):
    return RenewalInvitation.objects.get(entitlement=entitlement)


@pytest.mark.parametrize("message, state", [("YES", RenewalInvitation.State.RENEWED),
                                            ("Change: I have moved", RenewalInvitation.State.CHANGED)])
def test_a_keyword_answers_the_renewal_and_leaves_the_case_waiting(both_open, message, state):
    entitlement, case = both_open
    inbound, _ = sms_from(PHONE, message)
    assert inbound.handled_by == ["renewals.reply-yes"]
    assert invitation(entitlement).state == state
    assert Case.objects.get(pk=case.pk).status == Status.AWAITING_CUSTOMER


def test_free_text_answers_the_case_and_leaves_the_renewal_open(both_open):
    entitlement, case = both_open
    inbound, _ = sms_from(PHONE, "About 50mm deep, by the drain")
    assert inbound.handled_by == ["casework.reply-to-request"]
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
    assert invitation(entitlement).state == RenewalInvitation.State.INVITED  # not taken as "something changed"
    assert Entitlement.objects.get(pk=entitlement.pk).status == Entitlement.Status.ACTIVE
