"""Session policy for staff and councillors: two-factor sign-in and shorter sessions.

Residents are untouched. For a privileged user (User.is_privileged) each request:
1. ends the session if it has been idle longer than STAFF_SESSION_IDLE_SECONDS or
   has lasted longer than STAFF_SESSION_ABSOLUTE_SECONDS since sign-in;
2. when settings.STAFF_MFA_REQUIRED, sends a user without a TOTP authenticator to
   set one up before anything else (only sign-in/out and two-factor pages, static
   files and the site's information pages stay reachable).

The idle clock is written at most once a minute (SEEN_RESOLUTION_SECONDS), not on every
request: writing it each time turned every staff GET into an `UPDATE django_session` and a
`COMMIT`. A session therefore ends between IDLE - 60 s and IDLE after its last request, and
its server-side expiry moves with each write, so both stay exact to that minute.
"""
from __future__ import annotations

import time
from typing import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_STARTED_KEY = "oxtom_session_started"
SESSION_SEEN_KEY = "oxtom_session_seen"
# Set once the user is known to have TOTP, so the check costs no query per page.
MFA_OK_KEY = "oxtom_mfa_ok"
# How stale the idle clock may get before a request writes it again (see the module docstring).
SEEN_RESOLUTION_SECONDS = 60
# Paths a privileged user without two-factor set up may still reach: allauth's
# own pages (sign out, two-factor set-up, reauthentication), static files and
# the information pages linked from every footer.
MFA_SETUP_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/accessibility/", "/cookies/")


def user_has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffSessionPolicyMiddleware:
    """Ends idle or over-long privileged sessions; makes them set up TOTP when required."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        # process_view, not __call__: it runs after every middleware has set the
        # request up (this one sits before MessageMiddleware in settings), so the
        # message explaining a sign-out or the two-factor set-up can be stored.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_privileged:
            return self._enforce(request, user)
        return None

    def _enforce(self, request: HttpRequest, user) -> HttpResponse | None:
        session = request.session
        now = int(time.time())
        started = session.setdefault(SESSION_STARTED_KEY, now)
        seen = session.get(SESSION_SEEN_KEY, now)
        if now - seen > settings.STAFF_SESSION_IDLE_SECONDS or now - started > settings.STAFF_SESSION_ABSOLUTE_SECONDS:
            logout(request)
            # logout() flushed the session; the message goes in the new one.
            messages.info(request, "You were signed out to protect the records you can see. Sign in again.")
            query = urlencode({"next": request.path}) if request.method == "GET" else ""
            return redirect(f"{reverse('account_login')}{'?' + query if query else ''}")
        if SESSION_SEEN_KEY not in session or now - seen >= SEEN_RESOLUTION_SECONDS:
            session[SESSION_SEEN_KEY] = now
            # The server-side session and its cookie also expire after the idle
            # time, so an abandoned session dies even if no request ever comes.
            session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)

        if settings.STAFF_MFA_REQUIRED and not request.path.startswith(MFA_SETUP_ALLOWED_PREFIXES):
            if not session.get(MFA_OK_KEY):
                if not user_has_mfa(user):
                    messages.info(request, "Set up two-factor authentication before you use staff or councillor services.")
                    return redirect("mfa_activate_totp")
                session[MFA_OK_KEY] = True
        return None
