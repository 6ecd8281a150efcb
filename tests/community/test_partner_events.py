"""Partners propose events that a moderator approves; feedback by service with small numbers held back."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from community.models import Booking, Event, Feedback
from community.services.events import event_moderate, event_propose
from oxtom.notify.models import OutboundMessage
from tests import factories as f

from .conftest import make_event

pytestmark = pytest.mark.django_db


def _data(service, **over):
    day = timezone.localdate() + dt.timedelta(days=10)
    return {"title": "Coffee morning", "description": "Cake and chat", "location": service.at_locations.first().location_id,
            "date": day, "starts": dt.time(10, 30), "ends": dt.time(12), "capacity": 20, "price_pence": 0,
            "cutoff_hours": 24, "weeks": 1, **over}


def _form(service, **over):
    day = timezone.localdate() + dt.timedelta(days=10)
    return {"title": "Coffee morning", "description": "Cake and chat",
            "location": str(service.at_locations.first().location_id), "date_day": str(day.day),
            "date_month": str(day.month), "date_year": str(day.year), "starts": "10:30", "ends": "12:00", "capacity": "20",
            "price": "0", "weeks": "1", **over}


def test_a_partners_event_waits_for_approval_then_goes_live(services, partner, moderator, key, client_for):
    social = services["social"]
    [event] = event_propose(service=social, data=_data(social), submission_key=key(), by=partner)
    assert event.status == Event.Status.PENDING
    # Not listed or bookable while it waits.
    assert client_for(None).get(reverse("community:event", args=[event.pk])).status_code == 404
    assert event.pk not in [e.pk for e in __import__("community.selectors", fromlist=["x"]).upcoming_events(service=social)]
    assert event_moderate(event=event, approve=True, by=moderator) == 1
    event.refresh_from_db()
    assert event.status == Event.Status.SCHEDULED and event.moderated_by == moderator
    assert client_for(None).get(reverse("community:event", args=[event.pk])).status_code == 200
    told = OutboundMessage.objects.get(idempotency_key=f"community:event:{event.pk}:moderated")
    assert told.recipient == partner.email and "approved and open for booking" in told.body
    with pytest.raises(ValidationError, match="already been decided"):
        event_moderate(event=event, approve=False, reason="no", by=moderator)


def test_weekly_series_is_decided_as_one_and_rejection_needs_a_reason(services, partner, moderator, key):
    social = services["social"]
    made = event_propose(service=social, data=_data(social, weeks=4), submission_key=key(), by=partner)
    assert len(made) == 4 and len({e.series for e in made}) == 1
    local = [timezone.localtime(e.starts_at).time() for e in made]
    assert set(local) == {dt.time(10, 30)}  # the same wall-clock time each week
    with pytest.raises(ValidationError, match="Enter why"):
        event_moderate(event=made[0], approve=False, reason="", by=moderator)
    assert event_moderate(event=made[0], approve=False, reason="Please give a hall name", by=moderator) == 4
    assert set(Event.objects.values_list("status", flat=True)) == {Event.Status.REJECTED}
    assert "Please give a hall name" in OutboundMessage.objects.get(
        idempotency_key=f"community:event:{made[0].pk}:moderated").body


def test_partners_propose_only_for_their_own_services_and_do_not_moderate(services, other_partner, partner, key):
    social = services["social"]
    with pytest.raises(PermissionDenied):
        event_propose(service=social, data=_data(social), submission_key=key(), by=other_partner)
    [event] = event_propose(service=social, data=_data(social), submission_key=key(), by=partner)
    with pytest.raises(PermissionDenied):
        event_moderate(event=event, approve=True, by=partner)


def test_a_moderators_event_goes_straight_out(services, moderator, key):
    social = services["social"]
    [event] = event_propose(service=social, data=_data(social), submission_key=key(), by=moderator)
    assert event.status == Event.Status.SCHEDULED


@pytest.mark.parametrize("over, message", [
    ({"title": ""}, "Enter the event&#x27;s title"), ({"title": "x" * 201}, "200 characters"),
    ({"title": "bad\x01title"}, "special characters"), ({"description": "d" * 4001}, "4,000 characters"),
    ({"location": "999999"}, "Choose where it is held"), ({"date_month": "13"}, "must be a real date"),
    ({"date_day": "1", "date_month": "1", "date_year": "2020"}, "today or in the future"),
    ({"starts": "25:00"}, "Enter the start time"), ({"ends": "09:00"}, "end time must be after"),
    ({"capacity": "0"}, "from 1 to 500"), ({"capacity": "lots"}, "as a number"), ({"price": "500"}, "£0 to £100"),
    ({"weeks": "52"}, "from 1 to 12")])
def test_event_form_bad_input_saves_nothing(client_for, services, partner, key, over, message):
    social = services["social"]
    response = client_for(partner).post(reverse("community:partner_event_new", args=[social.pk]),
                                        {**_form(social, **over), "submission_key": key()})
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    assert message in body and "govuk-error-summary" in body, body[body.find("error-summary"):][:600]
    assert not Event.objects.exists()


@pytest.mark.parametrize("over, messages", [
    # The form's own errors (a date that is not real, places that are not a number) and the service's
    # (no title, the end before the start, a place not the service's) together, on the first submit.
    ({"title": "", "date_month": "13", "ends": "09:00", "capacity": "lots"},
     ["Enter the event&#x27;s title", "must be a real date", "end time must be after", "as a number"]),
    ({"title": "x" * 201, "starts": "25:00", "location": "999999", "price": "3.999"},
     ["200 characters", "Enter the start time", "Choose where it is held", "pounds and pence"]),
    ({"description": "bad\x01text", "weeks": "lots", "date_day": "1", "date_month": "1", "date_year": "2020"},
     ["Description must not contain special characters", "Enter how many weeks", "today or in the future"]),
])
def test_event_form_shows_every_error_at_its_field_on_the_first_submit(client_for, services, partner, moderator, key,
                                                                       over, messages):
    social = services["social"]
    for who in (partner, moderator):  # a moderator adds events through the same form
        response = client_for(who).post(reverse("community:partner_event_new", args=[social.pk]),
                                        {**_form(social, **over), "submission_key": key()})
        assert response.status_code == 200
        body = response.content.decode()
        summary = body[body.find("govuk-error-summary"):body.find("</ul>", body.find("govuk-error-summary"))]
        for message in messages:
            assert message in summary, (message, summary[:800])
            assert body.count(message) >= 2, message  # and at the field
    assert not Event.objects.exists()


def test_event_form_double_submit_and_hostile_text(client_for, services, partner, other_partner, key,
                                                   django_assert_max_num_queries):
    social = services["social"]
    url = reverse("community:partner_event_new", args=[social.pk])
    client = client_for(partner)
    client.get(url)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    k = key()
    data = {**_form(social, title="<script>alert(1)</script>", weeks="2"), "submission_key": k}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Event.objects.count() == 2  # one proposal (two weeks), not two
    home = client.get(reverse("community:partner")).content.decode()
    assert "&lt;script&gt;" in home and "<script>alert" not in home and "Waiting for a moderator" in home
    assert client_for(other_partner).get(url).status_code == 404


def test_moderator_review_page(client_for, services, partner, moderator, key, django_assert_max_num_queries):
    social = services["social"]
    [event] = event_propose(service=social, data=_data(social), submission_key=key(), by=partner)
    client = client_for(moderator)
    assert reverse("community_staff:event_review", args=[event.pk]) in client.get(
        reverse("community_staff:home")).content.decode()
    url = reverse("community_staff:event_review", args=[event.pk])
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    empty = client.post(url, {"decision": "reject", "reason": "", "submission_key": key()})
    assert "Enter why it is not approved" in empty.content.decode()
    assert client.post(url, {"decision": "approve", "submission_key": key()}).status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.SCHEDULED
    assert client_for(partner).get(url).status_code == 403


# --- feedback -------------------------------------------------------------------------------------------

def _feedback(event, ratings, comment="Lovely"):
    for i, rating in enumerate(ratings):
        user = f.UserFactory(email=f"fb{event.pk}-{i}@example.org")
        customer = f.CustomerFactory(user=user, email=user.email)
        booking = Booking.objects.create(reference=f"BKF{event.pk:03d}{i:03d}", event=event, booker=customer,
                                         attendee_name="x", attendee_key="self", status="confirmed",
                                         submission_key=f"fb-{event.pk}-{i}", created_at=timezone.now())
        Feedback.objects.create(booking=booking, rating=rating, comment=f"{comment} {i}")


def test_partner_sees_their_services_feedback_with_small_numbers_held_back(client_for, services, partner, moderator,
                                                                           django_assert_max_num_queries):
    _feedback(make_event(services["social"], days=-3), [5, 5, 4, 2, 5, 3])  # the partner's: 6 ratings
    _feedback(make_event(services["yoga"], days=-3), [1, 2], comment="Secret")  # the partner's: only 2
    _feedback(make_event(services["toddlers"], days=-3), [5] * 7, comment="Toddlerfun")  # not the partner's
    client = client_for(partner)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("community:partner_feedback"))
    body = page.content.decode()
    assert "Social Connections" in body and "4.0" in body and "67%" in body and "17%" in body
    assert "Chair Yoga" in body and "Fewer than 5: not shown" in body and "Secret" not in body
    assert "Rhyme Time" not in body and "Toddlerfun" not in body
    assert "Lovely" in body
    staff = client_for(moderator).get(reverse("community_staff:feedback")).content.decode()
    assert "Rhyme Time" in staff and "Social Connections" in staff and "Secret" not in staff


def test_feedback_query_count_is_constant(client_for, services, moderator, django_assert_max_num_queries):
    for name in ("social", "yoga", "toddlers", "walks"):
        _feedback(make_event(services[name], days=-3), [4] * 6)
    client = client_for(moderator)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("community_staff:feedback")).status_code == 200
