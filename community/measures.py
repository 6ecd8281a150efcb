"""Community measures for the performance framework: bookings, attendance, waiting-list conversion, feedback,
signposting by division, and Book it's attendance, no-shows, cancellations and appointment feedback. Registered
with performance's measures registry (performance/registry.py) from CommunityConfig.ready(), as counts (one
GROUP BY per measure); the Measure rows come from migrations 0004 (events) and 0007 (appointments). A booking
counts in the booker's division, an appointment in the resident's.
"""
from __future__ import annotations

from django.db.models import Q

MEASURES = [
    dict(code="community-bookings", name="Community event bookings", unit="count", polarity="higher",
         definition="Places booked on community events (and waiting-list joins) in the month.",
         calculation="Count of bookings made in the month, by the booker's division.", display_order=120),
    dict(code="community-attended", name="Community event attendances", unit="count", polarity="higher",
         definition="People marked as attending a community event held in the month.",
         calculation="Count of bookings marked attended, by the month of the event and the booker's division.",
         display_order=121),
    dict(code="community-waiting-list-joined", name="Waiting-list joins", unit="count", polarity="neutral",
         is_public=False, definition="People who joined a full event's waiting list in the month.",
         calculation="Count of bookings made in the month that began on the waiting list.", display_order=122),
    dict(code="community-waiting-list-placed", name="Waiting-list joins given a place", unit="count",
         polarity="higher", is_public=False,
         definition="Of those joining a waiting list in the month, how many now hold a place.",
         calculation="Count of bookings made in the month that began on the waiting list and are now booked.",
         display_order=123),
    dict(code="community-feedback-responses", name="Community feedback responses", unit="count", polarity="higher",
         definition="Ratings residents gave after community events in the month.",
         calculation="Count of feedback ratings given in the month.", display_order=125),
    dict(code="community-feedback-good", name="Community feedback rated good", unit="count", polarity="higher",
         is_public=False, definition="Ratings of 4 or 5 out of 5 given in the month.",
         calculation="Count of feedback ratings of 4 or 5 given in the month.", display_order=126),
    dict(code="community-signposted", name="Residents signposted to community support", unit="count",
         polarity="higher", definition="Times an adviser sent a resident the details of a community service.",
         calculation="Count of signposting messages sent in the month, by the resident's division.",
         display_order=128),
]
DERIVED = [
    dict(code="community-waiting-list-conversion", name="Waiting-list conversion", unit="percent", precision=1,
         polarity="higher", numerator="community-waiting-list-placed", denominator="community-waiting-list-joined",
         multiplier=100, definition="Of the people who joined a waiting list, the percentage who got a place.",
         calculation="Waiting-list joins given a place divided by waiting-list joins, times 100.", display_order=124),
    dict(code="community-feedback-good-percent", name="Community feedback rated good (percentage)", unit="percent",
         precision=1, polarity="higher", numerator="community-feedback-good",
         denominator="community-feedback-responses", multiplier=100,
         definition="Of the ratings given after community events, the percentage of 4 or 5 out of 5.",
         calculation="Ratings of 4 or 5 divided by all ratings, times 100.", display_order=127),
]

# Book it: council appointments, counted in the month they were for, by the resident's division; the
# feedback score the same way as the events' (migration 0007 adds these rows).
APPOINTMENT_MEASURES = [
    dict(code="community-appointments-attended", name="Council appointments attended", unit="count",
         polarity="higher", definition="Council appointments (Book it) that staff marked attended, in the month.",
         calculation="Count of appointments marked attended, by the month of the appointment and the resident's "
                     "division.", display_order=130),
    dict(code="community-appointments-no-show", name="Council appointments missed", unit="count", polarity="lower",
         is_public=False, definition="Council appointments that staff marked as \"did not come\", in the month.",
         calculation="Count of appointments marked no-show, by the month of the appointment and the resident's "
                     "division, leaving out those that fell in an absence of the officer or room.",
         display_order=131),
    dict(code="community-appointments-marked", name="Council appointments marked", unit="count", polarity="neutral",
         is_public=False, definition="Council appointments staff marked attended or did not come, in the month.",
         calculation="Count of appointments marked attended or no-show, by the month of the appointment, "
                     "leaving out no-shows that fell in an absence of the officer or room.",
         display_order=132),
    dict(code="community-appointments-cancelled", name="Council appointments cancelled", unit="count",
         polarity="neutral", is_public=False,
         definition="Council appointments cancelled (by the resident or staff) that were for the month; a move "
                    "is not counted.",
         calculation="Count of cancelled appointments not moved to another time, by the month of the appointment.",
         display_order=134),
    dict(code="community-appointment-feedback-responses", name="Council appointment feedback responses",
         unit="count", polarity="higher",
         definition="Ratings residents gave after council appointments (Book it) in the month.",
         calculation="Count of appointment feedback ratings given in the month.", display_order=135),
    dict(code="community-appointment-feedback-good", name="Council appointment feedback rated good", unit="count",
         polarity="higher", is_public=False, definition="Appointment ratings of 4 or 5 out of 5 given in the month.",
         calculation="Count of appointment feedback ratings of 4 or 5 given in the month.", display_order=136),
]
APPOINTMENT_DERIVED = [
    dict(code="community-appointments-no-show-percent", name="Council appointments missed (percentage)",
         unit="percent", precision=1, polarity="lower", numerator="community-appointments-no-show",
         denominator="community-appointments-marked", multiplier=100,
         definition="Of the council appointments staff marked, the percentage where the resident did not come.",
         calculation="Appointments marked no-show divided by appointments marked, times 100.", display_order=133),
    dict(code="community-appointment-feedback-good-percent",
         name="Council appointment feedback rated good (percentage)", unit="percent", precision=1, polarity="higher",
         numerator="community-appointment-feedback-good", denominator="community-appointment-feedback-responses",
         multiplier=100, definition="Of the ratings given after council appointments, the percentage of 4 or 5.",
         calculation="Appointment ratings of 4 or 5 divided by all appointment ratings, times 100.",
         display_order=137),
]


def register() -> None:
    from performance.registry import is_registered, register_count

    if is_registered("community-bookings"):  # ready() may run twice
        return
    register_count("community-bookings", model="community.Booking", date_field="created_at",
                   division_field="booker__division_id")
    register_count("community-attended", model="community.Booking", date_field="event__starts_at",
                   division_field="booker__division_id", filters=Q(attended=True))
    register_count("community-waiting-list-joined", model="community.Booking", date_field="created_at",
                   division_field="booker__division_id", filters=Q(from_waiting_list=True))
    register_count("community-waiting-list-placed", model="community.Booking", date_field="created_at",
                   division_field="booker__division_id", filters=Q(from_waiting_list=True, status="confirmed"))
    register_count("community-feedback-responses", model="community.Feedback", date_field="created_at",
                   division_field="booking__booker__division_id")
    register_count("community-feedback-good", model="community.Feedback", date_field="created_at",
                   division_field="booking__booker__division_id", filters=Q(rating__gte=4))
    register_count("community-signposted", model="community.Signposting", date_field="created_at",
                   division_field="division_id")
    register_count("community-appointments-attended", model="community.Appointment", date_field="starts_at",
                   division_field="customer__division_id", filters=Q(status="attended"))
    # A "did not come" while the officer or room was away (an absence recorded afterwards, like sickness that
    # day) is the council's miss, not the resident's: it counts in neither the no-shows nor the marked.
    from .services.resources import in_an_absence

    resident_missed = Q(status="no_show") & ~Q(in_an_absence())
    register_count("community-appointments-no-show", model="community.Appointment", date_field="starts_at",
                   division_field="customer__division_id", filters=resident_missed)
    register_count("community-appointments-marked", model="community.Appointment", date_field="starts_at",
                   division_field="customer__division_id", filters=Q(status="attended") | resident_missed)
    register_count("community-appointments-cancelled", model="community.Appointment", date_field="starts_at",
                   division_field="customer__division_id", filters=Q(status="cancelled", moved_to__isnull=True))
    register_count("community-appointment-feedback-responses", model="community.AppointmentFeedback",
                   date_field="created_at", division_field="appointment__customer__division_id")
    register_count("community-appointment-feedback-good", model="community.AppointmentFeedback",
                   date_field="created_at", division_field="appointment__customer__division_id",
                   filters=Q(rating__gte=4))
