"""Report pages cost the same number of queries with a little data and with a lot (docs/CONVENTIONS.md §5)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import draft, services
from portal.models import ReportPhoto, ReportStatus, ReportSubscription, StreetReport
from tests import factories as f

from .conftest import HERE
from .test_selectors import east_of, north_of, quick_report

RS = ReportStatus


def queries(client, url, status=200) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == status, response.status_code
    return len(captured)


def test_public_report_page(client_for, make_report, officer_in_team, resident_b):
    report = make_report()
    url = f"/reports/{report.case.reference}/"
    client = client_for(resident_b)
    client.get(url)
    few = queries(client, url)
    for n in range(12):
        report = StreetReport.objects.select_related("case").get(pk=report.pk)
        services.report_change_status(report=report, status=RS.SCHEDULED, expected_version=report.case.version,
                                      scheduled_on=timezone.localdate() + dt.timedelta(days=n + 1),
                                      public_text=f"Update {n}", by=officer_in_team)
    ReportSubscription.objects.bulk_create(ReportSubscription(report=report, customer=f.CustomerFactory())
                                           for _ in range(10))
    ReportPhoto.objects.bulk_create(ReportPhoto(report=report, token=f"{n:032d}", image="reports/x.jpg",
                                                content_type="image/jpeg", width=10, height=10, position=n)
                                    for n in range(1, 3))
    assert queries(client, url) == few


@pytest.mark.parametrize("filters", ["", "&type=pothole", "&status=open", "&type=pothole&status=scheduled"])
def test_reports_around_list(client, pothole, street_light, division_a, filters):
    url = f"/reports/?lat={HERE[0]}&lon={HERE[1]}{filters}"
    quick_report(pothole, north_of(10), status=RS.SCHEDULED)
    client.get(url)
    few = queries(client, url)
    for n in range(60):
        quick_report(pothole if n % 2 else street_light, east_of(n * 10),
                     status=[RS.OPEN, RS.SCHEDULED, RS.FIXED][n % 3])
    assert queries(client, url) == few


def test_your_reports(client_for, pothole, resident_a, make_report, division_a):
    client = client_for(resident_a)
    make_report()
    client.get("/report/your-reports/")
    few = queries(client, "/report/your-reports/")
    for n in range(15):
        make_report(latitude=north_of(n * 20)[0])
        other = quick_report(pothole, east_of(n * 20))
        ReportSubscription.objects.create(report=other, customer=resident_a.customer)
    assert queries(client, "/report/your-reports/") == few


def test_already_reported_step(client, pothole, division_a):
    session = client.session
    session[draft.SESSION_KEY] = {"key": "k" * 32, "type": "pothole", "lat": HERE[0], "lon": HERE[1],
                                  "source": "map"}
    session.save()
    quick_report(pothole, north_of(20))
    client.get("/report/already-reported/")
    few = queries(client, "/report/already-reported/")
    for n in range(40):
        quick_report(pothole, north_of(25 + n), status=RS.SCHEDULED)
    html = client.get("/report/already-reported/").content.decode()
    assert html.count('class="govuk-table__row"') == 6  # the nearest five and the header
    assert queries(client, "/report/already-reported/") == few


def test_staff_report_page(client_for, make_report, officer_in_team, resident_b):
    report = make_report()
    client = client_for(officer_in_team)
    url = f"/staff/reports/{report.case.reference}/"
    client.get(url)
    few = queries(client, url)
    for n in range(8):
        report = StreetReport.objects.select_related("case").get(pk=report.pk)
        services.report_change_status(report=report, status=RS.SCHEDULED, expected_version=report.case.version,
                                      scheduled_on=timezone.localdate() + dt.timedelta(days=n + 1),
                                      private_note=f"Note {n}", by=officer_in_team)
    ReportSubscription.objects.bulk_create(ReportSubscription(report=report, customer=f.CustomerFactory())
                                           for _ in range(10))
    assert queries(client, url) == few
