"""The BI team's pages under /staff/insight/: forecasts with their backtests."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from oxtom.accounts.decorators import _guard
from oxtom.accounts.permissions import Permission as P

from . import selectors

# Forecasts are for the BI team and the performance analysts whose measure pages show them.
forecast_readers = _guard(lambda u: u.has_permission(P.INSIGHT_WORK) or u.has_permission(P.PERFORMANCE_MANAGE))


@forecast_readers
@require_GET
def forecasts(request: HttpRequest) -> HttpResponse:
    return render(request, "insight/forecasts.html", {"forecasts": selectors.forecast_list(),
                                                      "run": selectors.last_run()})
