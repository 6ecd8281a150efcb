"""Nearby open reports (radius, ordering, open only, type only, nearest five) and reports around a place."""
from __future__ import annotations

import math

import pytest
from django.utils import timezone

from oxtom.cases.models import Case
from portal import selectors
from portal.models import ReportStatus, StreetReport
from tests.casework.factories import CaseFactory

from .conftest import HERE

M_PER_DEG_LAT = 111_320.0


def north_of(metres: float) -> tuple[float, float]:
    return HERE[0] + metres / M_PER_DEG_LAT, HERE[1]


def east_of(metres: float) -> tuple[float, float]:
    return HERE[0], HERE[1] + metres / (M_PER_DEG_LAT * math.cos(math.radians(HERE[0])))


def quick_report(report_type, point, status=ReportStatus.OPEN, is_public=True, when=None):
    """A report made directly (fast set-up for reads); behaviour tests go through the service."""
    case = CaseFactory(service=report_type.service)
    now = when or timezone.now()
    return StreetReport.objects.create(case=case, report_type=report_type, latitude=point[0], longitude=point[1],
                                       public_status=status, is_public=is_public, reported_at=now,
                                       status_changed_at=now)


def test_distance_is_accurate():
    assert selectors.distance_m(*HERE, *north_of(100)) == pytest.approx(100, rel=0.01)
    assert selectors.distance_m(*HERE, *east_of(100)) == pytest.approx(100, rel=0.01)


def test_nearby_respects_radius_and_orders_by_distance(pothole):
    far = quick_report(pothole, north_of(260))
    r200 = quick_report(pothole, east_of(200))
    r50 = quick_report(pothole, north_of(50))
    r120 = quick_report(pothole, east_of(-120))
    # A corner of the bounding box is outside the circle: must not be listed.
    corner = quick_report(pothole, (north_of(240)[0], east_of(240)[1]))
    found = selectors.nearby_open_reports(report_type=pothole, latitude=HERE[0], longitude=HERE[1])
    assert [n.report.pk for n in found] == [r50.pk, r120.pk, r200.pk]
    assert far.pk not in [n.report.pk for n in found] and corner.pk not in [n.report.pk for n in found]
    assert found[0].distance_text == "about 50 metres away"


def test_nearby_radius_is_per_type(pothole):
    r200 = quick_report(pothole, north_of(200))
    pothole.nearby_radius_m = 100
    assert selectors.nearby_open_reports(report_type=pothole, latitude=HERE[0], longitude=HERE[1]) == []
    pothole.nearby_radius_m = 300
    assert [n.report for n in selectors.nearby_open_reports(report_type=pothole, latitude=HERE[0],
                                                              longitude=HERE[1])] == [r200]


def test_nearby_only_open_public_same_type_and_five_at_most(pothole, street_light):
    for status in (ReportStatus.FIXED, ReportStatus.DUPLICATE, ReportStatus.NOT_FIXED, ReportStatus.REFERRED):
        quick_report(pothole, north_of(10), status=status)
    quick_report(pothole, north_of(10), is_public=False)
    quick_report(street_light, north_of(10))
    open_ones = [quick_report(pothole, north_of(20 * i), status=s)
                 for i, s in enumerate([ReportStatus.OPEN, ReportStatus.ACCEPTED, ReportStatus.SCHEDULED,
                                        ReportStatus.IN_PROGRESS, ReportStatus.OPEN, ReportStatus.OPEN], start=1)]
    found = selectors.nearby_open_reports(report_type=pothole, latitude=HERE[0], longitude=HERE[1])
    assert [n.report.pk for n in found] == [r.pk for r in open_ones[:5]]


def test_nearby_is_one_query(pothole, django_assert_num_queries):
    for i in range(30):
        quick_report(pothole, north_of(i * 5))
    with django_assert_num_queries(1):
        found = selectors.nearby_open_reports(report_type=pothole, latitude=HERE[0], longitude=HERE[1])
        [(n.report.case.reference, n.report.report_type.service.name) for n in found]


def test_around_filters_and_keyset_pagination(pothole, street_light):
    import datetime as dt

    base = timezone.now()
    reports = [quick_report(pothole, north_of(i * 10), when=base - dt.timedelta(minutes=i)) for i in range(7)]
    quick_report(street_light, north_of(5), when=base)
    quick_report(pothole, north_of(5), status=ReportStatus.FIXED, when=base)
    quick_report(pothole, north_of(5000), when=base)  # out of the 1 km box
    page = selectors.reports_around(latitude=HERE[0], longitude=HERE[1], report_type=pothole, status="open",
                                    page_size=3)
    assert [r.pk for r in page.reports] == [r.pk for r in reports[:3]]
    seen = [r.pk for r in page.reports]
    while page.next_cursor:
        page = selectors.reports_around(latitude=HERE[0], longitude=HERE[1], report_type=pothole, status="open",
                                        page_size=3, cursor=page.next_cursor)
        seen += [r.pk for r in page.reports]
    assert seen == [r.pk for r in reports]
    closed = selectors.reports_around(latitude=HERE[0], longitude=HERE[1], status="closed")
    assert [r.public_status for r in closed.reports] == ["fixed"]
    assert len(selectors.reports_around(latitude=HERE[0], longitude=HERE[1]).reports) == 9
    # A forged cursor starts from the beginning instead of failing.
    assert len(selectors.reports_around(latitude=HERE[0], longitude=HERE[1], cursor="!!bad!!").reports) == 9


def test_public_report_404s_for_private_and_missing(pothole):
    from django.http import Http404

    hidden = quick_report(pothole, HERE, is_public=False)
    for reference in (hidden.case.reference, "NOPE", "x" * 50, None):
        with pytest.raises(Http404):
            selectors.get_public_report(reference)
    shown = quick_report(pothole, HERE)
    assert selectors.get_public_report(shown.case.reference.lower()) == shown
