from __future__ import annotations

from typing import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        return response


class PrivatePagesNoStoreMiddleware:
    """`Cache-Control: no-store` on every response to someone with a session, by default.

    Why: staff case pages, assessments, councillors' case pages and residents'
    own cases and entitlements carry personal data, and a shared computer's
    browser cache or a proxy must not keep them. Every page that needs a
    sign-in is answered to a request with a session cookie (signed in, or a
    resident's draft report), so marking those covers them all without a
    decorator on each view; public pages to visitors without a session stay
    cacheable. A view that marks its response `public` (a public report's
    photo) has said it holds nothing personal, and keeps its own header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        name = settings.SESSION_COOKIE_NAME
        if name in request.COOKIES or name in response.cookies:
            current = response.get("Cache-Control", "")
            if "no-store" not in current and "public" not in current:
                add_never_cache_headers(response)
                patch_cache_control(response, private=True)
        return response


class ServiceErrorPagesMiddleware:
    """The service's own 404, 403 and 500 pages in the embedded demo too.

    With DEBUG on, Django answers a missing page, a refusal or a crash with its
    technical pages (URL patterns, settings, tracebacks), which are not for the
    residents, advisers and officers trying the demo. This renders the GOV.UK
    pages in templates/ instead, through Django's own handlers, exactly as
    production does. A developer who wants Django's pages sets
    DEBUG_ERROR_PAGES=true; tracebacks are logged either way.

    Its place in MIDDLEWARE: inside CommonMiddleware (APPEND_SLASH) and the security
    headers, but above the middlewares whose process_exception answers an exception
    of their own (the acting-for refusal, allauth's ReauthenticationRequired): those run
    first, and only what none of them answers becomes an error page, as in production.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    @staticmethod
    def _active() -> bool:
        return settings.DEBUG and not settings.DEBUG_ERROR_PAGES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._active():
            # A path no URL pattern matches fails before any view runs, so never reaches
            # process_exception: answer it here, as the production handler would.
            from django.urls import Resolver404, resolve
            from django.views.defaults import page_not_found

            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not self._active():
            return None
        import logging

        from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
        from django.http import Http404
        from django.views import defaults

        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            return None  # Django's 400 handling (and its security logging) as usual
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", request.path, exc_info=exception, extra={"status_code": 500, "request": request}
        )
        return defaults.server_error(request)
