"""Community measures for the performance framework: bookings, attendance, waiting-list conversion, feedback,
signposting by division. Registered with performance's measures registry (performance/registry.py) from CommunityConfig.ready(), as counts
(one GROUP BY per measure); the Measure rows come from migration 0004. A booking counts in the booker's division.
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
