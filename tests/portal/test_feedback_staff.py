"""Street-report feedback shown to the team: on the staff report page, and in a list per category
(/staff/reports/feedback/) for the teams that handle each category, newest first a page at a time (keyset),
filtered by category and rating, with each category's monthly figures; and the average rating measure.

Role matrix, hostile and malformed filters and cursors, comments escaped, nothing about the reporter,
constant queries as feedback grows.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from performance.computations import REGISTRY, Context
from portal import selectors, services
from portal.models import ReportStatus, StreetReport

from .conftest import HERE
from .test_selectors import quick_report
from .test_views_staff import ROLES, user_for

pytestmark = pytest.mark.django_db
URL = "/staff/reports/feedback/"
HOSTILE = '<script>alert("x")</script> & "quotes"'


def _fixed(report, officer):
    report = StreetReport.objects.select_related("case").get(pk=report.pk)
    return services.report_change_status(report=report, status=ReportStatus.FIXED,
                                         expected_version=report.case.version, by=officer)


@pytest.fixture
def rated(make_report, resident_a, officer_in_team):
    """A fixed pothole report that its reporter rated 2 with a hostile comment, through the real service."""
    report = _fixed(make_report(), officer_in_team)
    return services.report_feedback(report=report, rating=2, text=HOSTILE, by=resident_a)


def _many(make_report, report_type, n, *, rating=4, text="Fine", start=None, division=None):
    """n rated reports of a type, their feedback a minute apart (made directly: the services are tested above)."""
    start = start or timezone.now() - dt.timedelta(days=1)
    made = []
    for i in range(n):
        report = quick_report(report_type, HERE, status=ReportStatus.FIXED, when=start - dt.timedelta(days=3))
        StreetReport.objects.filter(pk=report.pk).update(
            closed_at=start, feedback_rating=rating, feedback_text=f"{text} {i}",
            feedback_at=start + dt.timedelta(minutes=i), division=division)
        made.append(StreetReport.objects.select_related("case").get(pk=report.pk))
    return made


def _earlier_this_month(hours: int) -> dt.datetime:
    """`hours` ago, but never before this month began (a run just after midnight on the 1st)."""
    now = timezone.localtime()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return max(now - dt.timedelta(hours=hours), first + dt.timedelta(minutes=10 * hours))


# --- the staff report page ---------------------------------------------------------------------------------

def test_the_report_page_shows_the_reporters_rating_and_comment_escaped(client, rated, officer_in_team):
    client.force_login(officer_in_team)
    html = client.get(f"/staff/reports/{rated.case.reference}/").content.decode()
    assert 'id="report-feedback"' in html and "Dissatisfied (2 out of 5)" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert "<script>alert" not in html
    assert f"{URL}?category={rated.report_type_id}" in html


def test_a_closed_report_not_yet_rated_says_feedback_was_asked_for(client, make_report, officer_in_team):
    report = _fixed(make_report(), officer_in_team)
    client.force_login(officer_in_team)
    html = client.get(f"/staff/reports/{report.case.reference}/").content.decode()
    assert "none given yet" in html


# --- the list ---------------------------------------------------------------------------------------------

def test_the_team_sees_its_categories_feedback_newest_first_and_no_reporter_details(
        client, rated, officer_in_team, resident_a):
    client.force_login(officer_in_team)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert rated.case.reference in html and "2: Dissatisfied" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    customer = resident_a.customer
    for personal in (customer.email, customer.display_name, customer.phone, "OX16 1AA"):
        if personal:
            assert personal not in html, personal
    assert 'id="feedback-summary"' in html and "100.0%" not in html  # one rating of 2: none satisfied
    assert "0.0%" in html and "2.0" in html


def test_scoped_to_the_teams_that_handle_the_category(client, make_report, catalogue, rated, officer_in_team,
                                                      officer_outside_team):
    fly = _many(make_report, catalogue["fly-tipping"], 1, text="Fly-tipping cleared")[0]
    client.force_login(officer_in_team)  # highways: potholes, not fly-tipping (environmental enforcement)
    html = client.get(URL).content.decode()
    assert rated.case.reference in html and fly.case.reference not in html
    # Asking for another team's category by id is refused like any value not in the list.
    response = client.get(URL, {"category": str(catalogue["fly-tipping"].pk)})
    assert response.status_code == 400 and "Select a category from the list" in response.content.decode()
    assert fly.case.reference not in response.content.decode()
    client.force_login(officer_outside_team)
    html = client.get(URL).content.decode()
    assert 'id="no-categories"' in html and rated.case.reference not in html


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, request, role, rated):
    user = user_for(request, role)
    if user is not None:
        client.force_login(user)
    response = client.get(URL)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    elif role in {"resident_a", "councillor_of_division"}:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        html = response.content.decode()
        sees = role in {"officer_in_team", "team_leader", "administrator"}
        assert (rated.case.reference in html) == sees, role


def test_filter_by_category_and_rating(client, make_report, pothole, street_light, officer_in_team):
    _many(make_report, pothole, 2, rating=5, text="Pothole great")
    _many(make_report, pothole, 1, rating=1, text="Pothole awful")
    _many(make_report, street_light, 2, rating=1, text="Light awful")
    client.force_login(officer_in_team)
    html = client.get(URL, {"category": pothole.pk, "rating": "1"}).content.decode()
    assert "Pothole awful 0" in html and "Pothole great" not in html and "Light awful" not in html
    html = client.get(URL, {"rating": "1"}).content.decode()
    assert "Pothole awful" in html and "Light awful" in html and "Pothole great" not in html
    html = client.get(URL, {"category": street_light.pk, "rating": "5"}).content.decode()
    assert 'id="no-feedback"' in html and "matches those choices" in html


@pytest.mark.parametrize("field,value,words", [
    ("rating", "6", "Select a rating from the list"),
    ("rating", "0", "Select a rating from the list"),
    ("rating", "<b>", "Select a rating from the list"),
    ("rating", "1 OR 1=1", "Select a rating from the list"),
    ("category", "99999", "Select a category from the list"),
    ("category", "-1", "Select a category from the list"),
    ("category", "x" * 5000, "Select a category from the list"),
    ("category", "1e3", "Select a category from the list"),
])
def test_bad_and_hostile_filters_get_a_clear_message(client, rated, officer_in_team, field, value, words):
    client.force_login(officer_in_team)
    response = client.get(URL, {field: value})
    html = response.content.decode()
    assert response.status_code == 400 and words in html and "govuk-error-summary" in html
    assert "<title>Error: " in html and "<b>" not in html.split("<main", 1)[-1].split("There is a problem")[0]
    assert rated.case.reference in html, "the list is still shown, without the refused filter"


@pytest.mark.parametrize("cursor", ["", "garbage", "!!!!", "x" * 500, "MjAyNi0wMS0wMXwx", "bm90LWEtZGF0ZXwx"])
def test_malformed_or_tampered_cursors_give_the_first_page(client, rated, officer_in_team, cursor):
    client.force_login(officer_in_team)
    response = client.get(URL, {"after": cursor})
    assert response.status_code == 200 and rated.case.reference in response.content.decode()


def test_keyset_pages_cover_everything_once_in_order(make_report, pothole, officer_in_team):
    made = _many(make_report, pothole, 7, rating=3)
    types = selectors.feedback_report_types(officer_in_team)
    seen, after = [], ""
    for _ in range(10):
        rows, after = selectors.feedback_page(report_types=types, after=after, per_page=3)
        seen += [r.reference for r in rows]
        if not after:
            break
    assert seen == [r.case.reference for r in reversed(made)]


def test_the_page_costs_the_same_queries_with_more_feedback(client, make_report, pothole, street_light,
                                                             officer_in_team, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _many(make_report, pothole, 2)
    client.force_login(officer_in_team)
    client.get(URL)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    assert 0 < len(few) <= 6, len(few)  # session, user, categories, page, summary (figures: 5)
    _many(make_report, pothole, 30, rating=2, start=timezone.now() - dt.timedelta(days=40))
    _many(make_report, street_light, 30, rating=5)
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)
    assert response.status_code == 200 and 'rel="next"' in response.content.decode()
    with django_assert_max_num_queries(len(few)):
        assert client.get(URL + response.content.decode().split('href="?', 1)[1].split('"')[0].replace(
            "&amp;", "&").join(["?", ""])).status_code == 200


def test_the_monthly_summary_by_category(make_report, pothole, street_light, officer_in_team):
    now = timezone.now()
    _many(make_report, pothole, 3, rating=5, start=_earlier_this_month(2))
    _many(make_report, pothole, 1, rating=1, start=_earlier_this_month(1))
    _many(make_report, street_light, 2, rating=3, start=_earlier_this_month(3))
    rows = selectors.feedback_summary(report_types=selectors.feedback_report_types(officer_in_team))
    this_month = timezone.localdate().replace(day=1)
    by = {(r.category, r.month): r for r in rows}
    pot = by[("Pothole", this_month)]
    assert (pot.responses, pot.mean, pot.satisfied_percent) == (4, 4.0, 75.0)
    light = by[(street_light.name, this_month)]
    assert (light.responses, light.mean, light.satisfied_percent) == (2, 3.0, 0.0)


# --- the measure ------------------------------------------------------------------------------------------

def test_the_average_rating_measure(make_report, pothole, division_a):
    from performance.models import Measure

    assert Measure.objects.filter(code="feedback-mean-rating", unit="rate").exists()
    now = timezone.now()
    _many(make_report, pothole, 3, rating=5, start=_earlier_this_month(3), division=division_a)
    _many(make_report, pothole, 1, rating=1, start=_earlier_this_month(1), division=division_a)
    month = timezone.localdate().replace(day=1)
    frame = REGISTRY["feedback-mean-rating"](Context(months=[month], division_ids=[division_a.pk]))
    county = frame[frame["division_id"].isna()].iloc[0]
    assert (county["value"], county["base"]) == (4.0, 4.0)
    division = frame[frame["division_id"] == division_a.pk].iloc[0]
    assert division["value"] == 4.0


# --- the demo -------------------------------------------------------------------------------------------------

def test_the_demo_gives_the_team_feedback_with_comments_to_read(catalogue, county_cover, administrator, division_a,
                                                                client):
    from portal.demo import seed_activity
    from tests import factories as f

    for i in range(3):
        user = f.UserFactory(email=f"demo.reporter{i}@example.org")
        f.CustomerFactory(user=user, email=user.email, division=division_a)
    assert seed_activity(officer=administrator, reports=40) == 40
    rated = StreetReport.objects.filter(feedback_at__isnull=False)
    assert rated.count() >= 5 and rated.exclude(feedback_text="").exists()
    client.force_login(administrator)
    html = client.get(URL).content.decode()
    assert 'id="feedback-list"' in html and 'id="feedback-summary"' in html
