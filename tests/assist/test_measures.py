"""Assisted-digital measures: counts by channel and reason, first-contact resolution, conversion, chat wait."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oxtom.customers import services
from performance import assisted_digital as measures
from oxtom.customers.models import ContactLog, DigitalCoaching, WebChat
from tests import factories as f
from tests.customers.helpers import make_customer

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PERIOD = {"start": TODAY - dt.timedelta(days=1), "end": TODAY + dt.timedelta(days=1)}


def _log(adviser, reasons, *, customer=None, reason="other", channel="phone", resolved=True, outcome="information"):
    return services.contact_log(customer=customer, reason=reasons[reason], outcome=outcome, channel=channel,
                                first_contact_resolved=resolved, by=adviser)


def test_contacts_by_channel_and_reason_and_division(adviser, reasons, customer, other_customer, division_a):
    _log(adviser, reasons, customer=customer, reason="opening-hours")
    _log(adviser, reasons, customer=customer, reason="opening-hours")
    _log(adviser, reasons, customer=other_customer, reason="opening-hours", channel="face_to_face")
    _log(adviser, reasons, reason="other", channel="webchat", resolved=False, outcome="transferred")
    rows = measures.contacts_by_channel_and_reason(**PERIOD)
    assert [(r.channel, r.reason_code, r.count) for r in rows] == [
        ("phone", "opening-hours", 2), ("face_to_face", "opening-hours", 1), ("webchat", "other", 1),
    ]
    assert rows[0].channel_label == "Telephone"
    in_a = measures.contacts_by_channel_and_reason(**PERIOD, division=division_a)
    assert [(r.channel, r.count) for r in in_a] == [("phone", 2)]
    assert measures.contacts_by_channel_and_reason(**PERIOD, division=division_a.pk) == in_a
    # Outside the period: nothing.
    ContactLog.objects.update(recorded_at=timezone.now() - dt.timedelta(days=10))
    assert measures.contacts_by_channel_and_reason(**PERIOD) == []


def test_first_contact_resolution_rate(adviser, reasons):
    assert measures.first_contact_resolution(**PERIOD).rate is None
    for resolved in (True, True, True, False):
        _log(adviser, reasons, resolved=resolved, outcome="information" if resolved else "transferred")
    rate = measures.first_contact_resolution(**PERIOD)
    assert (rate.numerator, rate.denominator, rate.rate) == (3, 4, 0.75)


def test_period_must_run_forwards():
    with pytest.raises(ValueError):
        measures.first_contact_resolution(start=TODAY, end=TODAY - dt.timedelta(days=1))


def test_assisted_to_digital_counts_customers_who_then_went_online_themselves(adviser, message_templates):
    from oxtom.customers.services import interaction_record

    online_user = f.UserFactory()
    went_online = make_customer(first_name="Ann", user=online_user)
    stayed_offline = make_customer(first_name="Bob")
    helped_again = make_customer(first_name="Cat", user=f.UserFactory())
    for c in (went_online, stayed_offline, helped_again):
        services.coaching_send(customer=c, journey="apply", channel="phone", by=adviser)
    # Something the adviser did for Cat doesn't count as Cat going online.
    interaction_record(customer=helped_again, kind="case.created", summary="x", channel="web", by=adviser,
                       on_behalf_of=True)
    interaction_record(customer=went_online, kind="case.created", summary="Applied", channel="web", by=online_user)
    rate = measures.assisted_to_digital(**PERIOD)
    assert (rate.numerator, rate.denominator) == (1, 3)
    # Online before the link doesn't count.
    DigitalCoaching.objects.filter(customer=went_online).update(sent_at=timezone.now() + dt.timedelta(minutes=1))
    assert measures.assisted_to_digital(**PERIOD).numerator == 0


def test_webchat_median_wait(adviser, resident_a, division_a):
    now = timezone.now()
    for n, wait in enumerate((60, 120, 600)):
        chat = services.webchat_start(token=f"{n}" * 40, message="help", page="/", by=resident_a if n == 0 else None)
        WebChat.objects.filter(pk=chat.pk).update(created_at=now - dt.timedelta(seconds=wait), answered_at=now)
    services.webchat_start(token="w" * 40, message="nobody came", page="/", by=None)
    result = measures.webchat_wait(**PERIOD)
    assert result.median == dt.timedelta(seconds=120) and result.answered == 3 and result.unanswered == 1
    in_a = measures.webchat_wait(**PERIOD, division=division_a)
    assert in_a.median == dt.timedelta(seconds=60) and in_a.answered == 1
    assert measures.webchat_wait(start=TODAY + dt.timedelta(days=5), end=TODAY + dt.timedelta(days=6)).median is None


def test_measures_cost_constant_queries(adviser, reasons, django_assert_max_num_queries):
    for n in range(20):
        _log(adviser, reasons, channel=["phone", "webchat"][n % 2])
    with django_assert_max_num_queries(1):
        measures.contacts_by_channel_and_reason(**PERIOD)
    with django_assert_max_num_queries(1):
        measures.first_contact_resolution(**PERIOD)
    with django_assert_max_num_queries(1):
        measures.assisted_to_digital(**PERIOD)
    with django_assert_max_num_queries(1):
        measures.webchat_wait(**PERIOD)
