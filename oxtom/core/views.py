"""Site-wide pages: home, accessibility statement, cookies, and /healthz."""
from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .context_processors import COOKIE_MESSAGE_COOKIE, COOKIE_MESSAGE_HIDDEN
from .models import Heartbeat


def _existing(links: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    """Keep only links whose routes exist: other apps add their services as they are built."""
    out = []
    for title, href, description in links:
        try:
            resolve(href)
        except Resolver404:
            continue
        out.append({"title": title, "href": href, "description": description})
    return out


def home(request: HttpRequest) -> HttpResponse:
    """The start page: points each visitor to the services they can use."""
    services = _existing(
        [
            ("Report a problem", "/report/", "Report a pothole, broken street light, fly-tipping or other street problem."),
            ("Apply for something", "/apply/", "Apply for a parking permit, blue badge, bus pass or other permit or licence."),
            ("Your account", "/account/", "Create an account or sign in to see your customer reference and the contact details we hold."),
            ("Problems reported near you", "/reports/", "See what has been reported around a place and what the council is doing about it."),
            ("How your area is doing", "/divisions/", "Find your councillor and see how the council is performing in your division."),
            ("Get help online", "/chat/", "Ask an adviser for help with any of these services by webchat."),
        ]
    )
    return render(request, "core/home.html", {"services": services})


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@require_http_methods(["GET", "HEAD", "POST"])
def cookies(request: HttpRequest) -> HttpResponse:
    """The cookies page. A POST hides the cookie message, with no JavaScript needed."""
    if request.method == "POST":
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            target = reverse("cookies")
        response = redirect(target)
        if request.POST.get("action") == "hide-banner":
            response.set_cookie(
                COOKIE_MESSAGE_COOKIE,
                COOKIE_MESSAGE_HIDDEN,
                max_age=365 * 24 * 60 * 60,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
    return render(request, "core/cookies.html", {"cookie_message_cookie": COOKIE_MESSAGE_COOKIE})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


# The broker's answer is kept this long per process: a load balancer polling /healthz every
# second would otherwise open (and tear down) a broker connection on every poll, which cost
# more than half the page's throughput. Failures are kept too, so an outage costs one
# 2-second timeout per process per window rather than one per poll.
BROKER_CHECK_SECONDS = 5.0
_broker_result: dict[str, object] = {"at": float("-inf"), "value": ""}
_broker_lock = threading.Lock()


def _check_broker() -> str:
    now = time.monotonic()
    if now - _broker_result["at"] < BROKER_CHECK_SECONDS:
        return str(_broker_result["value"])
    with _broker_lock:
        if time.monotonic() - _broker_result["at"] < BROKER_CHECK_SECONDS:  # another thread just checked
            return str(_broker_result["value"])
        try:
            value = _probe_broker()
        except Exception as exc:  # reported, never raised (see healthz)
            value = f"error: {type(exc).__name__}"
        _broker_result.update(at=time.monotonic(), value=value)
        return value


def _probe_broker() -> str:
    """One round trip over the app's pooled producer connection (kept open between polls)."""
    from oxtom.celery import app

    with app.pool.acquire(block=True, timeout=2) as conn:
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
