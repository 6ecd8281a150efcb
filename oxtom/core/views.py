"""Site-wide pages: home, accessibility statement, cookies, and /healthz."""
from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .models import Heartbeat


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


def cookies(request: HttpRequest) -> HttpResponse:
    return render(request, "core/cookies.html")


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_broker() -> str:
    from oxtom.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _check_worker() -> str:
    beat = Heartbeat.objects.filter(name="worker").first()
    if beat is None:
        return "no heartbeat yet"
    age = timezone.now() - beat.seen_at
    if age > settings.HEARTBEAT_STALE_AFTER:
        return f"stale ({int(age.total_seconds())}s)"
    return "ok"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and worker heartbeat; 503 if any is not ok."""
    checks: dict[str, str] = {}
    for name, check in (("database", _check_database), ("broker", _check_broker), ("worker", _check_worker)):
        try:
            checks[name] = check()
        except Exception as exc:  # report every failure, never raise from a health check
            checks[name] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503)
