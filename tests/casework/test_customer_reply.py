"""The customer's side of a request for information: they read it in their account and reply,
which restarts the clock; and residents' case pages (/account/cases/), with acting-for."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oxtom.cases import rules, services as s
from oxtom.cases.models import Case, CaseEvent, Status
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Interaction
from tests import factories as f

from .factories import CaseEventFactory, CaseFactory

K = CaseEvent.Kind
LONDON = timezone.get_default_timezone()
ROLES = [
    "anonymous", "resident_a", "resident_b", "adviser", "officer_in_team", "officer_outside_team",
    "team_leader", "councillor_of_division", "councillor_elsewhere", "administrator",
]


@pytest.fixture
def outbox_templates(db):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)  # a transactional test elsewhere may have flushed the seeded rows


@pytest.fixture
def frozen_today(monkeypatch):
    def _set(day: dt.date):
        monkeypatch.setattr(rules, "today", lambda: day)

    return _set


@pytest.fixture
def waiting(make_case, officer_in_team, frozen_today):
    """A case received Thursday 26 March 2026, assigned, and waiting for the customer since Wednesday 1 April."""
    case = make_case(received_at=dt.datetime(2026, 3, 26, 10, tzinfo=LONDON))
    case = s.case_assign(case=case, assignee=officer_in_team, expected_version=case.version, by=officer_in_team)
    frozen_today(dt.date(2026, 4, 1))
    return s.case_request_information(case=case, request_text="Please send a photo of the pothole",
                                      expected_version=case.version, by=officer_in_team)


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def user_for(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


# --- the service -----------------------------------------------------------------------------------


def test_customer_reply_restarts_the_clock_over_easter(waiting, resident_a, customer_a, frozen_today):
    assert waiting.due_at == dt.date(2026, 4, 13) and waiting.paused_on == dt.date(2026, 4, 1)
    frozen_today(dt.date(2026, 4, 7))  # Tuesday after Easter: Thu 2 and Tue 7 are the working days paused
    case = s.case_customer_reply(case=waiting, customer=customer_a, details="Photo attached: it is 20cm deep",
                                 by=resident_a)
    case = refresh(case)
    assert case.status == Status.IN_PROGRESS and case.paused_on is None
    assert case.paused_working_days == 2 and case.due_at == dt.date(2026, 4, 15)
    reply = case.events.get(kind=K.CUSTOMER_REPLIED)
    assert reply.text == "Photo attached: it is 20cm deep" and reply.visibility == "staff" and reply.actor == resident_a
    status = case.events.filter(kind=K.STATUS_CHANGED).order_by("-id").first()
    # Public (the customer and councillor see that a reply arrived), but not what it said.
    assert status.visibility == "customer" and status.to_status == Status.IN_PROGRESS and "20cm" not in status.text
    assert Interaction.objects.filter(customer=customer_a, kind="case.customer_replied",
                                      direction=Interaction.Direction.INBOUND).exists()
    assert AuditEvent.objects.filter(summary="Customer replied to a request for information").exists()


def test_assigned_officer_is_emailed_once_without_personal_data(waiting, resident_a, customer_a, officer_in_team,
                                                                outbox_templates):
    from oxtom.notify.models import OutboundMessage

    s.case_customer_reply(case=waiting, customer=customer_a, details="My phone number is 07700 900123",
                          by=resident_a)
    message = OutboundMessage.objects.get(recipient=officer_in_team.email)
    assert waiting.reference in message.body and "07700" not in message.body
    assert refresh(waiting).events.filter(kind=K.NOTIFICATION_SENT, text__contains="officer").exists()


def test_only_the_customer_may_reply(waiting, resident_b, customer_a, officer_in_team, adviser):
    with pytest.raises(PermissionDenied):
        s.case_customer_reply(case=waiting, customer=customer_a, details="Not mine", by=resident_b)
    with pytest.raises(PermissionDenied):  # another customer's record, even their own login
        s.case_customer_reply(case=waiting, customer=resident_b.customer, details="Not mine", by=resident_b)
    with pytest.raises(PermissionDenied):  # staff reply through "record the customer's reply"
        s.case_customer_reply(case=waiting, customer=customer_a, details="Phoned in", by=officer_in_team)
    with pytest.raises(PermissionDenied):  # on behalf needs the adviser's permission
        s.case_customer_reply(case=waiting, customer=customer_a, details="x", by=resident_b, on_behalf_of=True)
    assert refresh(waiting).status == Status.AWAITING_CUSTOMER
    # An adviser acting for the customer (the view checks the session) may.
    case = s.case_customer_reply(case=waiting, customer=customer_a, details="Read out on the phone", by=adviser,
                                 channel="phone", on_behalf_of=True)
    assert refresh(case).status == Status.IN_PROGRESS
    assert case.events.get(kind=K.CUSTOMER_REPLIED).data == {"channel": "phone", "on_behalf_of": True}


@pytest.mark.parametrize("details,message", [
    ("", "Enter your reply"),
    ("   ", "Enter your reply"),
    ("x" * 5001, "5,000 characters or fewer"),
])
def test_bad_replies_are_refused_and_nothing_is_saved(waiting, resident_a, customer_a, details, message):
    events = waiting.events.count()
    with pytest.raises(ValidationError) as exc:
        s.case_customer_reply(case=waiting, customer=customer_a, details=details, by=resident_a)
    assert message in " ".join(exc.value.messages)
    assert refresh(waiting).status == Status.AWAITING_CUSTOMER and waiting.events.count() == events


def test_reply_when_not_waiting_is_refused(make_case, resident_a, customer_a):
    case = make_case()
    with pytest.raises(ValidationError, match="not waiting for anything from you"):
        s.case_customer_reply(case=case, customer=customer_a, details="Hello", by=resident_a)


def test_request_message_tells_the_customer_where_to_reply(outbox_templates, waiting):
    from oxtom.notify.models import OutboundMessage

    message = OutboundMessage.objects.get(customer=waiting.customer, body__contains="Please send a photo")
    assert f"/account/cases/{waiting.reference}/" in message.body


def test_long_customer_messages_are_cut_with_a_link(make_case):
    case = make_case()
    short = s.customer_message_text(case, "Line one.\nLine two.")
    assert short == "Line one.\nLine two."  # letters keep their paragraphs
    long = s.customer_message_text(case, "word " * 400)
    assert len(long) < s.MAX_MESSAGE_CHARS + 120
    assert long.endswith(f"/account/cases/{case.reference}/") and "Read the whole message at" in long


def test_a_long_decision_still_reaches_an_sms_customer(make_case, officer_in_team, customer_a, outbox_templates):
    from oxtom.notify.models import OutboundMessage

    customer_a.preferred_channel, customer_a.phone = "sms", "07700900123"
    customer_a.save()
    case = make_case()
    case = s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    case = s.case_decide(case=case, decision="refused", reasons="Because " + "the road is private. " * 200,
                         expected_version=case.version, by=officer_in_team)
    assert not case.events.filter(kind=K.NOTIFICATION_FAILED).exists()
    message = OutboundMessage.objects.get(customer=customer_a, channel="sms", body__contains="Decision")
    assert "Read the whole message at" in message.body and len(message.body) < 918


# --- the pages -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_account_case_pages_role_matrix(request, client_for, waiting, role):
    """Only the customer themselves: everyone else gets 404 (staff use the staff case page)."""
    client = client_for(user_for(request, role))
    for path in ("/account/cases/", f"/account/cases/{waiting.reference}/",
                 f"/account/cases/{waiting.reference}/reply/"):
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path
        elif path == "/account/cases/":
            assert response.status_code == 200
            assert (waiting.reference in response.content.decode()) == (role == "resident_a")
        else:
            assert response.status_code == (200 if role == "resident_a" else 404), (role, path)
    response = client.post(f"/account/cases/{waiting.reference}/reply/", {"details": "Reply"})
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    elif role != "resident_a":
        assert response.status_code == 404
    assert refresh(waiting).status == (Status.IN_PROGRESS if role == "resident_a" else Status.AWAITING_CUSTOMER)


def test_customer_reads_the_request_and_replies_from_their_account(client_for, waiting, resident_a,
                                                                  officer_in_team, frozen_today):
    client = client_for(resident_a)
    listing = client.get("/account/cases/").content.decode()
    assert "We need your reply" in listing
    page = client.get(f"/account/cases/{waiting.reference}/").content.decode()
    assert "Please send a photo of the pothole" in page and 'action="/account/cases/' in page
    s.case_add_note(case=waiting, text="Staff-only musing", expected_version=refresh(waiting).version,
                    by=officer_in_team)
    assert "Staff-only musing" not in client.get(f"/account/cases/{waiting.reference}/").content.decode()
    frozen_today(dt.date(2026, 4, 2))
    response = client.post(f"/account/cases/{waiting.reference}/reply/", {"details": "Photo sent by post"},
                           follow=True)
    body = response.content.decode()
    assert "we have your reply" in body and "Now in progress" in body
    assert refresh(waiting).status == Status.IN_PROGRESS
    # Nothing more to reply to: the reply page sends them back with a message.
    response = client.get(f"/account/cases/{waiting.reference}/reply/", follow=True)
    assert "We are not waiting for anything from you on this case" in response.content.decode()


@pytest.mark.parametrize("details,message", [
    ("", "Enter your reply"),
    ("x" * 5001, "Your reply must be 5,000 characters or fewer"),
])
def test_reply_form_bad_input(client_for, waiting, resident_a, details, message):
    response = client_for(resident_a).post(f"/account/cases/{waiting.reference}/reply/", {"details": details})
    body = response.content.decode()
    assert response.status_code == 200 and message in body and "govuk-error-summary" in body
    assert refresh(waiting).status == Status.AWAITING_CUSTOMER
    assert not refresh(waiting).events.filter(kind=K.CUSTOMER_REPLIED).exists()


def test_hostile_reply_is_stored_as_text_and_escaped(client_for, waiting, resident_a, officer_in_team):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client_for(resident_a).post(f"/account/cases/{waiting.reference}/reply/", {"details": hostile})
    assert refresh(waiting).events.get(kind=K.CUSTOMER_REPLIED).text == hostile
    body = client_for(officer_in_team).get(f"/staff/cases/{waiting.reference}/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body and "<img src=x" not in body


def test_officer_recorded_the_reply_meanwhile_the_customer_keeps_their_words(client_for, waiting, resident_a,
                                                                             officer_in_team):
    s.case_information_received(case=waiting, details="Phoned in", expected_version=refresh(waiting).version,
                                by=officer_in_team)
    response = client_for(resident_a).post(f"/account/cases/{waiting.reference}/reply/",
                                           {"details": "My careful reply"})
    body = response.content.decode()
    assert response.status_code == 200 and "We are no longer waiting for a reply on this case" in body
    assert "My careful reply" in body
    assert not refresh(waiting).events.filter(kind=K.CUSTOMER_REPLIED).exists()


def test_account_pages_query_count_is_constant(client_for, waiting, service, resident_a, customer_a,
                                               django_assert_max_num_queries):
    client = client_for(resident_a)
    counts = {}
    for size in (0, 20, 80):
        for _ in range(size - (counts and max(counts) or 0)):
            other = CaseFactory(service=service, customer=customer_a)
            CaseEventFactory(case=waiting, visibility="public", kind=K.PUBLIC_UPDATE)
            CaseEventFactory(case=other, visibility="public", kind=K.PUBLIC_UPDATE)
        for path in ("/account/cases/", f"/account/cases/{waiting.reference}/"):
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            counts.setdefault(size, []).append(len(queries))
    assert counts[0] == counts[20] == counts[80], counts


# --- an adviser acting for the customer ---------------------------------------------------------------------


def test_adviser_acting_for_the_customer_reads_and_replies(client_for, waiting, adviser, customer_a, make_case,
                                                           resident_b):
    client = client_for(adviser)
    response = client.post(f"/staff/assist/customers/{customer_a.reference}/session/",
                           {"channel": "phone", "customer_present": "yes"})
    assert response.status_code == 302
    page = client.get(f"/account/cases/{waiting.reference}/").content.decode()
    assert "Please send a photo of the pothole" in page and "We need more information from them" in page
    response = client.post(f"/account/cases/{waiting.reference}/reply/", {"details": "Read out by the caller"})
    assert response.status_code == 302
    reply = refresh(waiting).events.get(kind=K.CUSTOMER_REPLIED)
    assert reply.actor == adviser and reply.data["on_behalf_of"] is True and reply.data["channel"] == "phone"
    # Another customer's case is refused inside the session.
    other = make_case(customer=resident_b.customer)
    assert client.get(f"/account/cases/{other.reference}/").status_code in (403, 404)


def test_resident_without_a_customer_record_sees_no_cases(client_for, waiting):
    user = f.UserFactory(email="new.person@example.org")
    client = client_for(user)
    assert client.get("/account/cases/").status_code == 200
    assert client.get(f"/account/cases/{waiting.reference}/").status_code == 404
