"""Helpers for sign-in tests: a clean rate-limit cache, and TOTP codes computed like an authenticator app."""
from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clean_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def totp_code(secret: str) -> str:
    """The code an authenticator app would show now: the current step of the clock allauth checks against.

    (The step is pinned for each test by the `totp_clock` fixture in tests/conftest.py; this once
    took the *earliest* accepted step, a code that expired as soon as the next step began.)
    """
    from allauth.mfa.totp.internal import auth

    counters = list(auth.yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


@pytest.fixture
def with_totp():
    """with_totp(user) -> secret: gives the user an activated authenticator app."""

    def _activate(user) -> str:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    return _activate
