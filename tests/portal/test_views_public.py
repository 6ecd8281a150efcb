"""Public report pages and the resident's own report pages: content, privacy, role matrix, bad input, queries."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal import services
from portal.models import ReportStatus, ReportSubscription, StreetReport

from .conftest import HERE
from .test_selectors import north_of, quick_report

ROLES = ["resident_a", "resident_b", "adviser", "officer_in_team", "officer_outside_team", "councillor_of_division",
         "councillor_elsewhere", "administrator", None]


@pytest.fixture
def report(make_report):
    return make_report(answers={"depth_mm": "50", "width_mm": "300", "position": "road",
                                "details": "<script>alert(1)</script> by the bus stop"})


@pytest.mark.parametrize("role", ROLES)
def test_public_report_page_for_everyone_without_names_or_address(role, request, client_for, report, resident_a):
    user = request.getfixturevalue(role) if role else None
    response = client_for(user).get(f"/reports/{report.case.reference}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pothole" in html and "Reported" in html and report.case.reference in html
    assert resident_a.customer.last_name not in html and resident_a.email not in html
    assert "OX16 1AA" not in html  # what the reporter typed (maybe their home postcode) is staff-only
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    photo = report.photos.get()
    assert f"/reports/{report.case.reference}/photos/{photo.token}/" in html


def test_photo_is_served_with_its_type_and_404s_otherwise(client, report):
    photo = report.photos.get()
    response = client.get(f"/reports/{report.case.reference}/photos/{photo.token}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/reports/{report.case.reference}/photos/{'0' * 32}/").status_code == 404
    assert client.get(f"/reports/{report.case.reference}/photos/../../etc/passwd/").status_code == 404
    photo.is_public = False
    photo.save()
    assert client.get(f"/reports/{report.case.reference}/photos/{photo.token}/").status_code == 404


def test_hidden_and_missing_reports_404(client, report):
    StreetReport.objects.filter(pk=report.pk).update(is_public=False)
    assert client.get(f"/reports/{report.case.reference}/").status_code == 404
    assert client.get("/reports/HW-2026-NOPE99/").status_code == 404
    assert client.get("/reports/" + "X" * 300 + "/").status_code == 404


def test_public_page_query_count_is_constant(client, report, officer_in_team, django_assert_max_num_queries):
    for i in range(5):
        services.report_change_status(report=StreetReport.objects.get(pk=report.pk), status=ReportStatus.SCHEDULED,
                                      scheduled_on=timezone.localdate() + dt.timedelta(days=i + 1),
                                      public_text=f"Update {i}",
                                      expected_version=StreetReport.objects.get(pk=report.pk).case.version,
                                      by=officer_in_team)
    # 3 for the page; 5 for its offline map: the nearest street, the boundary set, the divisions in view,
    # their geometry (the first time in a process) and the streets in view.
    with django_assert_max_num_queries(8):
        assert client.get(f"/reports/{report.case.reference}/").status_code == 200


def test_follow_needs_sign_in_then_subscribes_once(client_for, report, resident_b):
    url = f"/reports/{report.case.reference}/follow/"
    anonymous = client_for(None).post(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client = client_for(resident_b)
    assert client.get(url).status_code == 405
    client.post(url)
    client.post(url)
    assert ReportSubscription.objects.filter(report=report, customer=resident_b.customer).count() == 1
    page = client.get(f"/reports/{report.case.reference}/").content.decode()
    assert "You are following this report" in page


def test_reopen_and_feedback_only_for_the_reporter(client_for, report, resident_a, resident_b, officer_in_team):
    report = services.report_change_status(report=report, status=ReportStatus.FIXED,
                                           expected_version=report.case.version, by=officer_in_team)
    for path in ("reopen", "feedback"):
        url = f"/reports/{report.case.reference}/{path}/"
        assert client_for(resident_b).get(url).status_code == 404
        assert client_for(officer_in_team).get(url).status_code == 404
        assert client_for(None).get(url).status_code == 302
    client = client_for(resident_a)
    page = client.get(f"/reports/{report.case.reference}/").content.decode()
    assert "reopen this report" in page and "Tell us how we did" in page
    response = client.post(f"/reports/{report.case.reference}/feedback/", {"rating": "9", "comments": "x" * 3000})
    assert response.status_code == 200 and "Error:" in response.content.decode()
    assert StreetReport.objects.get(pk=report.pk).feedback_at is None
    response = client.post(f"/reports/{report.case.reference}/feedback/", {"rating": "5", "comments": "Great"})
    assert response.status_code == 302 and StreetReport.objects.get(pk=report.pk).feedback_rating == 5
    response = client.post(f"/reports/{report.case.reference}/reopen/", {"reason": ""})
    assert "Enter what is still wrong" in response.content.decode()
    response = client.post(f"/reports/{report.case.reference}/reopen/", {"reason": "Still a hole"})
    assert response.status_code == 302
    assert StreetReport.objects.get(pk=report.pk).public_status == ReportStatus.ACCEPTED
    # Reopening an open report is refused with a message, not an error page.
    assert client.get(f"/reports/{report.case.reference}/reopen/").status_code == 302


def test_your_reports_lists_made_and_followed(client_for, report, resident_b, pothole,
                                              django_assert_max_num_queries):
    client = client_for(resident_b)
    other = quick_report(pothole, north_of(30))
    services.report_subscribe(report=report, customer=resident_b.customer, by=resident_b)
    with django_assert_max_num_queries(8):
        html = client.get("/report/your-reports/").content.decode()
    assert report.case.reference in html and other.case.reference not in html
    assert client_for(None).get("/report/your-reports/").status_code == 302


def test_reports_around_by_point_with_constant_queries(client, pothole, division_a, django_assert_max_num_queries):
    for i in range(30):
        quick_report(pothole, north_of(i * 10))
    url = f"/reports/?lat={HERE[0]}&lon={HERE[1]}&type=pothole&status=open"
    # 5 for the list, 4 for the offline map (boundary set, divisions, their outlines, towns).
    with django_assert_max_num_queries(9) as first:
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and html.count('class="govuk-table__row"') == 26  # 25 + header
    assert "Older reports" in html
    for i in range(30):
        quick_report(pothole, north_of(i * 10 + 5))
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)


@pytest.mark.parametrize("query,message", [
    ("postcode=", "Enter a postcode"),
    ("postcode=NOT+A+POSTCODE", "Enter a full postcode"),
    ("postcode=%3Cscript%3E", "Enter a full postcode"),
    ("lat=51.0&lon=-3.0", "in Oxfordshire"),
    ("lat=nan&lon=inf", "Enter a postcode"),
    (f"lat={HERE[0]}&lon={HERE[1]}&type=moon", "Select a type of problem from the list"),
    (f"lat={HERE[0]}&lon={HERE[1]}&status=exploded", "Select a status from the list"),
])
def test_reports_around_bad_input(client, catalogue, query, message):
    response = client.get("/reports/?" + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "govuk-error-summary" in html
