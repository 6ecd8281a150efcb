"""The API's plumbing: key authentication, scopes, per-client throttling, problem details, keyset pages.

Errors are RFC 9457 problem details (`application/problem+json`: type, title,
status, detail, and `errors` per field for invalid input), whatever raised
them: DRF's own exceptions, Django's 404 and permission errors, and service
ValidationErrors.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from .models import ApiKey

MAX_BODY_BYTES = 16 * 1024  # the largest body any endpoint takes (a public note is at most 2,000 characters)
PROBLEM_BASE = "https://oxtom.example/api/problems/"  # types are names, not pages to fetch


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer oxt_...` (or `X-API-Key: oxt_...`). The user is the client's own sign-in."""

    keyword = b"bearer"

    def authenticate(self, request):
        raw = self._presented(request)
        if raw is None:
            return None
        from .services import api_key_check

        key = api_key_check(raw)
        if key is None:
            raise exceptions.AuthenticationFailed("The API key is not recognised, or has been revoked.")
        return key.client.user, key

    def _presented(self, request) -> str | None:
        header = get_authorization_header(request).split()
        if header and header[0].lower() == self.keyword:
            if len(header) != 2:
                raise exceptions.AuthenticationFailed("Send the key as: Authorization: Bearer <key>")
            try:
                return header[1].decode("ascii")
            except UnicodeDecodeError:
                raise exceptions.AuthenticationFailed("The API key is not recognised, or has been revoked.") from None
        alt = request.META.get("HTTP_X_API_KEY")
        return alt if alt else None

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="oxtom-api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.framework.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API key issued to a partner system."}


def client_of(request):
    auth = getattr(request, "auth", None)
    return auth.client if isinstance(auth, ApiKey) else None


class HasScope(BasePermission):
    """The view's `required_scope` (or `required_scopes[method]`) must be one the client holds."""

    message = "This API key does not have the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        scope = scope_for(view, request)
        if not scope:
            return True
        client = client_of(request)
        if client is None:
            raise exceptions.NotAuthenticated("Send an API key: Authorization: Bearer <key>")
        if not client.has_scope(scope):
            self.message = f"This API key does not have the {scope} scope."
            return False
        return True


def scope_for(view, request) -> str:
    by_method = getattr(view, "required_scopes", None) or {}
    return by_method.get(request.method, "") or getattr(view, "required_scope", "")


class ClientRateThrottle(SimpleRateThrottle):
    """Each client's own limit (ApiClient.rate_per_minute); anonymous callers of the public
    collections share the "anon" rate per address."""

    scope = "anon"

    def __init__(self):  # the rate depends on the client, so it is read in allow_request
        pass

    def allow_request(self, request, view):
        client = client_of(request)
        if client is not None:
            self.rate = f"{client.rate_per_minute}/min"
        else:
            from django.conf import settings

            self.rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        client = client_of(request)
        ident = f"client:{client.pk}" if client is not None else f"ip:{self.get_ident(request)}"
        return f"api-throttle:{ident}"


class KeysetPagination(CursorPagination):
    """Opaque cursors over an indexed ordering: page N costs what page 1 does, and rows added while a
    client pages through never make it skip or repeat one."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = False
        # The position is compared with the id column: anything but digits is a forged cursor.
        if cursor is False or (cursor is not None and cursor.position is not None
                               and not (cursor.position.isascii() and cursor.position.isdigit()
                                        and len(cursor.position) < 19)):
            raise exceptions.ValidationError({"cursor": ["That cursor is not one we gave out."]})
        return cursor

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError({"page_size": [f"Send a whole number from 1 to {self.max_page_size}."]})
        return super().get_page_size(request)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {"type": "object", "required": ["next", "previous", "results"], "properties": {
            "next": {"type": "string", "format": "uri", "nullable": True},
            "previous": {"type": "string", "format": "uri", "nullable": True},
            "results": schema}}


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"The request body is larger than {MAX_BODY_BYTES // 1024} KB."
    default_code = "too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record has changed since you read it: read it again and retry."
    default_code = "conflict"


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"
    format = "problem"


TITLES = {400: "Bad request", 401: "Not signed in", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 406: "Not acceptable", 409: "Conflict", 413: "Request too large",
          415: "Unsupported media type", 422: "Unprocessable content", 429: "Too many requests"}


def _field_errors(detail: Any) -> dict[str, list[str]] | None:
    if isinstance(detail, dict):
        return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    return None


def problem_exception_handler(exc, context):
    """Every error as problem details. Service ValidationErrors become 422 with their field messages."""
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(errors)
        exc.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("There is no such record, or this key may not see it.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "This key may not do that.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 handling and logging
    code = response.status_code
    errors = _field_errors(response.data) if isinstance(exc, exceptions.ValidationError) else None
    if errors:
        detail = "Some of what was sent is not valid: see errors."
    else:
        raw = getattr(exc, "detail", "")
        detail = str(raw[0] if isinstance(raw, list) and raw else raw) or TITLES.get(code, "Error")
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (getattr(exc, "default_code", "") or "error").replace("_", "-"),
        "title": TITLES.get(code, "Error"),
        "status": code,
        "detail": detail,
    }
    request = context.get("request")
    if request is not None:
        body["instance"] = request.path
    if errors:
        body["errors"] = errors
    response.data = body
    response.content_type = "application/problem+json"
    return response
