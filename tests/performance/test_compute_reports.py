"""Street-report, satisfaction and first-contact-resolution measures against hand-checked fixtures.

Christmas 2025 is the test: Thursday 25 and Friday 26 December and Thursday
1 January are bank holidays in England and Wales, so they are not working
days to fix anything in.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from oxtom.cases.models import Status
from oxtom.customers.models import ContactLog, ContactReason
from performance import selectors, services
from performance.models import Measure, Period, Value
from portal.models import ReportStatus, ReportType, StreetReport
from tests import factories as f
from tests.casework.factories import CaseFactory, ServiceFactory

LONDON = ZoneInfo("Europe/London")
NOV, DEC, JAN = dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1)


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def report_type(db):
    service = ServiceFactory(code="pothole-test", kind="report")
    return ReportType.objects.create(service=service, group="Roads")


def report(report_type, division, reported: str, *, fixed: str | None = None, status: str | None = None,
           due: str = "2026-01-31", rating: int | None = None, rated: str | None = None, hour: int = 10):
    closed = fixed is not None
    case = CaseFactory(service=report_type.service, division=division, received_at=at(reported, hour),
                       due_at=dt.date.fromisoformat(due), status=Status.CLOSED if closed else Status.IN_PROGRESS,
                       closed_at=at(fixed, 15) if closed else None)
    return StreetReport.objects.create(
        case=case, report_type=report_type, latitude=52.06, longitude=-1.34, division=division,
        public_status=status or (ReportStatus.FIXED if closed else ReportStatus.OPEN),
        reported_at=at(reported, hour), status_changed_at=at(fixed or reported, 15),
        closed_at=at(fixed, 15) if closed else None, feedback_rating=rating,
        feedback_at=at(rated) if rated else None,
    )


@pytest.fixture
def reports(report_type, division_a, division_b):
    # Mon 22 Dec -> Mon 29 Dec: Tue 23, Wed 24, (Christmas, Boxing Day, weekend), Mon 29 = 3 working days.
    report(report_type, division_a, "2025-12-22", fixed="2025-12-29", due="2025-12-31", rating=5, rated="2026-01-05")
    # Fri 19 Dec -> Wed 31 Dec: Mon 22, Tue 23, Wed 24, Mon 29, Tue 30, Wed 31 = 6; due the 30th: late.
    report(report_type, division_a, "2025-12-19", fixed="2025-12-31", due="2025-12-30", rating=2, rated="2026-01-06")
    # Mon 1 Dec -> Fri 5 Dec: 4 working days, on time.
    report(report_type, division_a, "2025-12-01", fixed="2025-12-05", due="2025-12-10", rating=4, rated="2026-01-07")
    report(report_type, division_a, "2025-12-10")  # still open: received, not fixed
    # closed, but not fixed: not in the fixed measures
    report(report_type, division_a, "2025-12-11", fixed="2025-12-12", status=ReportStatus.NOT_FIXED)
    # 23:30 on New Year's Eve (GMT) is December; fixed Fri 2 Jan: New Year's Day is a holiday, so 1 working day.
    report(report_type, division_b, "2025-12-31", fixed="2026-01-02", due="2026-01-09", hour=23)


def compute():
    result = services.compute_measures(months=[NOV, DEC, JAN])
    assert result.errors == []
    return result


def figures(code: str, start: dt.date) -> dict[str, tuple]:
    return {v.area_key: (v.value, v.base) for v in Value.objects.filter(measure__code=code, period__start=start)}


def test_street_reports_received(reports, division_a, division_b):
    compute()
    december = figures("street-reports-received", DEC)
    assert december[f"d:{division_a.pk}"] == (D("5"), 5)
    assert december[f"d:{division_b.pk}"] == (D("1"), 1)
    assert december["county"] == (D("6"), 6)
    assert figures("street-reports-received", JAN)["county"] == (D("0"), 0)


def test_fixed_within_target_and_median_working_days_over_christmas(reports, division_a, division_b):
    compute()
    a, b = f"d:{division_a.pk}", f"d:{division_b.pk}"
    assert figures("street-reports-fixed", DEC)[a] == (D("3"), 3)
    assert figures("street-reports-fixed-on-time", DEC)[a] == (D("2"), 2)
    assert figures("street-reports-fixed-on-time-percent", DEC)[a] == (D("66.6667"), 3)
    assert figures("street-reports-median-days-to-fix", DEC)[a] == (D("4"), 3)  # median of 3, 6 and 4
    assert figures("street-reports-median-days-to-fix", DEC)[b] == (None, 0)  # nothing fixed: no figure
    assert figures("street-reports-median-days-to-fix", JAN)[b] == (D("1"), 1)
    assert figures("street-reports-fixed-on-time-percent", JAN)[b] == (D("100"), 1)
    assert figures("street-reports-fixed-on-time-percent", NOV)[a] == (None, 0)  # 0 of 0 is no figure


def test_customer_satisfaction_counts_4_and_5_in_the_month_rated(reports, division_a):
    compute()
    a = f"d:{division_a.pk}"
    assert figures("feedback-responses", JAN)[a] == (D("3"), 3)
    assert figures("feedback-satisfied", JAN)[a] == (D("2"), 2)
    assert figures("customer-satisfaction", JAN)[a] == (D("66.6667"), 3)
    assert figures("customer-satisfaction", DEC)[a] == (None, 0)


def test_first_contact_resolution(division_a, division_b):
    reason = ContactReason.objects.create(code="bins", label="Bins")
    for resolved, division in [(True, division_a), (True, division_a), (True, division_a), (False, division_a),
                               (False, division_b)]:
        ContactLog.objects.create(reason=reason, outcome="resolved" if resolved else "transferred", channel="phone",
                                  first_contact_resolved=resolved, division=division, recorded_at=at("2025-12-03"))
    compute()
    assert figures("first-contact-resolution", DEC)[f"d:{division_a.pk}"] == (D("75"), 4)
    assert figures("first-contact-resolution", DEC)[f"d:{division_b.pk}"] == (D("0"), 1)
    assert figures("first-contact-resolution", DEC)["county"] == (D("60"), 5)


def test_small_numbers_are_suppressed_on_the_division_page(reports, division_a, monkeypatch):
    compute()
    # The page shows the last 13 complete months: pretend it is 1 February 2026 (January just ended).
    page = selectors.division_page(division_a, on=dt.date(2026, 2, 1))
    rows = {row.measure.code: row for row in page.rows}
    on_time = rows["street-reports-fixed-on-time-percent"]
    assert on_time.period.start == JAN
    december = next(p for p in on_time.series if p.period.start == DEC)
    assert december.suppressed and december.value is None and december.display == "Fewer than 5"  # 2 of 3
    assert rows["street-reports-received"].series[-2].display == "5"  # December: five reports is shown
    assert rows["customer-satisfaction"].status.display == "Fewer than 5"


def test_every_seeded_computed_measure_has_a_computation(db):
    from performance.computations import REGISTRY

    base = Measure.objects.filter(source="computed", numerator__isnull=True)
    assert base.count() >= 25
    assert [m.code for m in base if m.code not in REGISTRY] == []


def test_closed_month_is_not_recomputed(reports, division_a, report_type):
    compute()
    Period.objects.filter(start=DEC).update(status=Period.Status.CLOSED, closed_at=timezone.now())
    report(report_type, division_a, "2025-12-15", fixed="2025-12-16", due="2025-12-20")
    compute()
    assert figures("street-reports-fixed", DEC)[f"d:{division_a.pk}"] == (D("3"), 3)
    assert figures("street-reports-received", DEC)[f"d:{division_a.pk}"] == (D("5"), 5)


# --- applications: Easter 2026 (Good Friday 3 April and Easter Monday 6 April are bank holidays) -----------


def application(customer, submitted: str, decided: str | None = None, *, automatic: bool = False, hour: int = 10):
    from applications.models import Application, ApplicationService

    service = ApplicationService.objects.order_by("id").first()
    return Application.objects.create(
        reference=f"APP-{Application.objects.count():05d}", service=service, customer=customer,
        submitted_at=at(submitted, hour), status="approved" if decided else "submitted",
        decided_at=at(decided, hour + (0 if automatic else 3)) if decided else None, decided_automatically=automatic)


@pytest.fixture
def applications(division_a, division_b):
    here, there = f.CustomerFactory(division=division_a), f.CustomerFactory(division=division_b)
    application(here, "2026-04-02", "2026-04-02", automatic=True)  # decided at once: 0 working days
    application(here, "2026-04-02", "2026-04-08")  # Tue 7, Wed 8 = 2 (Good Friday, Easter Monday)
    application(here, "2026-04-01", "2026-04-10")  # Thu 2, Tue 7 .. Fri 10 = 5
    application(here, "2026-04-20")  # not decided yet
    application(there, "2026-03-30", "2026-04-01", automatic=True)  # Tue 31, Wed 1 = 2; received in March


def test_applications_received_decided_automatically_and_median_days(applications, division_a, division_b):
    result = services.compute_measures(months=[dt.date(2026, 3, 1), dt.date(2026, 4, 1)])
    assert result.errors == [] and result.unavailable == []
    april, a, b = dt.date(2026, 4, 1), f"d:{division_a.pk}", f"d:{division_b.pk}"
    assert figures("applications-received", april)[a] == (D("4"), 4)
    assert figures("applications-received", april)["county"] == (D("4"), 4)
    assert figures("applications-received", dt.date(2026, 3, 1))[b] == (D("1"), 1)
    assert figures("applications-decided", april)[a] == (D("3"), 3)
    assert figures("applications-auto-percent", april)[a] == (D("33.3333"), 3)
    assert figures("applications-auto-percent", april)[b] == (D("100"), 1)
    assert figures("applications-auto-percent", april)["county"] == (D("50"), 4)
    assert figures("applications-median-days-to-decision", april)[a] == (D("2"), 3)  # median of 0, 2 and 5
    assert figures("applications-median-days-to-decision", april)["county"] == (D("2"), 4)


def test_application_measures_are_skipped_cleanly_without_the_app(applications, monkeypatch):
    from performance import computations

    # Without the app its ready() never registers its measures (applications/measures.py).
    monkeypatch.setattr(computations, "REGISTRY", {code: function for code, function in computations.REGISTRY.items()
                                                   if not code.startswith("applications-")})
    result = services.compute_measures(months=[dt.date(2026, 4, 1)])
    assert result.errors == []
    assert sorted(u.split(":")[0] for u in result.unavailable) == [
        "applications-decided", "applications-decided-automatically", "applications-median-days-to-decision",
        "applications-received"]
    assert not Value.objects.filter(measure__code__startswith="applications-").exists()
    assert figures("cases-received", dt.date(2026, 4, 1))  # everything else still computed
