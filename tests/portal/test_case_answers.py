"""A street report's answers on the case pages: each by its question, with the choice's name and the unit.

The case keeps the answers under the report type's codes (depth_mm,
position: road); the staff case page, the resident's case page and the
councillor's page show what portal/answers.py renders from the type's
questions, and the photos as links to views that serve them to that reader.
"""
from __future__ import annotations

import pytest

from oxtom.cases.models import Case
from tests.answers_support import assert_readable

from .conftest import HERE, POTHOLE_SMALL, jpeg_bytes

pytestmark = pytest.mark.django_db

# Each category: answers as stored, what the pages must say, what they must never say.
CATEGORIES = {
    "pothole": ({"depth_mm": "60", "width_mm": "400", "position": "road", "details": "By the bus stop"},
                ["How deep is it, in millimetres?", "60 mm", "How wide is it at its widest, in millimetres?",
                 "400 mm", "Where is it?", "In the road", "By the bus stop"],
                ["depth_mm", "width_mm", "position road", "Position"]),
    "street-light": ({"fault": "exposed_wiring", "column_number": "B12"},
                     ["What is wrong with the light?", "Door open or wiring showing",
                      "Number on the lamp post, if you can see one", "B12"],
                     ["exposed_wiring", "column_number", "Column number"]),
    "damaged-pavement": ({"trip_height_mm": "25", "surface": "kerb"},
                         ["How high is the trip or how deep is the gap, in millimetres?", "25 mm", "What is damaged?",
                          "Kerb"],
                         ["trip_height_mm", "surface kerb"]),
    "damaged-sign": ({"condition": "unreadable"},
                     ["What is wrong with the sign?", "Faded or unreadable"],
                     ["condition unreadable", "Condition"]),
}


@pytest.fixture
def report_of(catalogue, resident_a, division_a, photo):
    from portal import services

    def _make(code, answers, photos=1):
        return services.report_create(
            report_type=catalogue[code], customer=resident_a.customer, latitude=HERE[0], longitude=HERE[1],
            answers=dict(answers), photos=[photo] * photos, by=resident_a, location_text="OX16 1AA")

    return _make


@pytest.mark.parametrize("code", sorted(CATEGORIES))
def test_staff_case_page_shows_each_answer_by_its_question(client_for, officer_in_team, report_of, code):
    answers, shows, never = CATEGORIES[code]
    report = report_of(code, answers)
    response = client_for(officer_in_team).get(f"/staff/cases/{report.case.reference}/")
    assert response.status_code == 200
    assert_readable(response.content.decode(), shows=shows, never=never)


@pytest.mark.parametrize("code", sorted(CATEGORIES))
def test_residents_case_page_shows_each_answer_by_its_question(client_for, resident_a, report_of, code):
    answers, shows, never = CATEGORIES[code]
    report = report_of(code, answers)
    response = client_for(resident_a).get(f"/account/cases/{report.case.reference}/")
    assert response.status_code == 200
    assert_readable(response.content.decode(), shows=["What you told us", *shows], never=never)


def test_staff_see_why_a_report_fell_below_the_repair_level(client_for, officer_in_team, report_of):
    report = report_of("pothole", POTHOLE_SMALL)
    body = client_for(officer_in_team).get(f"/staff/cases/{report.case.reference}/").content.decode()
    assert_readable(body, shows=["Below the level for an urgent repair when reported",
                                 "It is less than 40 mm deep, our level for an urgent repair", "10 mm"])


def test_photos_are_links_each_reader_may_open(client_for, officer_in_team, resident_a, resident_b, report_of):
    from portal.models import ReportPhoto

    report = report_of("pothole", CATEGORIES["pothole"][0], photos=2)
    hidden = ReportPhoto.objects.filter(report=report).order_by("position", "id").last()
    ReportPhoto.objects.filter(pk=hidden.pk).update(is_public=False)
    reference = report.case.reference

    staff_page = client_for(officer_in_team).get(f"/staff/cases/{reference}/").content.decode()
    staff_hidden = f"/staff/reports/{reference}/photos/{hidden.token}/"
    assert 'id="case-evidence"' in staff_page and staff_hidden in staff_page
    assert "hidden from the public" in staff_page
    response = client_for(officer_in_team).get(staff_hidden)
    assert response.status_code == 200 and response["Content-Type"].startswith("image/")
    assert "private" in response["Cache-Control"]

    own_page = client_for(resident_a).get(f"/account/cases/{reference}/").content.decode()
    assert staff_hidden not in own_page and hidden.token not in own_page
    assert "1 photo is not shown here" in own_page
    public = ReportPhoto.objects.get(report=report, is_public=True)
    assert f"/reports/{reference}/photos/{public.token}/" in own_page
    assert client_for(resident_a).get(f"/reports/{reference}/photos/{public.token}/").status_code == 200

    # The staff photo view is scoped like the staff report page.
    assert client_for(resident_b).get(staff_hidden).status_code in (302, 403)
    assert client_for(officer_in_team).get(f"/staff/reports/{reference}/photos/{'x' * 32}/").status_code == 404


def test_a_report_whose_type_lost_a_question_still_shows_words(client_for, officer_in_team, report_of):
    report = report_of("pothole", CATEGORIES["pothole"][0])
    Case.objects.filter(pk=report.case_id).update(answers={**report.case.answers, "old_code_mm": 5})
    body = client_for(officer_in_team).get(f"/staff/cases/{report.case.reference}/").content.decode()
    assert_readable(body, shows=["Old code (mm)", "60 mm"])


def test_case_pages_cost_the_same_whatever_the_photos(client_for, officer_in_team, resident_a, report_of,
                                                      django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    one = report_of("pothole", CATEGORIES["pothole"][0], photos=1)
    many = report_of("pothole", CATEGORIES["pothole"][0], photos=3)
    for user, prefix in ((officer_in_team, "/staff/cases/"), (resident_a, "/account/cases/")):
        client = client_for(user)
        client.get(f"{prefix}{one.case.reference}/")  # warm the session
        with CaptureQueriesContext(connection) as few:
            assert client.get(f"{prefix}{one.case.reference}/").status_code == 200
        with django_assert_num_queries(len(few.captured_queries)):
            assert client.get(f"{prefix}{many.case.reference}/").status_code == 200


def test_resident_case_list_names_a_report_once(client_for, resident_a, report_of):
    report = report_of("pothole", CATEGORIES["pothole"][0])
    body = client_for(resident_a).get("/account/cases/").content.decode()
    assert report.case.reference in body
    assert "Pothole: Pothole" not in body and "Pothole" in body


def test_jpeg_bytes_is_a_photo():
    assert jpeg_bytes()[:2] == b"\xff\xd8"


# --- the customer timeline ---------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(CATEGORIES))
def test_customer_timeline_shows_each_answer_by_its_question(client_for, officer_in_team, resident_a, report_of,
                                                             code):
    answers, shows, never = CATEGORIES[code]
    report = report_of(code, answers)
    response = client_for(officer_in_team).get(f"/staff/customers/{resident_a.customer.reference}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert_readable(body.split('id="timeline"', 1)[1], shows=[f"Open case {report.case.reference}", *shows],
                    never=never)
    for photo in report.photos.all():
        assert f'href="/staff/reports/{report.case.reference}/photos/{photo.token}/"' in body


def test_customer_timeline_costs_the_same_whatever_the_reports_and_photos(client_for, officer_in_team, resident_a,
                                                                          report_of):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report_of("pothole", CATEGORIES["pothole"][0], photos=1)
    client = client_for(officer_in_team)
    url = f"/staff/customers/{resident_a.customer.reference}/"
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for code in ("street-light", "damaged-pavement", "damaged-sign", "pothole"):
        report_of(code, CATEGORIES[code][0], photos=3)
    with CaptureQueriesContext(connection) as more:
        body = client.get(url).content.decode()
    assert body.count("Open case ") == 5
    assert len(more.captured_queries) == len(few.captured_queries), [q["sql"] for q in more.captured_queries]
