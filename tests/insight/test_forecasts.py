"""Demand forecasts: backtests on series with a known season (the chosen model beats seasonal naive, the
intervals hold about their nominal share), nothing shown when nothing beats seasonal naive, too-short
histories left alone, the nightly service replacing its forecasts, and the measure page's table."""
from __future__ import annotations

import statistics

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insight import forecasting, services
from insight.models import Forecast, ForecastRun
from performance import services as performance
from performance.models import Measure
from tests.performance.factories import MeasureFactory, value


def test_on_seasonal_series_the_chosen_model_beats_seasonal_naive_and_intervals_cover_about_their_rate():
    results = [forecasting.forecast_series(forecasting.synthetic_series(60, seed=seed)) for seed in range(12)]
    beats = [r for r in results if r.backtest.mase["holt_winters"] < r.backtest.mase["seasonal_naive"]]
    assert len(beats) >= 8  # Holt-Winters wins on most series with a trend and a season (8 of 12 measured)
    assert statistics.mean(r.backtest.mase["holt_winters"] for r in results) < statistics.mean(
        r.backtest.mase["seasonal_naive"] for r in results)
    coverage80 = statistics.mean(r.backtest.coverage80[r.chosen] for r in results)
    coverage95 = statistics.mean(r.backtest.coverage95[r.chosen] for r in results)
    assert 0.65 <= coverage80 <= 0.92 and 0.82 <= coverage95 <= 1.0
    for r in results:
        assert r.shown == (r.chosen != "seasonal_naive")
        assert all(p["lo95"] <= p["lo80"] <= p["mean"] <= p["hi80"] <= p["hi95"] for p in r.points)


def test_a_pure_season_is_not_beaten_so_no_forecast_is_shown():
    season = np.tile([100, 120, 150, 170, 160, 140, 130, 110, 100, 90, 95, 98], 5).astype(float)
    result = forecasting.forecast_series(season)
    assert result.chosen == "seasonal_naive" and not result.shown
    assert result.backtest.mase["seasonal_naive"] == 0


def test_too_short_or_broken_histories_are_not_forecast():
    assert forecasting.forecast_series(forecasting.synthetic_series(35)) is None
    broken = forecasting.synthetic_series(48)
    broken[10] = np.nan
    assert forecasting.forecast_series(broken) is None


@pytest.fixture
def history(db, division_a, division_b):
    measure = MeasureFactory(code="cases-received", name="Cases received", unit="count", polarity="neutral",
                             source="computed", aggregation="cumulative")
    months = performance.months_back(timezone.localdate(), 49)[:-1]
    periods = performance.periods_ensure(months)
    county = forecasting.synthetic_series(48, level=900, trend=2, seed=4)
    busy = forecasting.synthetic_series(48, level=80, trend=0.2, seed=5)
    for i, start in enumerate(months):
        value(measure, periods[start], county[i])
        value(measure, periods[start], busy[i], division=division_a)
        value(measure, periods[start], 3, division=division_b)  # too few to forecast a division by
    return measure


def test_the_nightly_service_forecasts_county_and_busy_divisions_and_a_rerun_replaces(history, division_a):
    result = services.forecasts_compute()
    assert result.series == 2 and result.low_volume == 1
    keys = set(Forecast.objects.values_list("area_key", flat=True))
    assert keys == {"county", f"d:{division_a.pk}"}
    county = Forecast.objects.get(area_key="county")
    assert len(county.points) == 12 and county.first_month == timezone.localdate().replace(day=1)
    assert set(county.mase) == {"holt_winters", "seasonal_naive", "moving_average"}
    services.forecasts_compute()
    assert Forecast.objects.count() == 2 and ForecastRun.objects.count() == 2


def test_a_gap_in_the_latest_month_means_no_forecast(history):
    from performance.models import Value

    last = performance.months_back(timezone.localdate(), 2)[0]
    Value.objects.filter(period__start=last).delete()
    assert services.forecasts_compute().series == 0


def test_the_measure_page_shows_the_forecast_beside_the_actuals(history, client_for, performance_analyst):
    services.forecasts_compute()
    page = client_for(performance_analyst).get("/staff/performance/measures/cases-received/").content.decode()
    county = Forecast.objects.get(area_key="county")
    if county.shown:
        assert "Forecast for the next 12 months" in page, page[page.find('id="forecast"') - 200:][:1500] and "80% range" in page
    else:
        assert "No forecast is shown" in page
    assert "seasonal naive" in page


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("resident_a", 403), ("officer_in_team", 403),
                                          ("councillor_of_division", 403), ("performance_analyst", 200),
                                          ("bi_analyst", 200), ("administrator", 200)])
def test_forecast_list_roles(request, client_for, history, role, status):
    if role == "bi_analyst":
        from tests import factories as f

        user = f.UserFactory(email="bi@example.org", roles=["bi_analyst"])
    else:
        user = None if role == "anonymous" else request.getfixturevalue(role)
    assert client_for(user).get("/staff/insight/").status_code == status


def test_the_forecast_list_costs_constant_queries(history, client_for, performance_analyst, division_b):
    services.forecasts_compute()
    client = client_for(performance_analyst)
    client.get("/staff/insight/")
    with CaptureQueriesContext(connection) as before:
        client.get("/staff/insight/")
    months = performance.months_back(timezone.localdate(), 49)[:-1]
    periods = performance.periods_ensure(months)
    more = MeasureFactory(code="street-reports-received", name="Street reports received", unit="count",
                          polarity="neutral", aggregation="cumulative")
    for i, start in enumerate(months):
        value(more, periods[start], 500 + 40 * (i % 12))
    services.forecasts_compute()
    with CaptureQueriesContext(connection) as after:
        client.get("/staff/insight/")
    assert len(after) == len(before)
    assert Measure.objects.count() >= 2
