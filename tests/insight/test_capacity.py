"""Team capacity against forecast demand: the warning names the months over capacity and the shortfall (the
forecast's upper 80% bound minus the capacity), a forecast below capacity does not warn, the forecast page
draws the chart with its tables, the capacity form refuses bad input, and who may see and set what.

Forecasts here are stored with known figures (the modelling itself is tested in test_forecasts.py)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insight import selectors, services
from insight.demo import seed_demo_capacity
from insight.models import Capacity, Forecast
from performance import services as performance
from tests import factories as f
from tests.performance.factories import MeasureFactory, value

# Month 3 is busy (forecast 170, upper bound 190), month 4 a little busy (145, upper 165), the rest quiet.
MEANS = [100, 100, 170, 145, 100, 100, 100, 100, 100, 100, 100, 100]


def _month(k: int) -> dt.date:
    first = timezone.localdate().replace(day=1)
    index = first.year * 12 + first.month - 1 + k
    return dt.date(index // 12, index % 12 + 1, 1)


def _forecast(measure, means=MEANS, *, shown=True) -> Forecast:
    points = [{"step": k + 1, "mean": float(m), "lo80": m - 20.0, "hi80": m + 20.0, "lo95": max(0.0, m - 35.0),
               "hi95": m + 35.0} for k, m in enumerate(means)]
    return Forecast.objects.create(
        measure=measure, area_key="county", first_month=_month(0), history_months=48, model="holt_winters",
        shown=shown, mase={"holt_winters": 0.6, "seasonal_naive": 1.0, "moving_average": 1.4}, coverage80=0.81,
        coverage95=0.94, origins=5, points=points, computed_at=timezone.now())


def _history(measure, months: int) -> None:
    starts = performance.months_back(timezone.localdate(), months + 1)[:-1]
    periods = performance.periods_ensure(starts)
    for i, start in enumerate(starts):
        value(measure, periods[start], 90 + i)


@pytest.fixture
def measure(db):
    return MeasureFactory(code="potholes-received", name="Potholes reported", unit="count",
                          polarity="neutral", source="computed", aggregation="cumulative")


@pytest.fixture
def forecast(measure):
    _history(measure, 6)
    return _forecast(measure)


@pytest.fixture
def bi(db):
    return f.UserFactory(email="bi@example.org", full_name="Bill Insight", roles=["bi_analyst"])


def _set(team, measure, capacity, by, months=12, first=0):
    return services.capacity_set(team=team, measure=measure, first_month=_month(first), months=months,
                                 capacity=capacity, by=by)


# --- the warning, with figures ----------------------------------------------------------------------

def test_a_forecast_above_capacity_warns_with_the_right_months_and_shortfall(forecast, measure, team,
                                                                              performance_analyst, client_for):
    _set(team, measure, 160, performance_analyst)
    [warning] = selectors.capacity_warnings()
    assert warning.measure == measure and warning.teams == [team]
    assert [(m.month, m.shortfall, m.likely) for m in warning.months] == [(_month(2), 30, True),
                                                                          (_month(3), 5, False)]
    assert warning.worst == 30
    page = client_for(performance_analyst).get(f"/staff/insight/forecasts/{measure.code}/").content.decode()
    assert 'class="govuk-warning-text capacity-warning"' in page
    text = page[page.find("capacity-warning"):][:900]
    assert "Highways North" in text and "in 2 months" in text
    assert f"{_month(2):%B %Y} (short by up to 30, likely)" in text
    assert f"{_month(3):%B %Y} (short by up to 5)" in text
    assert f"{_month(4):%B %Y}" not in text


def test_a_forecast_below_capacity_does_not_warn(forecast, measure, team, performance_analyst, client_for):
    _set(team, measure, 191, performance_analyst)  # above every upper bound (the highest is 190)
    assert selectors.capacity_warnings() == []
    page = client_for(performance_analyst).get(f"/staff/insight/forecasts/{measure.code}/").content.decode()
    assert "govuk-warning-text" not in page and "Capacity is set for 12 of the 12 months" in page


def test_the_capacities_of_teams_sharing_a_measure_add_up(forecast, measure, team, other_team, performance_analyst):
    _set(team, measure, 100, performance_analyst)
    [alone] = selectors.capacity_warnings()
    assert len(alone.months) == 12  # 100 a month is short of every upper bound (120 and more)
    _set(other_team, measure, 80, performance_analyst)  # 180 between them: only the busiest month is short
    [together] = selectors.capacity_warnings()
    assert [(m.month, m.capacity, m.shortfall, m.likely) for m in together.months] == [(_month(2), 180, 10, False)]
    assert [t.name for t in together.teams] == ["Highways North", "Parking Services"]


def test_months_without_capacity_are_not_checked_and_hidden_forecasts_never_warn(measure, team,
                                                                                 performance_analyst):
    _history(measure, 3)
    forecast = _forecast(measure)
    _set(team, measure, 150, performance_analyst, months=2)  # the two quiet months only
    assert selectors.capacity_warnings() == []
    _set(team, measure, 150, performance_analyst, months=1, first=2)
    assert [m.month for m in selectors.capacity_warnings()[0].months] == [_month(2)]
    Forecast.objects.filter(pk=forecast.pk).update(shown=False)  # nothing beat seasonal naive
    assert selectors.capacity_warnings() == []


def test_a_team_leader_sees_the_services_of_their_teams_at_risk_on_the_staff_home(
        forecast, measure, team, other_team, team_leader, performance_analyst, client_for):
    _set(other_team, measure, 160, performance_analyst)  # another team's service at risk
    home = client_for(team_leader).get("/staff/").content.decode()
    assert 'id="services-at-risk"' in home and "capacity-warning" not in home
    _set(team, measure, 10, performance_analyst)  # now theirs is too (the two capacities add up to 170)
    home = client_for(team_leader).get("/staff/").content.decode()
    assert "capacity-warning" in home and "Potholes reported" in home
    analyst_home = client_for(performance_analyst).get("/staff/").content.decode()
    assert "capacity-warning" in analyst_home


def test_the_demo_sets_one_team_short_of_its_busy_months(db, performance_analyst):
    contacts = MeasureFactory(code="contacts-total", name="Contacts", unit="count", polarity="neutral",
                              source="computed", aggregation="cumulative")
    reports = MeasureFactory(code="street-reports-received", name="Street reports received", unit="count",
                             polarity="neutral", source="computed", aggregation="cumulative")
    f.TeamFactory(slug="contact-centre", name="Contact Centre")
    f.TeamFactory(slug="highways-north", name="Highways North")
    _forecast(contacts, [400 + 60 * (k % 6) for k in range(12)])
    _forecast(reports)
    assert seed_demo_capacity(performance_analyst) == 2
    assert seed_demo_capacity(performance_analyst) == 0  # idempotent
    [warning] = selectors.capacity_warnings()
    assert warning.measure == contacts and warning.months


# --- the forecast page: chart, tables, roles and queries ----------------------------------------------

def test_the_forecast_page_draws_an_accessible_chart_with_the_figures_in_tables(forecast, measure, team, bi,
                                                                                 client_for):
    _set(team, measure, 160, bi)
    page = client_for(bi).get(f"/staff/insight/forecasts/{measure.code}/").content.decode()
    svg = page[page.find("<svg"):page.find("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="forecast-chart-title forecast-chart-desc"' in svg
    assert 'viewBox="0 0 640 320"' in svg and 'width="100%"' in svg
    assert '<title id="forecast-chart-title">Potholes reported: actuals and forecast by month</title>' in svg
    assert "80% and 95% ranges" in svg and "team capacity" in svg
    for cls in ("chart-history", "chart-forecast", "chart-capacity"):
        assert cls in svg
    assert "<script" not in page[page.find('id="forecast-chart"'):]
    # The same figures drawn again for a phone, in a narrower viewBox, with its own title and description.
    phone = page[page.find('<div class="oxtom-chart__phone">'):]
    phone = phone[phone.find("<svg"):phone.find("</svg>")]
    assert 'viewBox="0 0 320 240"' in phone
    assert 'aria-labelledby="forecast-chart-phone-title forecast-chart-phone-desc"' in phone
    assert '<title id="forecast-chart-phone-title">Potholes reported: actuals and forecast by month</title>' in phone
    assert phone.count('class="chart-capacity"') == svg.count('class="chart-capacity"') == 1
    assert page.count('class="oxtom-table-scroll"') >= 2
    assert 'id="forecast-table"' in page and 'id="forecast-history"' in page
    assert "Over</strong>" in page  # the month over capacity is marked in the table, not only drawn


def test_the_measure_page_shows_the_chart_beside_the_actuals(forecast, measure, performance_analyst, client_for):
    page = client_for(performance_analyst).get(f"/staff/performance/measures/{measure.code}/").content.decode()
    assert 'id="forecast-chart"' in page and "Forecast for the next 12 months" in page


@pytest.mark.parametrize("role, status", [
    ("anonymous", 302), ("resident_a", 403), ("adviser", 403), ("officer_in_team", 403),
    ("councillor_of_division", 403), ("team_leader", 200), ("performance_analyst", 200), ("bi", 200),
    ("administrator", 200)])
def test_forecast_page_roles(request, client_for, forecast, measure, role, status):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    assert client_for(user).get(f"/staff/insight/forecasts/{measure.code}/").status_code == status


def test_an_unknown_or_non_demand_measure_is_404(forecast, bi, client_for):
    MeasureFactory(code="digital-share", unit="percent", aggregation="average")
    client = client_for(bi)
    assert client.get("/staff/insight/forecasts/no-such-measure/").status_code == 404
    assert client.get("/staff/insight/forecasts/digital-share/").status_code == 404


def test_a_measure_without_a_shown_forecast_says_so(measure, bi, client_for):
    page = client_for(bi).get(f"/staff/insight/forecasts/{measure.code}/").content.decode()
    assert 'id="forecast-none"' in page and "<svg" not in page
    _forecast(measure, shown=False)
    page = client_for(bi).get(f"/staff/insight/forecasts/{measure.code}/").content.decode()
    assert 'id="forecast-not-shown"' in page and "<svg" not in page


def test_the_forecast_page_costs_constant_queries(measure, team, other_team, bi, client_for):
    _history(measure, 3)
    _forecast(measure)
    _set(team, measure, 160, bi, months=2)
    client = client_for(bi)
    url = f"/staff/insight/forecasts/{measure.code}/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    Forecast.objects.all().delete()
    _history(MeasureFactory(code="other-received", unit="count", aggregation="cumulative"), 30)
    from performance.models import Value

    Value.objects.filter(measure=measure).delete()
    _history(measure, 36)
    _forecast(measure)
    _set(team, measure, 160, bi)
    _set(other_team, measure, 20, bi)
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before)


def test_the_capacity_page_and_forecast_list_cost_constant_queries(forecast, measure, team, bi, client_for):
    client = client_for(bi)
    _set(team, measure, 160, bi, months=1)
    client.get("/staff/insight/capacity/")
    with CaptureQueriesContext(connection) as before:
        client.get("/staff/insight/capacity/")
    with CaptureQueriesContext(connection) as list_before:
        client.get("/staff/insight/")
    for i in range(5):
        _set(f.TeamFactory(name=f"Team extra {i}"), measure, 30, bi)
    with CaptureQueriesContext(connection) as after:
        client.get("/staff/insight/capacity/")
    with CaptureQueriesContext(connection) as list_after:
        client.get("/staff/insight/")
    assert len(after) == len(before) and len(list_after) == len(list_before)


# --- setting capacity: who, and bad input ----------------------------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("anonymous", 302), ("resident_a", 403), ("adviser", 403), ("officer_in_team", 403),
    ("councillor_of_division", 403), ("team_leader", 200), ("performance_analyst", 200), ("bi", 200),
    ("administrator", 200)])
def test_capacity_page_roles(request, client_for, measure, role, status):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    assert client_for(user).get("/staff/insight/capacity/").status_code == status


def test_a_team_leader_who_leads_no_team_cannot_set_capacity(db, client_for):
    leader = f.UserFactory(email="lonely.leader@example.org", roles=["team_leader"])
    assert client_for(leader).get("/staff/insight/capacity/").status_code == 403


def _post(client, **overrides):
    data = {"team": "", "measure": "", "capacity": "900", "first_month_month": str(_month(0).month),
            "first_month_year": str(_month(0).year), "months": "12"}
    data.update(overrides)
    return client.post("/staff/insight/capacity/", data)


def test_a_team_leader_sets_their_own_team_only(measure, team, other_team, team_leader, client_for):
    client = client_for(team_leader)
    response = _post(client, team=str(other_team.pk), measure=str(measure.pk))
    assert response.status_code == 200 and "Choose one of your teams" in response.content.decode()
    assert not Capacity.objects.exists()
    with pytest.raises(PermissionDenied):
        _set(other_team, measure, 900, team_leader)
    response = _post(client, team=str(team.pk), measure=str(measure.pk))
    assert response.status_code == 302
    assert Capacity.objects.filter(team=team, measure=measure, capacity=900).count() == 12


def test_an_analyst_sets_capacity_and_a_repeat_replaces_it(measure, team, bi, client_for):
    client = client_for(bi)
    assert _post(client, team=str(team.pk), measure=str(measure.pk)).status_code == 302
    assert _post(client, team=str(team.pk), measure=str(measure.pk)).status_code == 302  # a double submit
    assert Capacity.objects.count() == 12
    assert _post(client, team=str(team.pk), measure=str(measure.pk), capacity="700", months="3").status_code == 302
    assert sorted(Capacity.objects.values_list("capacity", flat=True)) == [700] * 3 + [900] * 9
    from oxtom.core.models import AuditEvent

    assert AuditEvent.objects.filter(summary__startswith="Capacity for Potholes reported").count() == 3


@pytest.mark.parametrize("overrides, message", [
    ({"team": "", "measure": "", "capacity": "", "first_month_month": "", "first_month_year": "", "months": ""},
     "Choose the team"),
    ({"capacity": ""}, "Enter the capacity a month"),
    ({"capacity": "0"}, "Enter a capacity of at least 1 a month"),
    ({"capacity": "-5"}, "Enter a capacity of at least 1 a month"),
    ({"capacity": "1000001"}, "Enter a capacity of 1,000,000 a month or fewer"),
    ({"capacity": "12.5"}, "Enter the capacity as a whole number"),
    ({"capacity": "1e3"}, "Enter the capacity as a whole number"),
    ({"capacity": "9" * 5000}, "Enter the capacity as a whole number"),
    ({"capacity": "<script>alert(1)</script>"}, "Enter the capacity as a whole number"),
    ({"months": "0"}, "Enter at least 1 month"),
    ({"months": "25"}, "Enter 24 months or fewer"),
    ({"months": "twelve"}, "Enter how many months as a whole number"),
    ({"first_month_month": "13"}, "The first month must be a real date"),
    ({"first_month_year": ""}, "The first month must include a year"),
    ({"first_month_month": str(_month(-1).month), "first_month_year": str(_month(-1).year)},
     "The first month must be this month or in the future"),
    ({"first_month_year": "2999"}, "The first month must be within 24 months from now"),
    ({"measure": "999999"}, "Choose a measure of demand"),
    ({"team": "999999"}, "Choose one of your teams"),
])
def test_the_capacity_form_refuses_bad_input(measure, team, bi, client_for, overrides, message):
    MeasureFactory(code="digital-share", unit="percent", aggregation="average")
    data = {"team": str(team.pk), "measure": str(measure.pk), **overrides}
    response = _post(client_for(bi), **data)
    page = response.content.decode()
    assert response.status_code == 200 and message in page, page[page.find("govuk-error-summary"):][:800]
    assert "<script>alert(1)</script>" not in page
    assert not Capacity.objects.exists()


def test_a_measure_that_is_not_demand_is_refused_by_the_service(measure, team, bi):
    share = MeasureFactory(code="digital-share", unit="percent", aggregation="average")
    with pytest.raises(ValidationError) as caught:
        _set(team, share, 10, bi)
    assert caught.value.message_dict == {"measure": ["Choose a measure of demand"]}


def test_the_team_leaders_home_costs_constant_queries_however_many_services_are_at_risk(
        forecast, measure, team, team_leader, bi, client_for):
    _set(team, measure, 160, bi)
    client = client_for(team_leader)
    client.get("/staff/")
    with CaptureQueriesContext(connection) as before:
        client.get("/staff/")
    for i in range(4):
        more = MeasureFactory(code=f"extra-{i}-received", name=f"Extra {i}", unit="count", aggregation="cumulative")
        _forecast(more)
        _set(team, more, 150, bi)
    with CaptureQueriesContext(connection) as after:
        html = client.get("/staff/").content.decode()
    assert html.count('class="govuk-warning-text capacity-warning"') == 5
    assert len(after) == len(before)
