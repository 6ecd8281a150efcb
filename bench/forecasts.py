#!/usr/bin/env python
"""Nightly demand forecasts at county scale: every demand measure for the county and all 69 divisions.

Builds 5 years of monthly figures with a known yearly season for 4 demand measures x 70 areas (280 series)
in its own database, runs the nightly service (backtest, choose, forecast, store) and prints how long it
took, how many forecasts beat seasonal naive, and the backtest's honest error figures: median MASE of the
chosen model and of seasonal naive, and how often the 80% and 95% intervals held the actual months.

    .venv/bin/python bench/forecasts.py        # BENCH_QUICK=1 for 1 measure
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._support import use_bench_database  # noqa: E402

use_bench_database("forecasts")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
MONTHS = 60


def main() -> None:
    call_command("migrate", verbosity=0)
    from insight import forecasting, services
    from insight.models import Forecast
    from oxtom.places import services as places
    from performance import services as performance
    from performance.models import AreaType, Measure, Value, area_key

    places.localities_load()
    divisions = list(places.divisions_load().boundary_set.divisions.all())
    codes = ["cases-received"] if QUICK else ["cases-received", "contacts-total", "street-reports-received",
                                              "applications-received"]
    measures = list(Measure.objects.filter(code__in=codes))
    months = performance.months_back(timezone.localdate(), MONTHS + 1)[:-1]
    periods = performance.periods_ensure(months)
    now = timezone.now()
    rows = []
    for m_index, measure in enumerate(measures):
        county = forecasting.synthetic_series(MONTHS, level=4000, trend=3, seed=m_index)
        for area_index, division in enumerate([None] + divisions):
            values = county if division is None else forecasting.synthetic_series(
                MONTHS, level=60, trend=0.05, seed=1000 * m_index + area_index)
            for start, number in zip(months, values):
                rows.append(Value(measure=measure, period=periods[start], value=number, base=int(number),
                                  area_type=AreaType.DIVISION if division else AreaType.COUNTY,
                                  area_key=area_key(division_id=division.pk if division else None),
                                  division=division, source="imported", recorded_at=now))
    Value.objects.bulk_create(rows, batch_size=5000)
    print(f"{len(rows):,} monthly figures for {len(measures)} measures x {len(divisions) + 1} areas")

    started = time.perf_counter()
    result = services.forecasts_compute()
    seconds = time.perf_counter() - started
    forecasts = list(Forecast.objects.all())
    chosen = [f.mase[f.model] for f in forecasts]
    naive = [f.mase["seasonal_naive"] for f in forecasts]
    print(f"{result.series} series forecast in {seconds:.1f}s ({seconds / max(result.series, 1) * 1000:.0f} ms each); "
          f"{result.shown} beat seasonal naive and are shown; {result.low_volume} low-volume skipped")
    print(f"backtest: median MASE chosen {statistics.median(chosen):.2f}, seasonal naive {statistics.median(naive):.2f}; "
          f"mean coverage 80% interval {statistics.mean(f.coverage80 for f in forecasts):.2f}, "
          f"95% interval {statistics.mean(f.coverage95 for f in forecasts):.2f}")
    print(f"BENCH forecast_nightly_seconds {seconds:.1f} s")
    print(f"BENCH forecast_series {result.series} series")
    print(f"BENCH forecast_shown_share {result.shown / max(result.series, 1):.2f} ratio")
    print(f"BENCH forecast_coverage80 {statistics.mean(f.coverage80 for f in forecasts):.2f} ratio")
    print(f"BENCH forecast_coverage95 {statistics.mean(f.coverage95 for f in forecasts):.2f} ratio")


if __name__ == "__main__":
    main()
