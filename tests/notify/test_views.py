"""The dev page (SMS sink, outbox, simulated reply) and the staff page of failed messages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oxtom.core.models import AuditEvent
from oxtom.notify.models import InboundSms, OutboundMessage
from oxtom.notify.services import message_dispatch, notification_queue
from tests import factories as f

pytestmark = pytest.mark.django_db

DEV = "/notify/dev/"
FAILED = "/notify/failed/"


def queue(customer, key, **context):
    ctx = {"name": "N", "subject": "S", "message": "Your permit is ready.", "reference": "PP-1", **context}
    return notification_queue(customer=customer, template="generic-update", context=ctx, by=None, idempotency_key=key)


# --- dev page ------------------------------------------------------------------------

@pytest.mark.parametrize("who", [None, "resident_a", "adviser", "officer_in_team", "councillor_of_division"])
def test_dev_page_is_hidden_without_debug_except_from_administrators(client_for, request, settings, who):
    settings.DEBUG = False
    user = request.getfixturevalue(who) if who else None
    assert client_for(user).get(DEV).status_code == 404


def test_dev_page_opens_for_administrators_without_debug(client_for, administrator, settings, sinks):
    settings.DEBUG = False
    assert client_for(administrator).get(DEV).status_code == 200


def test_dev_page_sends_signed_out_visitors_to_sign_in_even_with_debug(client, settings, sinks):
    settings.DEBUG = True
    response = client.get(DEV)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/notify/dev/")
    assert client.post(DEV, {"from_number": "07700 900123", "message": "YES"}).status_code == 302
    assert not InboundSms.objects.exists()


@pytest.mark.parametrize("who", ["resident_a", "councillor_of_division"])
def test_dev_page_is_hidden_from_people_who_are_not_staff_even_with_debug(client_for, request, settings, sinks, who):
    settings.DEBUG = True
    assert client_for(request.getfixturevalue(who)).get(DEV).status_code == 404


def test_dev_page_opens_for_staff_with_debug_and_says_it_is_a_development_tool(client_for, adviser, settings, sinks):
    settings.DEBUG = True
    response = client_for(adviser).get(DEV)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No text messages yet" in html
    assert "This is a development tool" in html


def test_dev_page_lists_the_sms_sink_and_the_outbox_in_constant_queries(
    client_for, administrator, templates, sinks, enqueued, django_assert_max_num_queries
):
    for n in range(12):
        customer = f.CustomerFactory(preferred_channel="sms", phone=f"+4477009001{n:02d}")
        message_dispatch(message_id=queue(customer, f"dev-{n}", message=f"<b>hello {n}</b>").pk)
    client = client_for(administrator)
    with django_assert_max_num_queries(8):
        response = client.get(DEV)
    html = response.content.decode()
    assert html.count('<tr class="govuk-table__row">') >= 24  # 12 in the sink, 12 in the outbox (+ header rows)
    assert "&lt;b&gt;hello 3&lt;/b&gt;" in html and "<b>hello" not in html
    assert "+447700900103" in html


def test_simulated_reply_goes_through_the_inbound_route(client, adviser, settings, sinks):
    client.force_login(adviser)  # the dev page is for staff, even with DEBUG on
    settings.DEBUG = True
    customer = f.CustomerFactory(phone="+447700900123")
    response = client.post(DEV, {"from_number": "07700 900123", "message": "YES"}, follow=True)
    assert response.redirect_chain[-1][0] == DEV
    assert "Reply received" in response.content.decode()
    inbound = InboundSms.objects.get()
    assert (inbound.customer, inbound.message, inbound.source_number) == (customer, "YES", "+447700900123")
    assert inbound.provider_id.startswith("dev-")
    assert customer.interactions.filter(kind="sms.received").count() == 1


@pytest.mark.parametrize("data,error", [
    ({"from_number": "", "message": "YES"}, "Enter the mobile number the reply comes from"),
    ({"from_number": "not a number", "message": "YES"}, "Enter a UK mobile number, like 07700 900 982"),
    ({"from_number": "01865 792422", "message": "YES"}, "Enter a UK mobile number, like 07700 900 982"),
    ({"from_number": "' OR 1=1 --", "message": "YES"}, "Enter a UK mobile number, like 07700 900 982"),
    ({"from_number": "07700 900123" * 5, "message": "YES"}, "Enter a UK mobile number, like 07700 900 982"),
    ({"from_number": "07700 900123", "message": ""}, "Enter the text message"),
    ({"from_number": "07700 900123", "message": "   "}, "Enter the text message"),
    ({"from_number": "07700 900123", "message": "x" * 2001}, "Text message must be 2,000 characters or fewer"),
])
def test_bad_simulated_replies_show_a_clear_error_and_store_nothing(client, adviser, settings, sinks, data, error):
    client.force_login(adviser)  # the dev page is for staff, even with DEBUG on
    settings.DEBUG = True
    response = client.post(DEV, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html and error in html
    assert "<title>Error: " in html
    assert not InboundSms.objects.exists()


def test_hostile_simulated_reply_is_escaped_on_the_page(client, adviser, settings, sinks):
    client.force_login(adviser)  # the dev page is for staff, even with DEBUG on
    settings.DEBUG = True
    client.post(DEV, {"from_number": "07700900123", "message": "<script>alert(1)</script>"})
    html = client.get(DEV).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_same_simulated_reply_twice_is_two_replies(client, adviser, settings, sinks):
    client.force_login(adviser)  # the dev page is for staff, even with DEBUG on
    """Each press is a new text from the resident (a new Notify id), unlike a retried callback."""
    settings.DEBUG = True
    for _ in range(2):
        client.post(DEV, {"from_number": "07700900123", "message": "YES"})
    assert InboundSms.objects.count() == 2


# --- failed messages (dead letters) --------------------------------------------------------

@pytest.fixture
def dead_messages(templates, enqueued):
    made = []
    for n in range(5):
        customer = f.CustomerFactory(email=f"person{n}@example.org")
        message = queue(customer, f"dead-{n}")
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=OutboundMessage.Status.DEAD, attempts=5, last_error="ChannelError: provider unavailable",
            created_at=timezone.now() - timedelta(minutes=n))
        made.append(message)
    return made


def test_failed_messages_page_shows_dead_letters_masked(client_for, adviser, dead_messages, django_assert_max_num_queries):
    client = client_for(adviser)
    with django_assert_max_num_queries(8):
        response = client.get(FAILED)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("ChannelError: provider unavailable") == 5
    assert "p••••@example.org" in html
    assert "person0@example.org" not in html, "full addresses stay off the list"
    assert "Try again" in html
    # Each message by what it was about (its subject, or its template's name), not its template code.
    table = html.split('id="failed"', 1)[1]
    assert "generic-update" not in table
    assert table.count("S (email)") == 5


def test_failed_messages_query_count_does_not_grow(client_for, adviser, templates, enqueued, django_assert_max_num_queries):
    for n in range(40):
        message = queue(f.CustomerFactory(), f"many-{n}")
        OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundMessage.Status.DEAD)
    client = client_for(adviser)
    with django_assert_max_num_queries(8):
        assert client.get(FAILED).status_code == 200


def test_officers_see_failed_messages_but_cannot_retry(client_for, officer_in_team, dead_messages):
    client = client_for(officer_in_team)
    assert "Try again" not in client.get(FAILED).content.decode()
    response = client.post(f"/notify/failed/{dead_messages[0].pk}/retry/")
    assert response.status_code == 403
    assert OutboundMessage.objects.get(pk=dead_messages[0].pk).status == OutboundMessage.Status.DEAD


def test_officers_see_only_the_failed_messages_of_customers_behind_their_work(client_for, officer_in_team, team,
                                                                            officer_outside_team, dead_messages):
    """Least privilege, as the customer record: an officer sees the dead letters of their team's customers only
    (another team's officer saw every customer's reference and messages: the resolver-wide probe, issue 19)."""
    from tests.casework.factories import CaseFactory, ServiceFactory

    mine = dead_messages[0].customer
    CaseFactory(service=ServiceFactory(team=team), team=team, customer=mine)
    html = client_for(officer_in_team).get(FAILED).content.decode()
    assert mine.reference in html
    assert all(m.customer.reference not in html for m in dead_messages[1:])
    html = client_for(officer_outside_team).get(FAILED).content.decode()
    assert all(m.customer.reference not in html for m in dead_messages) and "No messages have failed" in html


def test_retry_of_a_dead_letter_outside_ones_records_is_404(client_for, adviser, officer_in_team, dead_messages):
    from oxtom.notify.selectors import dead_messages as visible

    assert visible(adviser).count() == 5 and visible(officer_in_team).count() == 0


@pytest.mark.parametrize("who,status", [("resident_a", 403), ("councillor_of_division", 403)])
def test_people_without_customer_access_cannot_see_failed_messages(client_for, request, dead_messages, who, status):
    assert client_for(request.getfixturevalue(who)).get(FAILED).status_code == status


def test_anonymous_is_sent_to_sign_in(client, dead_messages):
    response = client.get(FAILED)
    assert response.status_code == 302 and "next=" in response["Location"]


def test_adviser_retries_a_dead_message(client_for, adviser, dead_messages, django_capture_on_commit_callbacks, enqueued):
    target = dead_messages[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(adviser).post(f"/notify/failed/{target.pk}/retry/", follow=True)
    assert "Message queued to be sent again" in response.content.decode()
    target.refresh_from_db()
    assert (target.status, target.attempts) == (OutboundMessage.Status.PENDING, 0)
    assert target.pk in enqueued
    assert AuditEvent.objects.filter(action="update", target_id=str(target.pk), actor=adviser).exists()


def test_retry_of_a_message_that_is_not_dead_is_404(client_for, adviser, templates, enqueued):
    pending = queue(f.CustomerFactory(), "pending")
    assert client_for(adviser).post(f"/notify/failed/{pending.pk}/retry/").status_code == 404
    assert client_for(adviser).post("/notify/failed/00000000-0000-0000-0000-000000000000/retry/").status_code == 404


def test_retry_by_get_is_not_allowed(client_for, adviser, dead_messages):
    assert client_for(adviser).get(f"/notify/failed/{dead_messages[0].pk}/retry/").status_code == 405


def test_a_corrupt_file_in_the_sms_sink_does_not_break_the_dev_page(client, adviser, settings, sinks):
    client.force_login(adviser)  # the dev page is for staff, even with DEBUG on
    settings.DEBUG = True
    folder = sinks / "sms"
    folder.mkdir()
    (folder / "broken.json").write_text("{not json")
    (folder / "ok.json").write_text('{"id": "1", "to": "+447700900123", "body": "Hello", "written_at": "2026-05-14T12:15:30+00:00"}')
    html = client.get(DEV).content.decode()
    assert "Hello" in html and "14 May 2026" in html
