"""Session policy for staff and councillors: two-factor sign-in and shorter sessions."""
from __future__ import annotations

import time
from typing import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_STARTED_KEY = "oxtom_session_started"
SESSION_SEEN_KEY = "oxtom_session_seen"
# Paths a privileged user without two-factor set up may still reach.
MFA_SETUP_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/accessibility/", "/cookies/")


def user_has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffSessionPolicyMiddleware:
    """Ends idle or over-long privileged sessions; makes them set up TOTP when required."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_privileged:
            now = int(time.time())
            started = request.session.setdefault(SESSION_STARTED_KEY, now)
            seen = request.session.get(SESSION_SEEN_KEY, now)
            idle = now - seen > settings.STAFF_SESSION_IDLE_SECONDS
            too_long = now - started > settings.STAFF_SESSION_ABSOLUTE_SECONDS
            if idle or too_long:
                logout(request)
                messages.info(request, "You were signed out to protect the records you can see. Sign in again.")
                return redirect(f"{reverse('account_login')}?next={request.path}")
            request.session[SESSION_SEEN_KEY] = now
            if (
                settings.STAFF_MFA_REQUIRED
                and not request.path.startswith(MFA_SETUP_ALLOWED_PREFIXES)
                and not user_has_mfa(user)
            ):
                messages.info(request, "Set up two-factor authentication before using staff services.")
                return redirect("mfa_activate_totp")
        return self.get_response(request)
