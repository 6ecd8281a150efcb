"""Computed measures against hand-checked fixtures: counts, medians in working days (bank holidays),
end-of-month snapshots, shares, zero-filling, idempotence, locked periods and the registry."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from oxtom.cases.models import Status
from oxtom.core import calendar
from oxtom.customers.models import Interaction
from oxtom.notify.models import OutboundMessage
from performance import computations, services
from performance.models import Measure, Period, Value
from tests import factories as f
from tests.casework.factories import CaseFactory

LONDON = ZoneInfo("Europe/London")
APRIL, MAY = dt.date(2026, 4, 1), dt.date(2026, 5, 1)


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=LONDON)


def case(division, received: str, closed: str | None = None, due: str = "2026-04-30", **kwargs):
    return CaseFactory(division=division, received_at=at(received), closed_at=at(closed, 15) if closed else None,
                       status=Status.CLOSED if closed else Status.IN_PROGRESS, due_at=dt.date.fromisoformat(due),
                       **kwargs)


def figures(code: str, period_start: dt.date) -> dict[str, tuple]:
    return {v.area_key: (v.value, v.base) for v in Value.objects.filter(measure__code=code, period__start=period_start)}


@pytest.fixture
def casework_data(division_a, division_b):
    # Easter 2026: Good Friday 3 April and Easter Monday 6 April are bank holidays.
    case(division_a, "2026-04-02", "2026-04-07", due="2026-04-20")  # 1 working day (Tue 7th only); on time
    case(division_a, "2026-04-01", "2026-04-10", due="2026-04-08")  # Thu 2, Tue 7 .. Fri 10 = 5; late
    case(division_a, "2026-04-14", "2026-04-20", due="2026-04-30")  # Wed 15 .. Fri 17, Mon 20 = 4; on time
    case(division_a, "2026-03-20", None, due="2026-04-15")  # open, overdue at end of April (received in March)
    case(division_a, "2026-04-28", None, due="2026-05-10")  # open, not due yet at end of April
    case(division_b, "2026-04-30", "2026-05-05", due="2026-05-20")  # Early May bank holiday Mon 4th: Fri 1, Tue 5 = 2
    case(None, "2026-04-15", None, due="2026-04-16")  # no location: county only; overdue


def compute():
    return services.compute_measures(months=[dt.date(2026, 3, 1), APRIL, MAY])


def test_cases_received_per_division_and_county(casework_data, division_a, division_b):
    result = compute()
    assert result.errors == []
    april = figures("cases-received", APRIL)
    assert april[f"d:{division_a.pk}"] == (D("4"), 4)
    assert april[f"d:{division_b.pk}"] == (D("1"), 1)
    assert april["county"] == (D("6"), 6)  # includes the case with no division
    assert figures("cases-received", dt.date(2026, 3, 1))[f"d:{division_a.pk}"] == (D("1"), 1)
    # a month with nothing is zero, not missing
    assert figures("cases-received", MAY)[f"d:{division_b.pk}"] == (D("0"), 0)


def test_median_working_days_counts_bank_holidays(casework_data, division_a, division_b):
    compute()
    april = figures("cases-median-days-to-close", APRIL)
    assert april[f"d:{division_a.pk}"] == (D("4"), 3)  # median of 1, 5 and 4 working days
    assert april["county"] == (D("4"), 3)
    assert april[f"d:{division_b.pk}"] == (None, 0)  # nothing closed: no figure, not zero
    assert figures("cases-median-days-to-close", MAY)[f"d:{division_b.pk}"] == (D("2"), 1)


def test_overdue_is_a_month_end_snapshot(casework_data, division_a):
    compute()
    april = figures("cases-overdue", APRIL)
    assert april[f"d:{division_a.pk}"] == (D("1"), 1)
    assert april["county"] == (D("2"), 2)
    # at the end of March nothing was yet due
    assert figures("cases-overdue", dt.date(2026, 3, 1))["county"] == (D("0"), 0)


def test_on_time_percentage_is_derived(casework_data, division_a):
    compute()
    april = figures("cases-on-time-percent", APRIL)
    assert april[f"d:{division_a.pk}"][0] == D("66.6667")  # 2 of 3 closed on time
    assert april[f"d:{division_a.pk}"][1] == 3


def test_contacts_by_channel_and_digital_share(division_a):
    customer = f.CustomerFactory(division=division_a)
    other = f.CustomerFactory(division=None)
    for channel, n in [("web", 3), ("phone", 1), ("webchat", 2), ("email", 2)]:
        for i in range(n):
            Interaction.objects.create(customer=customer, occurred_at=at("2026-04-10"), channel=channel,
                                       direction="inbound", kind="contact.logged", summary="x")
    Interaction.objects.create(customer=other, occurred_at=at("2026-04-11"), channel="phone", direction="inbound",
                               kind="contact.logged", summary="x")
    # not contacts: our replies and system events
    Interaction.objects.create(customer=customer, occurred_at=at("2026-04-10"), channel="email",
                               direction="outbound", kind="notification.sent", summary="x")
    Interaction.objects.create(customer=customer, occurred_at=at("2026-04-10"), channel="system",
                               direction="inbound", kind="case.created", summary="x")
    # 23:30 on 30 April in London is already 1 May? No: it is 22:30 UTC on 30 April, still April locally.
    Interaction.objects.create(customer=customer, occurred_at=at("2026-04-30", 23), channel="phone",
                               direction="inbound", kind="contact.logged", summary="x")
    compute()
    key = f"d:{division_a.pk}"
    assert figures("contacts-total", APRIL)[key][0] == D("9")
    assert figures("contacts-total", APRIL)["county"][0] == D("10")
    assert figures("contacts-phone", APRIL)[key][0] == D("2")
    assert figures("contacts-digital", APRIL)[key][0] == D("7")
    assert figures("digital-share", APRIL)[key] == (D("77.7778"), 9)
    assert figures("digital-share", APRIL)["county"] == (D("70"), 10)
    assert figures("contacts-total", MAY)[key][0] == D("0")


def test_notifications_sent_by_channel(division_a):
    customer = f.CustomerFactory(division=division_a)
    for i, (channel, status) in enumerate([("email", "sent"), ("email", "sent"), ("sms", "sent"), ("sms", "dead")]):
        OutboundMessage.objects.create(customer=customer, template_code="t", channel=channel, status=status, idempotency_key=f"k{i}",
                                       next_attempt_at=at("2026-04-09"), sent_at=at("2026-04-09") if status == "sent" else None)
    compute()
    assert figures("notifications-email", APRIL)[f"d:{division_a.pk}"][0] == D("2")
    assert figures("notifications-sms", APRIL)[f"d:{division_a.pk}"][0] == D("1")


def test_recomputing_is_idempotent_and_records_the_boundary_set(casework_data, division_a):
    compute()
    before = sorted(Value.objects.values_list("measure_id", "period_id", "area_key", "value", "base"))
    compute()
    after = sorted(Value.objects.values_list("measure_id", "period_id", "area_key", "value", "base"))
    assert before == after
    # Provision's spend shares and payment rate are county figures (a division has no share of the council's
    # spend); its division figure is spend with the suppliers located in each division (provision/measures.py).
    county_only = Measure.objects.filter(source="computed", code__startswith="provision-").exclude(
        code="provision-spend-with-division-suppliers").count()
    measures = Measure.objects.filter(source="computed").count() - county_only
    assert county_only == 13
    assert len(after) == measures * 3 * (2 + 1) + county_only * 3  # 3 months x (2 divisions + county)
    assert set(Value.objects.values_list("boundary_set_id", flat=True)) == {division_a.boundary_set_id}
    assert Value.objects.filter(area_key="county", division__isnull=False).count() == 0


def test_a_locked_period_is_never_overwritten(casework_data, division_a):
    compute()
    april = Period.objects.get(start=APRIL)
    Period.objects.filter(pk=april.pk).update(status=Period.Status.CLOSED)
    case(division_a, "2026-04-22", None)  # late data for a closed month
    result = compute()
    assert result.skipped_locked == 1
    assert figures("cases-received", APRIL)[f"d:{division_a.pk}"] == (D("4"), 4)
    assert figures("cases-received", MAY)  # open months still computed


def test_one_broken_measure_does_not_stop_the_others(casework_data, monkeypatch):
    def broken(ctx):
        raise RuntimeError("boom")

    monkeypatch.setitem(computations.REGISTRY, "cases-overdue", broken)
    result = compute()
    assert result.errors == ["cases-overdue: RuntimeError: boom"]
    assert figures("cases-received", APRIL)
    assert not figures("cases-overdue", APRIL)


def test_a_new_measure_needs_only_a_registered_query_definition(division_a, monkeypatch):
    """Adding a measure: one register_count line and a Measure row. No framework change."""
    from tests.performance.factories import MeasureFactory

    monkeypatch.setattr(computations, "REGISTRY", dict(computations.REGISTRY))
    computations.register_count("phone-contacts-test", model="customers.Interaction", date_field="occurred_at",
                                division_field="customer__division_id", filters=None)
    MeasureFactory(code="phone-contacts-test", unit="count", source="computed")
    customer = f.CustomerFactory(division=division_a)
    Interaction.objects.create(customer=customer, occurred_at=at("2026-04-10"), channel="phone",
                               direction="inbound", kind="contact.logged", summary="x")
    services.compute_measures(months=[APRIL], codes=["phone-contacts-test"])
    assert figures("phone-contacts-test", APRIL)[f"d:{division_a.pk}"] == (D("1"), 1)


def test_vectorised_working_days_match_the_calendar_module():
    rng = random.Random(7)
    starts, ends = [], []
    for _ in range(400):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 900))
        starts.append(start)
        ends.append(start + dt.timedelta(days=rng.randrange(0, 60)))
    got = computations.working_days_between(np.array(starts, dtype="datetime64[D]"),
                                            np.array(ends, dtype="datetime64[D]"))
    want = [calendar.working_days_between(s, e) for s, e in zip(starts, ends)]
    assert list(got) == want


def test_the_task_computes_recent_months(casework_data, settings):
    from performance.tasks import compute_measures

    settings.PERFORMANCE_COMPUTE_MONTHS = 2
    written = compute_measures()
    assert written > 0
    assert Period.objects.count() == 2
