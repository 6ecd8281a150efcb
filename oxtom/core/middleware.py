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
