"""Reads for insight: forecasts for the measure pages and the BI team's list (constant queries)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .forecasting import LABELS
from .models import Forecast, ForecastRun


def _month(first: dt.date, step: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + step - 1
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class ForecastView:
    forecast: Forecast
    rows: list[dict]

    @property
    def model_label(self) -> str:
        return LABELS.get(self.forecast.model, self.forecast.model)

    @property
    def naive_mase(self) -> float:
        return self.forecast.mase.get("seasonal_naive", 0.0)

    @property
    def chosen_mase(self) -> float:
        return self.forecast.mase.get(self.forecast.model, 0.0)


def _view(forecast: Forecast) -> ForecastView:
    rows = [{**p, "month": _month(forecast.first_month, p["step"])} for p in forecast.points]
    return ForecastView(forecast=forecast, rows=rows)


def county_forecast(measure_id: int) -> ForecastView | None:
    """The county forecast of a measure, whether shown or not (the page says why not). One query."""
    forecast = Forecast.objects.filter(measure_id=measure_id, area_key="county").first()
    return _view(forecast) if forecast else None


def forecast_list() -> list[ForecastView]:
    """Every forecast with its backtest, county first (one query)."""
    return [_view(f) for f in Forecast.objects.select_related("measure", "division").order_by(
        "measure__name", "division__name")]


def last_run() -> ForecastRun | None:
    return ForecastRun.objects.first()
