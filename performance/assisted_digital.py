"""Assisted-digital measures (contacts by channel and reason, first-contact resolution, assisted to
digital, webchat waits), read-only. They read only the kernel's customer tables, so they live with the
other measures in performance, not in the kernel. Read-only selectors.

Every function takes a period as dates, `start` inclusive and `end`
exclusive, in the council's time zone (Europe/London), and an optional
`division` (a places.Division or its id) which keeps only contacts of
customers in that division at the time of the contact. Each costs one or
two indexed queries whatever the period.

    contacts_by_channel_and_reason(*, start, end, division=None) -> list[ContactCount]
        Contacts that needed no service request (ContactLog), counted per
        (channel, reason). Sorted by count, largest first.

    first_contact_resolution(*, start, end, division=None) -> Rate
        Of those contacts, how many were resolved at first contact.

    assisted_to_digital(*, start, end, division=None, within_days=90) -> Rate
        Of the customers an adviser sent a "carry on online" link to in the
        period (DigitalCoaching), how many then did something online
        themselves (a web-channel timeline entry by their own account, not on
        their behalf) within `within_days` of the link.

    webchat_wait(*, start, end, division=None) -> WaitTime
        For chats started in the period: the median time from asking to an
        adviser's first reply, how many were answered and how many never were.
        Division applies to chats from signed-in residents only.

Rates have `.rate` None when there is nothing to divide by; callers should
suppress small numbers (<5) on public pages.
"""
from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from oxtom.customers.models import Channel, ContactLog, DigitalCoaching, Interaction, WebChat


@dataclass(frozen=True)
class ContactCount:
    channel: str
    channel_label: str
    reason_code: str
    reason_label: str
    count: int


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class WaitTime:
    median: dt.timedelta | None
    answered: int
    unanswered: int


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if end < start:
        raise ValueError("end must not be before start")
    zone = ZoneInfo(settings.TIME_ZONE)
    return (dt.datetime.combine(start, dt.time.min, tzinfo=zone), dt.datetime.combine(end, dt.time.min, tzinfo=zone))


def _division_id(division: Any) -> int | None:
    return getattr(division, "pk", division)


def _contacts(start: dt.date, end: dt.date, division: Any):
    low, high = _bounds(start, end)
    queryset = ContactLog.objects.filter(recorded_at__gte=low, recorded_at__lt=high)
    if division is not None:
        queryset = queryset.filter(division_id=_division_id(division))
    return queryset


def contacts_by_channel_and_reason(*, start: dt.date, end: dt.date, division: Any = None) -> list[ContactCount]:
    rows = (
        _contacts(start, end, division)
        .values("channel", "reason__code", "reason__label")
        .annotate(n=Count("id"))
        .order_by("-n", "channel", "reason__code")
    )
    labels = dict(Channel.choices)
    return [
        ContactCount(channel=r["channel"], channel_label=labels.get(r["channel"], r["channel"]),
                     reason_code=r["reason__code"], reason_label=r["reason__label"], count=r["n"])
        for r in rows
    ]


def first_contact_resolution(*, start: dt.date, end: dt.date, division: Any = None) -> Rate:
    totals = _contacts(start, end, division).aggregate(
        total=Count("id"), resolved=Count("id", filter=Q(first_contact_resolved=True)),
    )
    return Rate(numerator=totals["resolved"], denominator=totals["total"])


def assisted_to_digital(*, start: dt.date, end: dt.date, division: Any = None, within_days: int = 90) -> Rate:
    low, high = _bounds(start, end)
    coachings = DigitalCoaching.objects.filter(sent_at__gte=low, sent_at__lt=high)
    if division is not None:
        coachings = coachings.filter(division_id=_division_id(division))
    went_online = Interaction.objects.filter(
        customer_id=OuterRef("customer_id"),
        actor_id=OuterRef("customer__user_id"),
        channel=Channel.WEB,
        on_behalf_of=False,
        occurred_at__gt=OuterRef("sent_at"),
        occurred_at__lte=OuterRef("sent_at") + dt.timedelta(days=within_days),
    )
    # Per customer, not per link: two links to one person who then went online count once.
    per_customer = (
        coachings.annotate(converted=Exists(went_online))
        .values("customer_id").annotate(any_converted=Count("id", filter=Q(converted=True)))
    )
    rows = list(per_customer)
    return Rate(numerator=sum(1 for r in rows if r["any_converted"]), denominator=len(rows))


def webchat_wait(*, start: dt.date, end: dt.date, division: Any = None) -> WaitTime:
    low, high = _bounds(start, end)
    chats = WebChat.objects.filter(created_at__gte=low, created_at__lt=high)
    if division is not None:
        chats = chats.filter(division_id=_division_id(division))
    waits = []
    unanswered = 0
    for created, answered in chats.values_list("created_at", "answered_at"):
        if answered is None:
            unanswered += 1
        else:
            waits.append((answered - created).total_seconds())
    median = dt.timedelta(seconds=statistics.median(waits)) if waits else None
    return WaitTime(median=median, answered=len(waits), unanswered=unanswered)
