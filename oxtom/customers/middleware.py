"""Acting-for sessions on every page: the banner, expiry, and refusing another customer's data.

Add after MessageMiddleware in settings.MIDDLEWARE:
    "oxtom.customers.middleware.AssistSessionMiddleware",

For an adviser with a live session (oxtom.customers.assist) it
- shows "You are acting for <name> (<reference>) — End session" at the top of
  every HTML page's main content, staff and resident pages alike;
- refuses, with a clear 403 page, any URL or form that names a different
  customer's reference (URL kwargs `reference`/`customer_reference`, form
  field `customer_reference`) or another customer's case reference, and any
  ActingForMismatch a view raises;
- refuses forms posted to resident pages that haven't registered as
  acting-for journeys (assist.register_journey), so nothing is filed as the
  adviser by mistake;
- when the session has expired, says so and sends the adviser back to the
  console from resident pages (so they never carry on as themselves unawares).
Everyone else pays nothing: no session id, no query.
"""
from __future__ import annotations

from typing import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string

from . import assist

MAIN_MARKER = b'id="main-content">'
# Views whose `reference` kwarg is a customer reference (others, like case pages, use their own checks).
_CUSTOMER_REFERENCE_NAMESPACES = {"customers", "assist"}
_PRIVATE_PREFIXES = ("/staff/", "/account/", "/members/")


def shows_their_record(path: str) -> bool:
    """Is `path` one of the customer's own pages (their account, a journey that serves them)?"""
    if path.startswith(assist._STAFF_PREFIXES):
        return False
    return path.startswith("/account/") or assist.serves_customer(path)


class AssistSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "_oxtom_assist_session", None)
        if (session is not None and response.status_code == 404 and request.path.startswith(_PRIVATE_PREFIXES)
                and not getattr(request, "_oxtom_assist_refused", False)):
            # Inside a session, "not found" and "another customer's" must look the same, or an
            # adviser could tell which references exist: both get the refusal page.
            response = self._refuse(request, assist.ActingForMismatch(session))
        if session is not None and getattr(request, "_oxtom_assist_show_banner", True):
            self._add_banner(request, response, session)
        if (session is not None and request.method == "GET" and response.status_code == 200
                and not getattr(request, "_oxtom_assist_refused", False) and shows_their_record(request.path)):
            # The customer's own pages seen by an adviser acting for them: audited like any staff read
            # of personal data (staff pages audit their own views).
            from oxtom.core.audit import audit_record

            audit_record(by=request.user, action="view", target=session.customer,
                         summary=f"Viewed {request.path[:120]} acting for the customer",
                         session_id=session.pk, path=request.path[:200], acting_for=True)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if assist.SESSION_KEY not in getattr(request, "session", {}):
            return None
        session = assist.active_session(request)
        expired = getattr(request, "assist_expired", None)
        if expired is not None:
            messages.warning(
                request,
                f"Your session acting for {expired.customer.display_name} ({expired.customer.reference}) "
                "has ended because it expired. Start a new session to carry on.",
            )
            if not request.path.startswith("/staff/"):
                return redirect("assist:console")
            return None
        if session is None:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS") and not assist.accepts_posts(request.path):
            return self._refuse(request, assist.JourneyNotAssisted(session))
        match = getattr(request, "resolver_match", None)
        named = []
        if match is not None and match.namespace in _CUSTOMER_REFERENCE_NAMESPACES:
            named += [view_kwargs.get("reference"), view_kwargs.get("survivor")]
        named.append(view_kwargs.get("customer_reference"))
        if request.method == "POST":
            named.append(request.POST.get("customer_reference"))
        try:
            for reference in named:
                if reference:
                    assist.check_customer(request, reference)
            self._check_case_references(request, session, match, view_kwargs)
        except assist.ActingForMismatch as exc:
            return self._refuse(request, exc)
        return None

    def _check_case_references(self, request: HttpRequest, session, match, view_kwargs: dict) -> None:
        """A case or permit reference in the URL or form must belong to the acted-for customer.

        Case pages, tracking pages and payment pages name cases, not
        customers; one indexed lookup per reference, only inside a session.
        """
        from .selectors import _CASE_REFERENCE_RE, _normalise_case_reference

        candidates = []
        # Public pages about a case (a street report's public page) show no personal data, and
        # an adviser may well look one up for the caller ("it's already reported"), so only
        # private areas are checked.
        private = request.path.startswith(_PRIVATE_PREFIXES)
        if private and (match is None or match.namespace not in _CUSTOMER_REFERENCE_NAMESPACES):
            candidates += [view_kwargs.get("reference"), view_kwargs.get("case_reference")]
        if request.method == "POST":
            candidates.append(request.POST.get("case_reference"))
        references = {
            _normalise_case_reference(value) for value in candidates
            if isinstance(value, str) and len(value) <= 30 and _CASE_REFERENCE_RE.match(value.upper())
        }
        if not references:
            return
        from oxtom.cases.models import Case

        owners = set(Case.objects.filter(reference__in=references).values_list("customer_id", flat=True))
        if owners - {session.customer_id}:
            raise assist.ActingForMismatch(session)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, assist.ActingForMismatch):
            return self._refuse(request, exception)
        return None

    def _refuse(self, request: HttpRequest, exc: assist.ActingForMismatch) -> HttpResponse:
        from oxtom.core.audit import audit_record

        audit_record(by=request.user, action="view", target=exc.session.customer,
                     summary=f"Refused inside an assisted session: {exc.title}"[:255],
                     session_id=exc.session.pk, path=request.path[:200])
        request._oxtom_assist_show_banner = True
        request._oxtom_assist_refused = True
        return HttpResponse(
            render_to_string("assist/refused.html", {"message": str(exc), "title": exc.title, "session": exc.session},
                             request=request),
            status=403,
        )

    def _add_banner(self, request: HttpRequest, response: HttpResponse, session) -> None:
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return
        content = response.content
        at = content.find(MAIN_MARKER)
        if at < 0:
            return
        banner = render_to_string("assist/_banner.html", {"assist_session": session}, request=request).encode()
        at += len(MAIN_MARKER)
        response.content = content[:at] + banner + content[at:]
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
