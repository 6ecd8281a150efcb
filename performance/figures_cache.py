"""Division and county figures served from the cache: they change once a night, not per request.

A division page used to build every measure's rows (hundreds of `Value` instances) and render
100-270 kB of HTML on each request, for figures the nightly run rebuilds once. Now the figures
part of each page is rendered once and kept, keyed by the page, the division, and a *version*:

- the latest computation run (one indexed query per request), so the nightly run's new figures
  show as soon as it has run, in every process, even if the cache missed its invalidation;
- a generation in the cache that any analyst's change renews after commit: figures written
  (`services._upsert`: computed, approved, imported), targets, commentary, measure definitions,
  periods (closing a month), comparator groups and divisions (signals below);
- today's date, because which months count as complete moves at midnight.

What is not figures stays live: who the councillors are (public contact details change in the
admin), and on the councillor's page the open cases and their enquiries.

The cache is the fail-soft one (oxtom.core.cache): with Redis down every request renders afresh.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from oxtom.places.models import Division

from . import selectors
from .models import ComputationRun

GENERATION_KEY = "performance:figures:generation"
TTL_SECONDS = 24 * 60 * 60
TEMPLATES = {
    "public": "performance/includes/division_figures.html",
    "councillor": "performance/includes/division_figures_all.html",
    "briefing": "performance/includes/briefing_figures.html",
}


@dataclass(frozen=True)
class DivisionFacts:
    """What performance/includes/division_context.html reads, without building the figures."""

    councillors: list
    division_count: int


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(GENERATION_KEY, 0)
    return generation


def version() -> str:
    """The figures' version: latest computation run, analysts' generation, today (one query)."""
    run = ComputationRun.objects.order_by("-started_at", "-id").values_list("pk", flat=True).first()
    return f"{run or 0}.{_generation()}.{timezone.localdate():%Y%m%d}"


def figures_changed() -> None:
    """Figures, targets or commentary changed: pages render afresh once the change is committed."""
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, time.time_ns(), None))


def _cached(key: str, build):
    hit = cache.get(key)
    if hit is None:
        hit = build()
        cache.set(key, hit, TTL_SECONDS)
    return hit


def division_figures(division: Division, *, variant: str) -> tuple[SafeString, DivisionFacts]:
    """The rendered figures of a division page ("public", "councillor" or "briefing") and the facts
    beside them. On a hit: two queries (run, councillors); on a miss, the division page's selectors too."""

    built = []

    def build() -> dict:
        page = selectors.division_page(division, include_private=variant == "councillor")
        built.append(page)
        html = render_to_string(TEMPLATES[variant], {"page": page, "division": division})
        return {"html": html, "division_count": page.division_count}

    hit = _cached(f"performance:figures:{variant}:{division.pk}:{version()}", build)
    councillors = built[0].councillors if built else selectors.councillors_for(division)
    facts = DivisionFacts(councillors=councillors, division_count=hit["division_count"])
    # Our own template's output, escaped when it was rendered.
    return mark_safe(hit["html"]), facts  # noqa: S308


def division_csv_rows(division: Division) -> list[list]:
    """The public division page's figures as CSV rows, from the cache when the figures are unchanged."""
    return _cached(f"performance:figures:csv:{division.pk}:{version()}",
                   lambda: selectors.division_csv_rows(selectors.division_page(division)))


def county_figures() -> SafeString:
    """The county headline table of /divisions/, rendered once per version."""

    def build() -> str:
        period, rows = selectors.county_overview()
        return render_to_string("performance/includes/county_figures.html", {"period": period, "county_rows": rows})

    return mark_safe(_cached(f"performance:figures:county:{version()}", build))  # noqa: S308


def _on_change(sender, **kwargs) -> None:
    figures_changed()


def connect_signals() -> None:
    """Called from PerformanceConfig.ready(): any change to what the figures pages show renews the generation."""
    from django.db.models.signals import post_delete, post_save

    from .models import Commentary, Comparator, ComparatorGroup, Measure, Period, Target

    for model in (Measure, Target, Commentary, Period, Comparator, ComparatorGroup, Division):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"figures-cache-{model.__name__}-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"figures-cache-{model.__name__}-delete")
