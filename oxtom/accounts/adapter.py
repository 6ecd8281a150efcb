"""allauth adapters: where each role lands, GOV.UK-style messages, and the staff two-factor rule."""
from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings
from django.http import HttpRequest

from oxtom.core.clientip import client_ip

from . import throttle


class AccountAdapter(DefaultAccountAdapter):
    """Sends each role to its own area after sign-in, and words errors the GOV.UK way."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "Enter the email address and password for your account",
        "account_inactive": "This account has been closed. Contact us if you think this is wrong",
        "email_taken": "An account already exists with this email address",
        "too_many_login_attempts": (
            "You have tried to sign in too many times from this address. Wait 5 minutes, then try again"
        ),
        "rate_limited": "You have tried this too many times. Wait a few minutes, then try again",
        "incorrect_password": "Enter your current password correctly",
        # allauth raises this when the current password given is wrong.
        "enter_current_password": "Enter your current password correctly",
        "incorrect_code": "Enter the code correctly",
        "invalid_or_expired_key": "This link has expired or has already been used",
        "unverified_primary_email": "Confirm your email address before you continue",
    }

    # --- failed sign-ins: slowed per account *and* address (oxtom/accounts/throttle.py) ---------------

    def _login_and_address(self, request: HttpRequest, credentials: dict) -> tuple[str, str]:
        return credentials.get("email", credentials.get("username", "")) or "", self.get_client_ip(request)

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits and our throttle count against the address oxtom.core.clientip
        trusts (X-Forwarded-For only as far as TRUSTED_PROXY_COUNT), never a spoofable header."""
        return client_ip(request)

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        wait = throttle.wait_seconds(*self._login_and_address(request, credentials))
        if wait:
            request.sign_in_wait_seconds = wait  # the login view answers 429 with Retry-After
            raise forms.ValidationError(
                f"You have tried to sign in too many times. Wait {throttle.describe(wait)}, then try again",
                code="too_many_login_attempts",
            )
        super().pre_authenticate(request, **credentials)

    def authenticate(self, request: HttpRequest, **credentials):
        user = super().authenticate(request, **credentials)
        if user:
            throttle.clear(*self._login_and_address(request, credentials))
        return user

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        throttle.record_failure(*self._login_and_address(request, credentials))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if getattr(user, "can_enter_staff_area", False):
            return "/staff/"
        if getattr(user, "can_enter_member_area", False):
            return "/members/"
        return super().get_login_redirect_url(request)


class MFAAdapter(DefaultMFAAdapter):
    """Staff and councillors may not turn two-factor sign-in off while it is required."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "You cannot turn off two-factor authentication: staff and councillors must use it"
        ),
        "incorrect_code": "Enter the 6-digit code from your authenticator app correctly",
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        user = authenticator.user
        if settings.STAFF_MFA_REQUIRED and user.is_privileged and authenticator.type == Authenticator.Type.TOTP:
            return False
        return super().can_delete_authenticator(authenticator)
