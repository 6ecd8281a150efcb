"""Open311 GeoReport v2 endpoints under /open311/v2/ (plus mySociety's servicerequestupdates).

Thin: each view reads parameters, calls portal.open311, and renders the
answer (or the spec's error list) as JSON or XML. Only the create POST is
CSRF-exempt: it is authenticated by api_key, never by a browser cookie.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from oxtom.core.links import absolute_url

from .. import open311, open311_cache
from ..open311_format import FORMATS, errors, respond
from ..open311_keys import open311_key_check

JURISDICTION = "oxfordshire.gov.uk"
CHANGESET = "2026-11-28T00:00:00+00:00"


def _api(methods: tuple[str, ...]) -> Callable:
    """Allowed methods, a known jurisdiction, and Open311Error turned into the spec's error list."""

    def decorate(view: Callable) -> Callable:
        # CSRF-exempt, all of them: no Open311 view acts on a browser's cookie (the one POST is
        # authenticated by api_key), and CSRF's HTML 403 would pre-empt the spec's 405 for PUT/DELETE.
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, fmt: str, *args, **kwargs) -> HttpResponse:
            allowed = methods + (("HEAD",) if "GET" in methods else ())
            if request.method not in allowed:
                response = errors([{"code": 405, "description": f"Use {' or '.join(methods)}"}], fmt, 405)
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                # Django refuses oversized bodies and too many fields when the form is first read;
                # say so in the spec's error list rather than with an HTML error page.
                data = request.POST if request.method == "POST" else request.GET
            except (RequestDataTooBig, TooManyFieldsSent):
                return errors([{"code": 400, "description": "The request is too large"}], fmt, 400)
            jurisdiction = str(data.get("jurisdiction_id", "")).strip()
            try:
                if jurisdiction and jurisdiction != JURISDICTION:
                    raise open311.Open311Error(404, f"This endpoint serves only the jurisdiction {JURISDICTION}")
                return view(request, fmt, *args, **kwargs)
            except open311.Open311Error as exc:
                return errors(exc.errors, fmt, exc.status)

        return wrapped

    return decorate


@_api(("GET",))
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = absolute_url("/open311/v2/")
    data = {
        "changeset": CHANGESET,
        "contact": "Oxfordshire County Council digital team, via https://www.oxfordshire.gov.uk/contact",
        "key_service": "Ask the council's digital team for an api_key for your system",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": base,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }
    return respond(data, fmt, root="discovery")


@_api(("GET",))
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    data = [open311.service_dict(t) for t in open311.public_report_types()]
    return respond(data, fmt, root="services", item="service")


@_api(("GET",))
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    data = open311.service_definition_dict(open311.report_type_for_code(code))
    return respond(data, fmt, root="service_definition")


@csrf_exempt
@_api(("GET", "POST"))
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method != "POST":
        if not open311_cache.is_default_query(request.GET):
            return respond(open311.requests_query(request.GET), fmt, root="service_requests", item="request")
        size, page = open311.page_params(request.GET)
        key = open311_cache.cache_key(fmt=fmt, page_size=size, page=page)
        body = open311_cache.get(key)
        if body is None:
            response = respond(open311.requests_query(request.GET), fmt, root="service_requests", item="request")
            open311_cache.put(key, response.content)
            return response
        return HttpResponse(body, content_type=FORMATS.get(fmt, FORMATS["json"]))
    key = open311_key_check(request.POST.get("api_key"))
    if key is None:
        raise open311.Open311Error(403, "A valid api_key is required to create a request")
    open311.rate_limit(key)
    report, created = open311.open311_request_create(key=key, data=request.POST)
    return respond([open311.created_dict(report)], fmt, root="service_requests", item="request",
                   status=201 if created else 200)


@_api(("GET",))
def service_request(request: HttpRequest, fmt: str, reference: str) -> HttpResponse:
    return respond([open311.request_by_id(reference)], fmt, root="service_requests", item="request")


@_api(("GET",))
def request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(open311.updates_query(request.GET), fmt, root="service_requests_updates", item="request_update")


UNSAFE_METHODS = ("PUT", "PATCH", "DELETE")


@csrf_exempt
def not_found(request: HttpRequest, fmt: str = "json", **kwargs) -> HttpResponse:
    """Anything else under /open311/v2/: 404 in the spec's list; PUT, PATCH and DELETE are 405,
    since no Open311 resource takes them (and not CSRF's HTML 403)."""
    fmt = fmt or "json"
    if request.method in UNSAFE_METHODS:
        response = errors([{"code": 405, "description": f"{request.method} is not supported by Open311"}], fmt, 405)
        response["Allow"] = "GET, HEAD, POST"
        return response
    return errors([{"code": 404, "description": "There is no such Open311 resource"}], fmt, 404)
