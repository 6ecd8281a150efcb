"""A requester without an account asks for an internal review from the signed link in our response message.

The link (a signed token salted for this purpose, naming the request's reference, a keyed mark of the
requester's email and the day we sent the response) works until the 40-working-day window ends, once: a
second use or a double submit opens no second review (foi_review_open keeps its checks). Bad, altered,
expired and other people's links give a GOV.UK page that says nothing about any request; the page shows the
request's reference and no personal data; hostile, empty and oversized reasons are refused or cleaned; the
acknowledgement goes through the outbox with the review's 20-working-day date."""
from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from bas.foi import rules, services
from bas.foi.models import FoiRequest, InternalReview
from oxtom.cases.models import Case
from oxtom.core.calendar import add_working_days
from oxtom.core.models import AuditEvent
from oxtom.notify.models import OutboundMessage

NAME, EMAIL = "Nadia Noaccount", "nadia.noaccount@example.org"


def _answer(request, coordinator, approver) -> FoiRequest:
    request = services.foi_triage(request=request, valid=True, regime="foi", topic="Gritting", by=coordinator)
    services.foi_draft_save(request=request, outcome="not_held", response_text="We do not hold this.",
                            by=coordinator)
    services.foi_check_personal_data(request=request, by=coordinator)
    services.foi_submit_for_approval(request=request, by=coordinator)
    return services.foi_approve(request=request, by=approver)


@pytest.fixture
def answered(make_request, coordinator, approver):
    """Nadia asked by email with no account; our response was sent today."""
    return _answer(make_request(name=NAME, email=EMAIL, text="Please send the gritting routes for 2025."),
                   coordinator, approver)


def _link_in_response(request: FoiRequest) -> str:
    body = OutboundMessage.objects.get(idempotency_key=f"foi:{request.pk}:response").body
    found = re.search(r"https?://[^\s]+/foi/review/([^\s/]+)/", body)
    assert found, body
    return reverse("foi:review_link", kwargs={"token": found.group(1)})


def _token(request: FoiRequest, **changes) -> str:
    value = {"r": request.case.reference, "e": services._email_mark(EMAIL),
             "d": timezone.localdate(request.sent_at).isoformat(), **changes}
    return signing.dumps(value, salt=services.REVIEW_LINK_SALT, compress=True)


def _page(token: str) -> str:
    return reverse("foi:review_link", kwargs={"token": token})


@pytest.mark.django_db
def test_the_response_email_is_queued_with_a_link_that_needs_no_account(answered):
    sent = OutboundMessage.objects.get(idempotency_key=f"foi:{answered.pk}:response")
    assert sent.channel == "email" and sent.recipient == EMAIL and "no account or sign-in needed" in sent.body
    link = _link_in_response(answered)
    assert EMAIL not in link and "nadia" not in link.lower()  # no personal data in the URL
    assert services.request_from_review_link(link.split("/")[-2]).pk == answered.pk
    assert f"{rules.review_asked_by(timezone.localdate()):%-d %B %Y}" in sent.body


@pytest.mark.django_db
def test_a_requester_without_an_account_asks_once_and_sees_the_20_working_day_date(client_for, answered, resident_b):
    client = client_for(None)
    link = _link_in_response(answered)
    page = client.get(link)
    body = page.content.decode()
    assert page.status_code == 200 and answered.case.reference in body and 'id="send"' in body
    assert NAME not in body and EMAIL not in body and "Nadia" not in body  # the reference, nothing personal
    done = client.post(link, {"grounds": "<script>alert(1)</script>You hold the gritting logs\u202e",
                              "submission_key": "link-1"})
    assert done.status_code == 302 and done["Location"].endswith("/asked/")
    review = InternalReview.objects.select_related("case").get()
    assert "\u202e" not in review.grounds and review.case.channel == "web"
    assert review.case.parent_id == answered.case_id and review.case.customer_id == answered.case.customer_id
    due = add_working_days(timezone.localdate(), rules.REVIEW_WORKING_DAYS, rules.CALENDAR)
    assert review.case.due_at == due
    confirmation = client.get(done["Location"]).content.decode()
    assert review.case.reference in confirmation and f"{due:%-d %B %Y}".lstrip("0") in confirmation
    assert "<script>alert(1)</script>" not in confirmation
    ack = OutboundMessage.objects.get(idempotency_key=f"foi:{answered.pk}:review:{review.pk}:ack")
    assert ack.recipient == EMAIL and review.case.reference in ack.body and "20 working days" in ack.body
    asked = AuditEvent.objects.get(summary=f"Internal review {review.case.reference} asked for")
    assert asked.actor_id is None and asked.detail["by_link"] is True
    # A double submit (the same key): one review, the confirmation again.
    again = client.post(link, {"grounds": "You hold the gritting logs", "submission_key": "link-1"}, follow=True)
    assert "it was not sent again" in again.content.decode() and InternalReview.objects.count() == 1
    # A second use of the link (a new form): refused, no second review.
    later = client.get(link).content.decode()
    assert "You have already asked for an internal review" in later and 'id="send"' not in later
    second = client.post(link, {"grounds": "And again", "submission_key": "link-2"})
    assert second.status_code == 400 and "already asked" in second.content.decode()
    # Signed in as someone else changes nothing: the link names Nadia's request, and still opens no second.
    assert client_for(resident_b).post(link, {"grounds": "Mine?", "submission_key": "link-3"}).status_code == 400
    assert InternalReview.objects.count() == 1 and Case.objects.filter(parent=answered.case).count() == 1


@pytest.mark.django_db
def test_empty_and_oversized_reasons_are_refused_and_nothing_is_saved(client_for, answered):
    client, link = client_for(None), _link_in_response(answered)
    for grounds, message in (("", "Tell us why you are unhappy"), ("   \u200b ", "Tell us why you are unhappy"),
                             ("z" * 2001, "2,000 characters or fewer")):
        refused = client.post(link, {"grounds": grounds, "submission_key": "k-bad"})
        assert refused.status_code == 400 and message in refused.content.decode(), grounds
        assert "Error: " in refused.content.decode()
    assert client.post(link, {"submission_key": "k-none"}).status_code == 400
    assert not InternalReview.objects.exists()
    assert client.post(link, {"grounds": "y" * 2000, "submission_key": "k-ok"}).status_code == 302


BAD = ["x", "not-a-token", "A" * 3000, "%00", "..", "\u202e\u202e", "eyJyIjoiRk9JIn0:1abc:def"]


@pytest.mark.django_db
def test_bad_altered_and_forged_links_give_a_page_that_says_nothing(client_for, answered, make_request,
                                                                   coordinator, approver):
    client = client_for(None)
    good = _link_in_response(answered).split("/")[-2]
    other = _answer(make_request(name="Olu Other", email="olu.other@example.org",
                                 text="Please send the salt stock levels for 2025."), coordinator, approver)
    forged = [
        *BAD,
        good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb"),  # altered signature
        good.replace(good.split(":")[0], _token(other).split(":")[0]),  # someone else's reference, our signature
        _token(other),  # someone else's reference, signed, but bound to Nadia's email
        _token(answered, e="0" * 32),  # Nadia's reference with another email's mark
        signing.dumps({"r": answered.case.reference, "e": services._email_mark(EMAIL),
                       "d": timezone.localdate().isoformat()}, salt="another.purpose"),  # another salt
        _token(answered, d="not a date"), _token(answered, r=None),
    ]
    for token in forged:
        for response in (client.get(_page(token)), client.post(_page(token), {"grounds": "x", "submission_key": "f"}),
                         client.get(reverse("foi:review_link_done", kwargs={"token": token}))):
            body = response.content.decode()
            assert response.status_code == 404, token
            assert "This link does not work" in body and answered.case.reference not in body, token
            assert other.case.reference not in body and "Olu" not in body and "Nadia" not in body
    assert not InternalReview.objects.exists()


@pytest.mark.django_db
def test_a_link_expires_when_the_review_window_ends(client_for, answered):
    client = client_for(None)
    last_day = rules.review_asked_by(timezone.localdate(answered.sent_at))
    token = _link_in_response(answered).split("/")[-2]
    assert services.request_from_review_link(token, on=last_day).pk == answered.pk
    with pytest.raises(Exception, match="expired"):
        services.request_from_review_link(token, on=last_day + dt.timedelta(days=1))
    # A link made for a response sent 41 working days ago.
    sent_on = add_working_days(timezone.localdate(), -(rules.REVIEW_WINDOW_WORKING_DAYS + 1), rules.CALENDAR)
    FoiRequest.objects.filter(pk=answered.pk).update(
        sent_at=timezone.make_aware(dt.datetime.combine(sent_on, dt.time(12, 0))))
    old = _token(answered, d=sent_on.isoformat())
    for response in (client.get(_page(old)), client.post(_page(old), {"grounds": "Late", "submission_key": "e-1"})):
        body = response.content.decode()
        assert response.status_code == 410 and "This link has expired" in body
        assert answered.case.reference not in body
    # And one whose signature is older than any window (the signer's own bound).
    with mock.patch("django.core.signing.time.time", return_value=timezone.now().timestamp() - 101 * 86400):
        ancient = _token(answered, d=timezone.localdate().isoformat())
    assert client.get(_page(ancient)).status_code == 410
    assert not InternalReview.objects.exists()


@pytest.mark.django_db
def test_a_request_not_answered_yet_has_no_link_and_a_made_up_one_does_not_work(client_for, make_request):
    waiting = make_request(name=NAME, email=EMAIL)
    assert client_for(None).get(_page(_token(waiting, d=timezone.localdate().isoformat()))).status_code == 404
    assert not OutboundMessage.objects.filter(idempotency_key=f"foi:{waiting.pk}:response").exists()


@pytest.mark.django_db
def test_a_requester_who_gave_only_a_postal_address_gets_the_signed_in_page(make_request, coordinator, approver):
    by_post = _answer(make_request(name="Pat Post", email="", address_line_1="1 High Street", town="Witney",
                                   postcode="OX28 6AA", text="Please send the gritting routes for Witney."),
                      coordinator, approver)
    assert services.review_link_token(by_post, sent_on=timezone.localdate()) == ""
    letter = OutboundMessage.objects.get(idempotency_key=f"foi:{by_post.pk}:response")
    assert reverse("foi:review", kwargs={"reference": by_post.case.reference}) in letter.body


@pytest.mark.django_db
def test_the_engine_refuses_a_link_follow_on_with_an_actor_or_for_another(answered, resident_a):
    from django.core.exceptions import PermissionDenied

    from oxtom.cases import services as cases
    from oxtom.cases.models import Service

    service = Service.objects.get(code=services.REVIEW_SERVICE_CODE)
    with pytest.raises(PermissionDenied):
        cases.case_open_follow_on_for_customer(parent=answered.case, service=service, reason="x", by=resident_a,
                                               by_link=True)
    with pytest.raises(PermissionDenied):
        cases.case_open_follow_on_for_customer(parent=answered.case, service=service, reason="x", by=None)
    assert not Case.objects.filter(parent=answered.case).exists()
