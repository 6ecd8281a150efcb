"""Feedback after a council appointment: asked for once staff mark it attended, given once by the resident who
booked it, refused with a clear message for bad, hostile and oversized input; the council's list of recent
feedback across events and appointments (filtered, keyset pages, constant queries); the measures; the demo."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from community.models import Appointment, AppointmentFeedback, AppointmentService, Booking, Feedback
from community.services.appointments import appointment_book, appointment_feedback_give, appointment_mark, slots
from oxtom.customers.models import Interaction
from oxtom.notify.models import OutboundMessage
from tests import factories as f

from .conftest import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates(notify_templates):
    """The feedback ask's template (community migration 0007), put back if a transactional test flushed it."""
    from community.messages import seed_community_templates
    from oxtom.notify.models import MessageTemplate

    seed_community_templates(MessageTemplate)


@pytest.fixture
def callback(db, team):
    return AppointmentService.objects.create(code="callback", name="Contact centre callback", description="We call",
                                             team=team, opens_at=dt.time(9), closes_at=dt.time(17), slot_minutes=30)


@pytest.fixture
def booked(callback, donna, key, templates):
    return appointment_book(service=callback, customer=donna, starts_at=slots(callback)[0], submission_key=key(),
                            by=donna.user)


@pytest.fixture
def attended(booked):
    return appointment_mark(appointment=booked, attended=True, by=None)


def _url(appointment, name="appointment_feedback"):
    return reverse(f"community_account:{name}", args=[appointment.reference])


# --- the ask, after staff mark the appointment attended -------------------------------------------------------

def test_marking_attended_asks_for_feedback_once_with_a_link_to_the_appointment(client_for, officer_in_team, booked):
    client = client_for(officer_in_team)
    mark = reverse("community_staff:appointment_mark", args=[booked.pk])
    client.post(mark, {"outcome": "attended"})
    client.post(mark, {"outcome": "no_show"})
    client.post(mark, {"outcome": "attended"})  # corrected twice: still asked once
    asks = OutboundMessage.objects.filter(template_code="community-appointment-feedback")
    assert asks.count() == 1
    ask = asks.get()
    assert ask.idempotency_key == f"community:appointment:{booked.pk}:feedback-ask"
    assert ask.customer_id == booked.customer_id and "Contact centre callback" in ask.body
    link = re.search(r"https?://[^/\s]+(/\S+)", ask.body).group(1)
    assert link == _url(booked, "appointment") + "#feedback"


def test_a_no_show_is_not_asked(booked):
    appointment_mark(appointment=booked, attended=False, by=None)
    assert not OutboundMessage.objects.filter(template_code="community-appointment-feedback").exists()


def test_the_ask_template_is_seeded_as_data_on_every_channel(templates):
    from oxtom.notify.models import MessageTemplate

    channels = set(MessageTemplate.objects.filter(code="community-appointment-feedback")
                   .values_list("channel", flat=True))
    assert channels == {"email", "sms", "letter"}


# --- giving feedback ---------------------------------------------------------------------------------------------

def test_no_feedback_before_attendance_or_after_a_no_show(client_for, booked, donna, key):
    client = client_for(donna.user)
    assert 'id="feedback-form"' not in client.get(_url(booked, "appointment")).content.decode()
    response = client.post(_url(booked), {"rating": "5", "submission_key": key()}, follow=True)
    assert response.redirect_chain[-1][0] == _url(booked, "appointment")
    assert "once you have been to the appointment" in response.content.decode()
    appointment_mark(appointment=booked, attended=False, by=None)
    response = client.post(_url(booked), {"rating": "5", "submission_key": key()}, follow=True)
    assert "once you have been to the appointment" in response.content.decode()
    assert not AppointmentFeedback.objects.exists()


def test_the_resident_rates_an_attended_appointment_once_and_a_double_submit_is_one_record(
        client_for, attended, donna, key, django_assert_max_num_queries):
    client = client_for(donna.user)
    page = client.get(_url(attended, "appointment")).content.decode()
    assert 'id="feedback-form"' in page and "How was your appointment?" in page and "2,000 characters" in page
    k = key()
    data = {"rating": "4", "comment": "Rang on time.\nVery helpful.", "submission_key": k}
    first = client.post(_url(attended), data)
    assert first.status_code == 302 and first["Location"].endswith(_url(attended, "appointment") + "#feedback")
    assert client.post(_url(attended), data).status_code == 302  # the same form sent twice
    feedback = AppointmentFeedback.objects.get()
    assert (feedback.rating, feedback.comment, feedback.appointment_id) == (4, "Rang on time.\nVery helpful.",
                                                                             attended.pk)
    again = client.post(_url(attended), {**data, "submission_key": key(), "rating": "1"}, follow=True)
    assert "already given feedback on this appointment" in again.content.decode()
    assert AppointmentFeedback.objects.count() == 1
    with django_assert_max_num_queries(15):
        shown = client.get(_url(attended, "appointment")).content.decode()
    assert "Your feedback" in shown and "4 out of 5" in shown and 'id="feedback-form"' not in shown
    assert Interaction.objects.filter(customer=donna, kind="community.appointment_feedback").count() == 1


def test_a_second_feedback_by_the_service_is_refused(attended, donna, key):
    appointment_feedback_give(appointment=attended, customer=donna, rating="5", comment="", submission_key=key(),
                              by=donna.user)
    with pytest.raises(ValidationError, match="already given feedback"):
        appointment_feedback_give(appointment=attended, customer=donna, rating="3", comment="", submission_key=key(),
                                  by=donna.user)
    assert AppointmentFeedback.objects.get().rating == 5


def test_only_the_resident_who_booked_it(client_for, attended, donna, resident_b, key):
    other = client_for(resident_b)
    assert other.get(_url(attended, "appointment")).status_code == 404
    assert other.post(_url(attended), {"rating": "1", "submission_key": key()}).status_code == 404
    with pytest.raises(PermissionDenied):
        appointment_feedback_give(appointment=attended, customer=resident_b.customer, rating="1", comment="",
                                  submission_key=key(), by=resident_b)
    assert client_for(None).post(_url(attended), {"rating": "1"}).status_code == 302  # to sign in
    assert not AppointmentFeedback.objects.exists()


@pytest.mark.parametrize("data, messages", [
    ({}, ["Select how you rate it, from 1 to 5"]),
    ({"rating": "9"}, ["Select how you rate it, from 1 to 5"]),
    ({"rating": "five"}, ["Select how you rate it, from 1 to 5"]),
    ({"rating": "4", "comment": "c" * 2001}, ["Comment must be 2,000 characters or fewer"]),
    ({"rating": "4", "comment": "Fine\x01\x1b[2J"}, ["Comment must not contain special characters"]),
    # Everything wrong is said on the first submit, each at its field.
    ({"rating": "0", "comment": "x" * 5000}, ["Select how you rate it, from 1 to 5",
                                              "Comment must be 2,000 characters or fewer"]),
])
def test_bad_hostile_and_oversized_feedback_is_refused_at_the_field(client_for, attended, donna, key, data,
                                                                    messages):
    response = client_for(donna.user).post(_url(attended), {**data, "submission_key": key()})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    for message in messages:
        assert body.count(message) >= 2, message  # in the summary and at the field
    assert 'id="feedback-form"' in body
    assert not AppointmentFeedback.objects.exists()


def test_hostile_markup_is_kept_as_text_and_invisible_controls_go_at_the_edge(client_for, attended, donna, key):
    client = client_for(donna.user)
    # A NUL byte is refused before the view runs (oxtom/core/hygiene.py): nothing saved.
    assert client.post(_url(attended), {"rating": "4", "comment": "a\x00b", "submission_key": key()}).status_code == 400
    assert not AppointmentFeedback.objects.exists()
    # Bidi overrides are stripped at the edge; markup is stored as typed and escaped wherever it is shown.
    client.post(_url(attended), {"rating": "4", "comment": "<script>alert(1)</script>\u202eevil",
                                 "submission_key": key()})
    assert AppointmentFeedback.objects.get().comment == "<script>alert(1)</script>evil"
    page = client.get(_url(attended, "appointment")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;evil" in page and "<script>alert(1)" not in page


def test_a_missing_submission_key_saves_nothing(client_for, attended, donna):
    response = client_for(donna.user).post(_url(attended), {"rating": "5"})
    assert response.status_code == 200 and "go back and try again" in response.content.decode()
    assert not AppointmentFeedback.objects.exists()


# --- the council's list ------------------------------------------------------------------------------------------

def _event_feedback(event, n, *, comment="Event said", start=0):
    made = []
    for i in range(start, start + n):
        user = f.UserFactory(email=f"ev{event.pk}-{i}@example.org")
        customer = f.CustomerFactory(user=user, email=user.email)
        booking = Booking.objects.create(reference=f"BKR{event.pk:03d}{i:04d}", event=event, booker=customer,
                                         attendee_name="x", attendee_key="self", status="confirmed",
                                         submission_key=f"rf-{event.pk}-{i}", created_at=timezone.now())
        made.append(Feedback.objects.create(booking=booking, rating=1 + i % 5, comment=f"{comment} {i}"))
    return made


def _appointment_feedback(service, n, *, comment="Appointment said", start=0, at=None):
    made = []
    for i in range(start, start + n):
        user = f.UserFactory(email=f"ap{service.pk}-{i}@example.org")
        customer = f.CustomerFactory(user=user, email=user.email)
        appointment = Appointment.objects.create(
            reference=f"ATR{service.pk:02d}{i:04d}", service=service, customer=customer, status="attended",
            starts_at=timezone.now() - dt.timedelta(days=2), submission_key=f"ra-{service.pk}-{i}",
            created_at=timezone.now() - dt.timedelta(days=9))
        made.append(AppointmentFeedback.objects.create(appointment=appointment, rating=1 + i % 5,
                                                       comment=f"{comment} {i}", submission_key=f"raf-{service.pk}-{i}",
                                                       created_at=at or timezone.now()))
    return made


def test_the_council_lists_recent_feedback_on_events_and_appointments(client_for, moderator, partner, services,
                                                                      callback, resident_b):
    _event_feedback(make_event(services["yoga"], days=-3), 2, comment="Yoga was")
    _appointment_feedback(callback, 1, comment="The callback was <b>fine</b>")
    url = reverse("community_staff:feedback_recent")
    body = client_for(moderator).get(url).content.decode()
    assert "Chair Yoga" in body and "Yoga was 0" in body and "Yoga was 1" in body
    assert "Contact centre callback" in body and "Council appointment" in body
    assert "The callback was &lt;b&gt;fine&lt;/b&gt;" in body and "<b>fine" not in body
    assert "out of 5" in body and 'class="oxtom-table-scroll"' in body
    # Names no resident.
    assert "ap" + str(callback.pk) + "-0@example.org" not in body
    for who in (partner, resident_b):
        assert client_for(who).get(url).status_code == 403


def test_filter_by_service(client_for, moderator, services, callback, team):
    _event_feedback(make_event(services["yoga"], days=-3), 2, comment="Yoga was")
    _event_feedback(make_event(services["social"], days=-3), 2, comment="Social was")
    _appointment_feedback(callback, 2, comment="Callback was")
    other = AppointmentService.objects.create(code="assess", name="Mobility assessment", description="x", team=team,
                                              opens_at=dt.time(9), closes_at=dt.time(12))
    _appointment_feedback(other, 1, comment="Assessment was")
    client = client_for(moderator)
    url = reverse("community_staff:feedback_recent")
    page = client.get(url).content.decode()
    assert f'value="s{services["yoga"].pk}"' in page and f'value="a{callback.pk}"' in page
    yoga = client.get(url, {"service": f"s{services['yoga'].pk}"}).content.decode()
    assert "Yoga was" in yoga and "Social was" not in yoga and "Callback was" not in yoga
    calls = client.get(url, {"service": f"a{callback.pk}"}).content.decode()
    assert "Callback was" in calls and "Assessment was" not in calls and "Yoga was" not in calls
    # A filter that is not one of the options shows everything, not an error.
    junk = client.get(url, {"service": "s' OR 1=1", "after": "garbage~~"})
    assert junk.status_code == 200 and "Yoga was" in junk.content.decode()


def test_keyset_pages_cover_every_row_once_in_constant_queries(client_for, moderator, services, callback,
                                                              django_assert_max_num_queries):
    from community.selectors import FEEDBACK_PAGE

    same_moment = timezone.now() - dt.timedelta(hours=1)
    event = make_event(services["social"], days=-3)
    _event_feedback(event, 3)
    _appointment_feedback(callback, 3, comment="Early", at=same_moment)  # ties on the timestamp
    client = client_for(moderator)
    url = reverse("community_staff:feedback_recent")
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    _event_feedback(event, 30, start=3)
    _appointment_feedback(callback, 20, comment="Later", start=3)
    seen, next_url, pages = [], url, 0
    while next_url:
        with django_assert_max_num_queries(len(small.captured_queries)):
            body = client.get(next_url).content.decode()
        seen += re.findall(r"(?:Event said|Early|Later) \d+", body)
        found = re.search(r'href="(\?[^"]*after=[^"]+)" rel="next"', body)
        next_url = url + found.group(1).replace("&amp;", "&") if found else ""
        pages += 1
    assert pages == -(-56 // FEEDBACK_PAGE)
    assert len(seen) == 56 and len(set(seen)) == 56


def test_partners_still_see_only_their_own_services_feedback(client_for, partner, services, callback):
    _event_feedback(make_event(services["social"], days=-3), 5, comment="Lovely")
    _appointment_feedback(callback, 5, comment="Council callback")
    body = client_for(partner).get(reverse("community:partner_feedback")).content.decode()
    assert "Social Connections" in body and "Lovely" in body
    assert "Council callback" not in body and "Contact centre callback" not in body


# --- measures ----------------------------------------------------------------------------------------------------

def test_appointment_measures(callback, donna, resident_b, key, templates, migration_data):
    from performance import services as perf
    from performance.models import Measure, Value

    codes = ["community-appointment-feedback-responses", "community-appointment-feedback-good",
             "community-appointments-attended", "community-appointments-no-show", "community-appointments-marked",
             "community-appointments-cancelled"]
    derived = ["community-appointment-feedback-good-percent", "community-appointments-no-show-percent"]
    assert set(codes + derived) <= set(Measure.objects.values_list("code", flat=True))
    free = slots(callback)
    one = appointment_book(service=callback, customer=donna, starts_at=free[0], submission_key=key(), by=donna.user)
    two = appointment_book(service=callback, customer=resident_b.customer, starts_at=free[1], submission_key=key(),
                           by=resident_b)
    appointment_mark(appointment=one, attended=True, by=None)
    appointment_mark(appointment=two, attended=False, by=None)
    appointment_feedback_give(appointment=one, customer=donna, rating="5", comment="", submission_key=key(),
                              by=donna.user)
    fed = timezone.localdate().replace(day=1)
    held = timezone.localdate(free[0]).replace(day=1)
    result = perf.compute_measures(months=sorted({fed, held}), codes=codes + derived)
    assert not result.errors, result.errors

    def county(code, month):
        value = Value.objects.filter(measure__code=code, period__start=month, division__isnull=True,
                                     comparator__isnull=True).first()
        return value.value if value else None

    assert county("community-appointment-feedback-responses", fed) == 1
    assert county("community-appointment-feedback-good-percent", fed) == 100
    assert county("community-appointments-attended", held) == 1
    assert county("community-appointments-no-show", held) == 1
    assert county("community-appointments-no-show-percent", held) == 50


# --- demo --------------------------------------------------------------------------------------------------------

def test_demo_resident_has_one_appointment_to_rate_and_one_rated(client_for, donna, partner, moderator, templates):
    from community.demo import seed_demo_appointment_feedback, seed_demo_community

    seed_demo_community(partner=partner, moderator=moderator, resident_customer=donna)
    assert seed_demo_appointment_feedback(resident_customer=donna) == 3
    assert seed_demo_appointment_feedback(resident_customer=donna) == 0  # idempotent
    waiting, rated = Appointment.objects.filter(customer=donna, submission_key__startswith="demo-attended-") \
        .order_by("-starts_at")
    assert waiting.status == rated.status == Appointment.Status.ATTENDED
    assert not hasattr(waiting, "feedback") and rated.feedback.rating == 4
    client = client_for(donna.user)
    home = client.get(reverse("community_account:home")).content.decode()
    assert home.count("tell us how it went") == 1 and _url(waiting, "appointment") + "#feedback" in home
    assert 'id="feedback-form"' in client.get(_url(waiting, "appointment")).content.decode()
    assert "Your feedback" in client.get(_url(rated, "appointment")).content.decode()
    assert OutboundMessage.objects.filter(idempotency_key=f"community:appointment:{waiting.pk}:feedback-ask",
                                          status="sent").exists()
