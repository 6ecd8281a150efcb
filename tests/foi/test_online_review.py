"""A requester asks for an internal review online: the window (40 working days, any UK nation's bank holidays),
one review a request, someone else's request (404), hostile and oversized reasons, a double submit (one
review), the acknowledgement through the outbox with its 20-working-day date, the co-ordinator's queue, the
response message's link to the form, and the role matrix on the new URL."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from bas.foi import rules, services
from bas.foi.models import FoiRequest, InternalReview
from oxtom.cases import services as cases
from oxtom.cases.models import Case
from oxtom.core.calendar import add_working_days
from oxtom.notify.models import OutboundMessage


@pytest.fixture
def answered(make_request, resident_a, coordinator, approver):
    """Alice's own request (made signed in), answered and sent today."""
    request = make_request(by=resident_a, name="Alice Resident", email=resident_a.email)
    request = services.foi_triage(request=request, valid=True, regime="foi", topic="Potholes", by=coordinator)
    services.foi_draft_save(request=request, outcome="not_held", response_text="We do not hold this.",
                            by=coordinator)
    services.foi_check_personal_data(request=request, by=coordinator)
    services.foi_submit_for_approval(request=request, by=coordinator)
    return services.foi_approve(request=request, by=approver)


def _url(request: FoiRequest) -> str:
    return reverse("foi:review", kwargs={"reference": request.case.reference})


def _sent_working_days_ago(request: FoiRequest, days: int) -> FoiRequest:
    """Move the response's sent date back `days` working days (arranging the test, not a workflow step)."""
    sent_on = add_working_days(timezone.localdate(), -days, rules.CALENDAR)
    moment = timezone.make_aware(dt.datetime.combine(sent_on, dt.time(12, 0)))
    FoiRequest.objects.filter(pk=request.pk).update(sent_at=moment)
    return FoiRequest.objects.select_related("case").get(pk=request.pk)


# --- the rules ------------------------------------------------------------------------------------------


def test_window_is_40_working_days_skipping_every_uk_nations_bank_holidays():
    # From Monday 1 December 2025: Christmas Day, Boxing Day, New Year's Day and 2 January (Scotland) are skipped.
    assert rules.review_asked_by(dt.date(2025, 12, 1)) == dt.date(2026, 1, 30)
    # Spring 2026: St Patrick's Day 17 March (Northern Ireland), Good Friday 3 April and Easter Monday 6 April
    # (not a Scottish holiday, but a bank holiday in any nation counts).
    assert rules.review_asked_by(dt.date(2026, 3, 2)) == dt.date(2026, 4, 30)


@pytest.mark.django_db
def test_requester_asks_and_the_review_is_a_follow_on_case_acknowledged_with_its_date(answered, resident_a):
    review = services.foi_review_open(request=answered, grounds="You must hold the inspection records.",
                                      by=resident_a, online=True, submission_key="k-1")
    child = Case.objects.select_related("service", "team").get(pk=review.case_id)
    assert child.parent_id == answered.case_id and child.service.code == services.REVIEW_SERVICE_CODE
    assert child.team.slug == services.TEAM_SLUG and child.channel == "web" and child.customer_id == answered.case.customer_id
    assert child.due_at == add_working_days(timezone.localdate(), rules.REVIEW_WORKING_DAYS, rules.CALENDAR)
    ack = OutboundMessage.objects.get(idempotency_key=f"foi:{answered.pk}:review:{review.pk}:ack")
    assert child.reference in ack.body and f"{child.due_at:%-d %B %Y}" in ack.body and "20 working days" in ack.body
    assert ack.channel == "email"


@pytest.mark.django_db
def test_the_response_message_links_to_the_online_form(answered):
    sent = OutboundMessage.objects.get(idempotency_key=f"foi:{answered.pk}:response")
    # The link works without an account (tests/foi/test_review_link.py); the signed-in page stays for letters.
    assert "/foi/review/" in sent.body and "no account or sign-in needed" in sent.body
    assert f"{rules.review_asked_by(timezone.localdate()):%-d %B %Y}" in sent.body
    assert "Information Commissioner" in sent.body


@pytest.mark.django_db
def test_after_the_window_is_refused_and_the_last_day_is_not(answered, resident_a):
    last = services.review_window_ends(answered)
    assert services.review_refusal(answered, on=last) == ""
    assert "ended on" in services.review_refusal(answered, on=last + dt.timedelta(days=1))
    late = _sent_working_days_ago(answered, rules.REVIEW_WINDOW_WORKING_DAYS + 1)
    with pytest.raises(ValidationError, match="The time to ask for an internal review ended"):
        services.foi_review_open(request=late, grounds="Too late?", by=resident_a, online=True)
    on_time = _sent_working_days_ago(answered, rules.REVIEW_WINDOW_WORKING_DAYS)
    assert services.foi_review_open(request=on_time, grounds="Just in time", by=resident_a, online=True)
    assert InternalReview.objects.count() == 1


@pytest.mark.django_db
def test_a_second_review_is_refused_open_or_decided(answered, resident_a, second_approver):
    first = services.foi_review_open(request=answered, grounds="First", by=resident_a, online=True,
                                     submission_key="k-a")
    with pytest.raises(ValidationError, match="already asked for an internal review"):
        services.foi_review_open(request=answered, grounds="Second", by=resident_a, online=True, submission_key="k-b")
    services.foi_review_decide(review=first, result="upheld", reasons="The search was thorough.", by=second_approver)
    with pytest.raises(ValidationError, match="already asked for an internal review"):
        services.foi_review_open(request=answered, grounds="Third", by=resident_a, online=True, submission_key="k-c")
    assert InternalReview.objects.count() == 1


@pytest.mark.django_db
def test_not_before_the_response_is_sent(make_request, resident_a):
    open_request = make_request(by=resident_a, name="Alice Resident", email=resident_a.email)
    assert "once we have sent our response" in services.review_refusal(open_request)
    with pytest.raises(ValidationError, match="once we have sent our response"):
        services.foi_review_open(request=open_request, grounds="Hurry", by=resident_a, online=True)
    assert not Case.objects.filter(parent=open_request.case).exists()


@pytest.mark.django_db
def test_someone_elses_request_is_refused_by_the_engine(answered, resident_b):
    with pytest.raises(PermissionDenied):
        services.foi_review_open(request=answered, grounds="Not mine", by=resident_b, online=True)
    assert not InternalReview.objects.exists()


@pytest.mark.django_db
def test_double_submit_makes_one_review(answered, resident_a):
    services.foi_review_open(request=answered, grounds="Once", by=resident_a, online=True, submission_key="same")
    with pytest.raises(cases.DuplicateSubmission):
        services.foi_review_open(request=answered, grounds="Once", by=resident_a, online=True, submission_key="same")
    assert InternalReview.objects.count() == 1 and Case.objects.filter(parent=answered.case).count() == 1


@pytest.mark.django_db
def test_hostile_empty_and_oversized_grounds(answered, resident_a):
    with pytest.raises(ValidationError, match="Tell us why you are unhappy"):
        services.foi_review_open(request=answered, grounds="   ", by=resident_a, online=True)
    with pytest.raises(ValidationError, match="2,000 characters or fewer"):
        services.foi_review_open(request=answered, grounds="x" * 2001, by=resident_a, online=True)
    assert not InternalReview.objects.exists()
    review = services.foi_review_open(request=answered, grounds="<script>alert(1)</script>\u202eevil", by=resident_a,
                                      online=True)
    assert "\u202e" not in review.grounds  # bidi controls stripped; the markup is escaped where shown


@pytest.mark.django_db
def test_staff_logging_a_review_is_not_held_to_the_online_window(answered, coordinator):
    late = _sent_working_days_ago(answered, rules.REVIEW_WINDOW_WORKING_DAYS + 5)
    review = services.foi_review_open(request=late, grounds="Received by letter; late for a good reason",
                                      by=coordinator)
    assert review.case.channel == "email"


# --- the pages ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_role_matrix_on_the_review_url(client_for, answered, resident_b, adviser, officer_in_team, coordinator,
                                       approver, administrator):
    url = _url(answered)
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for user in (resident_b, adviser, officer_in_team, coordinator, approver, administrator):
        assert client_for(user).get(url).status_code == 404, user.email
        assert client_for(user).post(url, {"grounds": "Not mine"}).status_code == 404, user.email
    assert not InternalReview.objects.exists()
    assert client_for(None).get(reverse("foi:review", kwargs={"reference": "FOI-NOPE"})).status_code == 302


@pytest.mark.django_db
def test_requester_asks_from_their_requests_page(client_for, answered, resident_a, coordinator):
    client = client_for(resident_a)
    mine = client.get(reverse("foi:mine")).content.decode()
    assert _url(answered) in mine and "Ask for a review" in mine
    page = client.get(_url(answered))
    assert page.status_code == 200 and "Why are you unhappy with our response?" in page.content.decode()
    empty = client.post(_url(answered), {"grounds": "", "submission_key": "v-1"})
    assert empty.status_code == 400 and "Tell us why you are unhappy" in empty.content.decode()
    long = client.post(_url(answered), {"grounds": "y" * 2001, "submission_key": "v-1"})
    assert long.status_code == 400 and "2,000 characters or fewer" in long.content.decode()
    assert not InternalReview.objects.exists()
    done = client.post(_url(answered), {"grounds": "<b>You hold more</b>", "submission_key": "v-1"}, follow=True)
    review = InternalReview.objects.get()
    body = done.content.decode()
    assert review.case.reference in body and "<b>You hold more</b>" not in body
    again = client.post(_url(answered), {"grounds": "<b>You hold more</b>", "submission_key": "v-1"}, follow=True)
    assert "it has not been sent again" in again.content.decode() and InternalReview.objects.count() == 1
    later = client.get(_url(answered)).content.decode()
    assert "You have already asked for an internal review" in later and review.case.reference in later
    second = client.post(_url(answered), {"grounds": "And again", "submission_key": "v-2"})
    assert second.status_code == 400 and "already asked" in second.content.decode()
    assert InternalReview.objects.count() == 1
    # The co-ordinator sees it in the FOI queue, marked as asked online.
    queue = client_for(coordinator).get(reverse("foi_staff:queue")).content.decode()
    assert review.case.reference in queue and "Asked online" in queue


@pytest.mark.django_db
def test_after_the_window_the_page_says_why(client_for, answered, resident_a):
    _sent_working_days_ago(answered, rules.REVIEW_WINDOW_WORKING_DAYS + 1)
    client = client_for(resident_a)
    page = client.get(_url(answered)).content.decode()
    assert "The time to ask for an internal review ended" in page and 'id="send"' not in page
    refused = client.post(_url(answered), {"grounds": "Late", "submission_key": "w-1"})
    assert refused.status_code == 400 and "ended on" in refused.content.decode()
    assert not InternalReview.objects.exists()


@pytest.mark.django_db
def test_an_adviser_acting_for_the_requester_asks_for_them(client_for, answered, resident_b, adviser):
    from oxtom.customers.models import AssistedSession

    client = client_for(adviser)
    started = client.post(reverse("assist:session_start", args=[answered.case.customer.reference]),
                          {"channel": "phone", "customer_present": "yes"})
    assert started.status_code == 302 and AssistedSession.objects.exists()
    done = client.post(_url(answered), {"grounds": "Phoned in: they expected the inspection records.",
                                        "submission_key": "adv-1"})
    assert done.status_code == 302
    review = InternalReview.objects.select_related("case").get()
    from oxtom.core.models import AuditEvent

    asked = AuditEvent.objects.get(summary=f"Internal review {review.case.reference} asked for")
    assert asked.actor_id == adviser.pk and asked.detail["on_behalf_of"] is True
    # Acting for Alice does not reach Bob's requests.
    bob = services.foi_request_make(name="Bob Resident", email=resident_b.email, by=resident_b,
                                    request_text="Please send the bridge inspection reports for 2025.")
    assert client.get(_url(bob)).status_code == 404


@pytest.mark.django_db
def test_queue_query_count_does_not_grow_with_reviews(client_for, make_request, resident_a, coordinator, approver,
                                                      django_assert_max_num_queries):
    client = client_for(coordinator)
    client.get(reverse("foi_staff:queue"))
    for n in range(3):
        request = make_request(by=resident_a, name="Alice Resident", email=resident_a.email,
                               text=f"Please send the number of potholes repaired in ward {n} in 2025.")
        request = services.foi_triage(request=request, valid=True, regime="foi", by=coordinator)
        services.foi_draft_save(request=request, outcome="not_held", response_text="Not held.", by=coordinator)
        services.foi_check_personal_data(request=request, by=coordinator)
        services.foi_submit_for_approval(request=request, by=coordinator)
        services.foi_review_open(request=services.foi_approve(request=request, by=approver), grounds=f"Review {n}",
                                 by=resident_a, online=True)
    with django_assert_max_num_queries(30) as captured:
        page = client.get(reverse("foi_staff:queue"))
    assert page.content.decode().count("Asked online") == 3
    few = len(captured.captured_queries)
    request = make_request(by=resident_a, name="Alice Resident", email=resident_a.email,
                           text="Please send the number of potholes repaired in the last ward in 2025.")
    request = services.foi_triage(request=request, valid=True, regime="foi", by=coordinator)
    services.foi_draft_save(request=request, outcome="not_held", response_text="Not held.", by=coordinator)
    services.foi_check_personal_data(request=request, by=coordinator)
    services.foi_submit_for_approval(request=request, by=coordinator)
    services.foi_review_open(request=services.foi_approve(request=request, by=approver), grounds="Review 4",
                             by=resident_a, online=True)
    with django_assert_max_num_queries(few):
        client.get(reverse("foi_staff:queue"))
