"""Asking a street reporter for information (issue 10, blocker 4).

The request is sent to the customer through the outbox on their preferred
channel, even though street report services leave casework's own status
messages off; the question and the reply are visible to the customer and
staff only: never on the public report page or in Open311.
"""
from __future__ import annotations

import pytest

from oxtom.cases import selectors as case_selectors
from oxtom.cases import services as casework
from oxtom.cases.models import Case, CaseEvent, Status
from oxtom.customers.models import Customer
from oxtom.notify.models import OutboundMessage

QUESTION = "Is the pothole on the north or south side of the road?"
ANSWER = "South side, outside number 12"


@pytest.fixture(autouse=True)
def _templates(db):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)


@pytest.fixture
def asked(make_report, officer_in_team, resident_a):
    Customer.objects.filter(pk=resident_a.customer.pk).update(preferred_channel="sms")
    report = make_report()
    assert report.case.service.notify_customer_on_change is False  # the owner sends its own messages
    accepted = casework.case_accept(case=report.case, expected_version=report.case.version, by=officer_in_team)
    case = casework.case_request_information(case=accepted, request_text=QUESTION,
                                             expected_version=accepted.version, by=officer_in_team)
    return report, case


def test_the_request_is_queued_on_the_preferred_channel(asked, resident_a):
    report, case = asked
    message = OutboundMessage.objects.get(customer=resident_a.customer, template_code="generic-update")
    assert message.channel == "sms" and message.recipient == resident_a.customer.phone
    assert QUESTION in message.body and f"/account/cases/{case.reference}/" in message.body
    assert case.events.filter(kind=CaseEvent.Kind.NOTIFICATION_SENT).exists()


def test_the_request_is_queued_once_even_if_retried(asked, resident_a):
    report, case = asked
    event = case.events.get(kind=CaseEvent.Kind.STATUS_CHANGED, to_status=Status.AWAITING_CUSTOMER)
    casework._notify_customer(case, event, message="again", by=None, always=True)  # a retried call, same event
    assert OutboundMessage.objects.filter(customer=resident_a.customer, template_code="generic-update").count() == 1


def test_question_and_reply_are_for_the_customer_not_the_public(asked, client, resident_a):
    report, case = asked
    reference = case.reference
    public = client.get(f"/reports/{reference}/").content.decode()
    assert QUESTION not in public and "Waiting for the customer" not in public
    updates = client.get("/open311/v2/servicerequestupdates.json").json()
    assert not any(QUESTION in u["description"] for u in updates)
    # The customer reads it on their own case page, and replies there.
    client.force_login(resident_a)
    own = client.get(f"/account/cases/{reference}/").content.decode()
    assert QUESTION in own
    response = client.post(f"/account/cases/{reference}/reply/", {"details": ANSWER})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
    client.logout()
    public = client.get(f"/reports/{reference}/").content.decode()
    assert ANSWER not in public and "Reply received" not in public and QUESTION not in public
    updates = client.get("/open311/v2/servicerequestupdates.json").json()
    assert not any(u["description"] in (QUESTION, "Reply received", ANSWER) for u in updates)
    assert QUESTION not in {e.text for e in case_selectors.public_timeline(case)}
    mine = case_selectors.customer_timeline(case)
    assert {e.text for e in mine} >= {QUESTION, "Reply received"} and ANSWER not in {e.text for e in mine}


def test_public_updates_still_reach_the_public_page(asked, client, officer_in_team):
    report, case = asked
    casework.case_add_public_update(case=case, text="An inspector will visit on Tuesday",
                                    expected_version=case.version, by=officer_in_team)
    page = client.get(f"/reports/{case.reference}/").content.decode()
    assert "An inspector will visit on Tuesday" in page and QUESTION not in page


def test_a_councillor_sees_public_events_only(asked):
    _, case = asked
    assert all(e.visibility == CaseEvent.Visibility.PUBLIC for e in case_selectors.public_timeline(case))


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001, "<script>alert(1)</script>"])
def test_bad_requests_save_nothing_and_send_nothing(make_report, officer_in_team, client, text):
    from django.core.exceptions import ValidationError

    report = make_report()
    accepted = casework.case_accept(case=report.case, expected_version=report.case.version, by=officer_in_team)
    sent_before = OutboundMessage.objects.count()
    if text.startswith("<"):
        case = casework.case_request_information(case=accepted, request_text=text,
                                                 expected_version=accepted.version, by=officer_in_team)
        page = client.get(f"/reports/{case.reference}/").content.decode()
        assert "<script>alert(1)</script>" not in page and "alert(1)" not in page
        return
    with pytest.raises(ValidationError):
        casework.case_request_information(case=accepted, request_text=text, expected_version=accepted.version,
                                          by=officer_in_team)
    assert OutboundMessage.objects.count() == sent_before
    assert Case.objects.get(pk=report.case_id).status != Status.AWAITING_CUSTOMER


def test_the_staff_case_page_says_who_can_see_each_entry(asked, client, officer_in_team):
    _, case = asked
    client.force_login(officer_in_team)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "The customer and staff" in page
