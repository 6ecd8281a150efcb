"""Demo data for insight (seed_demo calls it after the demand history exists): the first night's forecasts."""
from __future__ import annotations

from .models import ForecastRun
from .services import forecasts_compute


def seed_demo_insight() -> int:
    if ForecastRun.objects.exists():  # the first night has run: the beat schedule does the rest (one query)
        return 0
    return forecasts_compute().series


def forecasts_step(context) -> int:
    """Demo step (oxtom/core/demo.py), after performance's demand history: the first night's forecasts."""
    return seed_demo_insight()
