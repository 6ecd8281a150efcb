"""Public division pages: search, figures with suppression, CSV, no personal data, constant queries."""
from __future__ import annotations


import csv
import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from oxtom.places.models import BoundarySet, PostcodeCentroid
from performance.models import Value
from tests import factories as f

from .factories import MeasureFactory, PeriodFactory, target, value

ROLES = ["anonymous", "resident_a", "adviser", "officer_in_team", "team_leader", "councillor_of_division",
         "councillor_elsewhere", "administrator", "analyst"]


def months(n: int) -> list:
    """Periods for the `n` months up to the last complete one (what headline figures show)."""
    last_complete = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    out = [last_complete]
    while len(out) < n:
        first = out[0]
        out.insert(0, dt.date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1))
    return [PeriodFactory(start=m) for m in out]


@pytest.fixture
def figures(division_a, division_b, councillor_of_division):
    periods = months(13)
    rate = MeasureFactory(code="on-time", name="Cases finished on time", unit="percent", precision=1,
                          polarity="higher", source="computed", display_order=1)
    count = MeasureFactory(code="received", name="Cases received", unit="count", precision=0, polarity="neutral",
                           source="computed", display_order=2)
    hidden = MeasureFactory(code="internal-only", name="Internal measure", is_public=False, source="computed")
    for i, period in enumerate(periods):
        value(rate, period, D(70 + i), division=division_a, base=20)
        value(rate, period, D("80"), base=900)
        value(count, period, D(3 if i == len(periods) - 1 else 10 + i), division=division_a)
        value(count, period, D("690"))
        value(hidden, period, D("1"), division=division_a)
    target(rate, periods[-1], D("85"), D("2"))
    return periods


def test_public_pages_for_every_role(request, client_for, figures, division_a):
    for role in ROLES:
        user = None if role == "anonymous" else request.getfixturevalue(role)
        client = client_for(user)
        for path in ("/divisions/", f"/divisions/{division_a.slug}/", f"/divisions/{division_a.slug}/data.csv"):
            assert client.get(path).status_code == 200, (role, path)


def test_division_page_shows_latest_trend_county_target_and_suppresses_small_numbers(client, figures, division_a):
    html = client.get(f"/divisions/{division_a.slug}/").content.decode()
    assert "Banbury Calthorpe" in html
    assert "Cases finished on time" in html
    assert "82.0%" in html  # latest: 70 + 12
    assert "Improving" in html  # up on last month and last year, higher is better
    assert "80.0%" in html  # county figure
    assert "Red: off target" in html  # 82 against 85 with 2 tolerance
    assert "County average per division" in html
    assert "345.0" in html  # county 690 over the 2 divisions of the set
    assert "Fewer than 5" in html  # this month's count of 3
    assert "Internal measure" not in html  # not public
    assert "<svg" in html and "figures as a table" in html


def test_no_personal_data_on_public_pages(client, figures, division_a, councillor_of_division, resident_a):
    html = client.get(f"/divisions/{division_a.slug}/").content.decode()
    # Faker names can hold an apostrophe (O'Neill), which the template escapes.
    assert escape(councillor_of_division.full_name) in html  # a councillor's name is public
    for private in (councillor_of_division.email, resident_a.email, resident_a.full_name):
        assert private not in html
    # The resident's surname as a word ("Residents signposted to community support" is a measure's name).
    assert not re.search(r"\bResident\b", html)


def test_csv_keeps_suppression_and_quotes_formulas(client, figures, division_a):
    response = client.get(f"/divisions/{division_a.slug}/data.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["measure_code", "measure", "month", "value", "unit", "note"]
    received = [r for r in rows if r[0] == "received"]
    assert len(received) == 13
    assert received[-1][3] == "" and received[-1][5] == "suppressed: fewer than 5"
    assert "internal-only" not in {r[0] for r in rows}


def test_unknown_and_old_boundary_divisions_are_not_found(client, db, division_a):
    old_set = BoundarySet.objects.create(name="2013", slug="oxon-2013", in_force_from=dt.date(2013, 5, 1))
    old = f.DivisionFactory(name="Old Division", boundary_set=old_set)
    assert client.get("/divisions/no-such-place/").status_code == 404
    assert client.get(f"/divisions/{old.slug}/").status_code == 404
    assert client.get("/divisions/no-such-place/data.csv").status_code == 404


def test_query_count_is_constant_whatever_the_measures_and_months(client, figures, division_a):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/divisions/{division_a.slug}/").status_code == 200
        return len(ctx.captured_queries)

    from django.core.cache import cache

    few, few_cached = count(), count()
    for i in range(8):
        m = MeasureFactory(code=f"extra-{i}", unit="days", source="computed")
        for period in figures:
            value(m, period, D("3.5"), division=division_a, base=9)
    cache.clear()  # as the renewed generation would on commit, which this test never reaches
    assert count() == few
    assert count() == few_cached
    assert few <= 10
    # Served from the cache: the division, the computation run and the councillors.
    assert few_cached == 3


def test_overview_lists_divisions_and_county_figures(client, figures, division_a, division_b):
    html = client.get("/divisions/").content.decode()
    assert "All 2 divisions" in html and division_b.name in html
    assert "The county in" in html and "690" in html


@pytest.fixture
def postcodes(division_a):
    PostcodeCentroid.objects.create(postcode="OX16 5", kind="sector", latitude=52.06, longitude=-1.34,
                                    post_town="BANBURY")
    PostcodeCentroid.objects.create(postcode="RG9 1", kind="sector", latitude=51.0, longitude=-3.0,
                                    post_town="HENLEY-ON-THAMES")


def test_search_by_postcode_goes_to_the_division(client, postcodes, division_a):
    response = client.get("/divisions/", {"q": " ox16 5ab "})
    assert response.status_code == 302 and response["Location"] == f"/divisions/{division_a.slug}/"


def test_search_by_place_name(client, postcodes, division_a, division_b):
    assert client.get("/divisions/", {"q": "wallingford"})["Location"] == f"/divisions/{division_b.slug}/"
    assert client.get("/divisions/", {"q": "Banbury"})["Location"] == f"/divisions/{division_a.slug}/"


@pytest.mark.parametrize("q,message", [
    ("", "Enter a postcode or place name"),
    ("   ", "Enter a postcode or place name"),
    ("x" * 101, "Postcode or place name must be 100 characters or fewer"),
    ("RG9 1AA", "We could not find a division for that postcode"),  # outside the county
    ("ZZ99 9ZZ", "We could not find a division for that postcode"),
    ("Atlantis", "No division matches that place name"),
    ("<script>alert(1)</script>", "No division matches that place name"),
])
def test_search_problems_are_explained(client, postcodes, division_a, q, message):
    response = client.get("/divisions/", {"q": q})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert html.count("There is a problem") == 1 and "<title>Error:" in html
    assert "<script>alert(1)</script>" not in html


def test_several_matches_are_listed(client, db):
    a = f.DivisionFactory(name="Witney North", centre=(51.79, -1.48))
    b = f.DivisionFactory(name="Witney South", centre=(51.77, -1.48))
    html = client.get("/divisions/", {"q": "witney"}).content.decode()
    assert "Divisions matching your search" in html and a.name in html and b.name in html


def test_comparator_councils_average_is_shown_from_the_latest_group(client, figures, division_a):
    from performance.models import AreaType, Comparator, ComparatorGroup

    old = ComparatorGroup.objects.create(name="Old neighbours", slug="old", as_of=dt.date(2019, 4, 1))
    new = ComparatorGroup.objects.create(name="CIPFA neighbours", slug="cipfa", as_of=dt.date(2025, 4, 1))
    rate = Value.objects.filter(measure__code="on-time").first().measure
    for group, code, number in [(old, "E10000001", "10"), (new, "E10000013", "76"), (new, "E06000060", "79")]:
        c = Comparator.objects.create(group=group, name=code, code=code)
        Value.objects.create(measure=rate, period=figures[-1], area_type=AreaType.COMPARATOR, area_key=f"c:{c.pk}",
                             comparator=c, value=D(number), source="imported", recorded_at=timezone.now())
    html = client.get(f"/divisions/{division_a.slug}/").content.decode()
    assert "Similar councils&#x27; average (CIPFA neighbours (2025))" in html
    assert "77.5%" in html  # (76 + 79) / 2; the older group is not mixed in
    overview = client.get("/divisions/").content.decode()
    assert "77.5%" in overview


# --- the last complete month, and councillors' published contacts -----------------------------------

def test_headline_figures_use_the_last_complete_month_not_one_just_begun(client, division_a):
    from performance import selectors

    today = timezone.localdate()
    this_month = PeriodFactory(start=today.replace(day=1))
    last_month = PeriodFactory(start=(today.replace(day=1) - dt.timedelta(days=1)).replace(day=1))
    rate = MeasureFactory(code="on-time", name="Cases finished on time", unit="percent", precision=1,
                          polarity="higher", source="computed", display_order=1)
    value(rate, last_month, D("71"), division=division_a, base=40)
    value(rate, last_month, D("81"), base=900)
    value(rate, this_month, D("12"), division=division_a, base=40)  # a day or two of the new month
    value(rate, this_month, D("13"), base=900)
    assert selectors.latest_period() == last_month
    assert selectors.county_overview()[0] == last_month
    assert [p.start for p in selectors.recent_periods()][-1] == last_month.start
    html = client.get(f"/divisions/{division_a.slug}/").content.decode()
    assert "71.0%" in html and "12.0%" not in html
    overview = client.get("/divisions/").content.decode()
    assert "81.0%" in overview and "13.0%" not in overview


@pytest.mark.parametrize("on, expected", [
    (dt.date(2026, 12, 1), dt.date(2026, 11, 1)),    # one day into December: November
    (dt.date(2026, 12, 31), dt.date(2026, 11, 1)),   # December is not over until it is over
    (dt.date(2027, 1, 1), dt.date(2026, 12, 1)),     # across the year
])
def test_the_last_complete_month_on_a_given_day(db, on, expected):
    from performance import selectors

    for start in (dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)):
        PeriodFactory(start=start)
    assert selectors.latest_period(on=on).start == expected


def test_division_page_gives_councillors_published_contacts_and_nothing_private(client, division_a,
                                                                                 django_assert_max_num_queries):
    cllr = f.UserFactory(email="private.signin@example.org", full_name="Cllr Alex Examplewood", roles=["councillor"],
                         member_division=division_a, public_email="alex.examplewood@council.example.gov.uk",
                         public_phone="01865 792422")
    f.UserFactory(email="other@example.org", full_name="Cllr Bryony Sampleton", roles=["councillor"],
                  member_division=division_a, public_email="<script>x</script>@example.org", public_phone="")
    for _ in range(5):
        f.UserFactory(roles=["councillor"], member_division=division_a, public_email="", public_phone="")
    with django_assert_max_num_queries(15):
        html = client.get(f"/divisions/{division_a.slug}/").content.decode()
    assert "Cllr Alex Examplewood" in html
    assert 'href="mailto:alex.examplewood@council.example.gov.uk"' in html and "Phone: 01865 792422" in html
    assert cllr.email not in html  # the sign-in address is not published
    assert "<script>x</script>" not in html


# --- cached figures ------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cached_figures_follow_the_nightly_run_and_analysts_changes(client, figures, division_a):
    """The figures part is cached; a new computation run, a target, commentary or a figure written by
    the services shows on the next request (the invalidation runs on commit, as here)."""
    import datetime as dt

    from performance import services
    from performance.models import ComputationRun, Value
    from tests.factories import UserFactory

    path = f"/divisions/{division_a.slug}/"
    first = client.get(path).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(path).content.decode()
    assert again.split("How the council is doing here")[1] == first.split("How the council is doing here")[1]
    assert len(ctx.captured_queries) == 3
    latest = Value.objects.filter(measure__code="on-time", division=division_a).order_by("-period__start").first()
    measure = latest.measure

    # A figure rewritten by the services (as the nightly run or an approval does).
    Value.objects.filter(pk=latest.pk).update(value=D("123456"))  # bypasses the services: still cached
    assert "123,456" not in client.get(path).content.decode()
    services._upsert([Value(measure=measure, period=latest.period, division_id=division_a.pk,
                            area_type="division", area_key=latest.area_key, boundary_set_id=latest.boundary_set_id,
                            value=D("234567"), base=500, source="computed", measure_version=measure.version,
                            recorded_at=latest.recorded_at)])
    assert "234,567" in client.get(path).content.decode()

    # The nightly run: a new run renews every page, even with no generation change.
    Value.objects.filter(pk=latest.pk).update(value=D("345678"))
    assert "345,678" not in client.get(path).content.decode()
    from django.utils import timezone
    ComputationRun.objects.create(started_at=timezone.now() + dt.timedelta(seconds=1))
    assert "345,678" in client.get(path).content.decode()

    # An analyst's commentary (a model saved through its service).
    analyst = UserFactory(roles=["performance_analyst"])
    services.commentary_add(measure=measure, period=latest.period, text="Roadworks on the A361 explain this",
                            by=analyst)
    assert "Roadworks on the A361 explain this" in client.get(path).content.decode()
    # The CSV and the county overview are cached the same way.
    assert client.get(f"{path}data.csv").status_code == 200


def test_a_cache_outage_still_serves_the_figures(client, figures, division_a, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(cache, "get", lambda *a, **k: None)
    monkeypatch.setattr(cache, "set", lambda *a, **k: None)
    monkeypatch.setattr(cache, "add", lambda *a, **k: True)
    html = client.get(f"/divisions/{division_a.slug}/").content.decode()
    assert "How the council is doing here" in html and "82.0%" in html
    assert client.get("/divisions/").status_code == 200
