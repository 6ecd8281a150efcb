"""Signal receivers for sign-up and sign-in. Thin: they call services and set session markers."""
from __future__ import annotations

import time

from allauth.account.signals import user_signed_up
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from oxtom.customers.services import customer_ensure_for_user

from .middleware import MFA_OK_KEY, SESSION_SEEN_KEY, SESSION_STARTED_KEY


@receiver(user_signed_up, dispatch_uid="oxtom.accounts.customer_for_new_account")
def customer_for_new_account(sender, request, user, **kwargs) -> None:
    """Every resident who signs up gets their customer record, the one advisers see."""
    customer_ensure_for_user(user=user, by=user)


@receiver(user_logged_in, dispatch_uid="oxtom.accounts.start_session_clock")
def start_session_clock(sender, request, user, **kwargs) -> None:
    """The absolute session timeout counts from sign-in, not from the first page seen."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_SEEN_KEY] = now
    request.session.pop(MFA_OK_KEY, None)


@receiver([authenticator_added, authenticator_removed], dispatch_uid="oxtom.accounts.forget_mfa_check")
def forget_mfa_check(sender, request, user, **kwargs) -> None:
    """Re-check two-factor set-up on the next request after it changes."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(MFA_OK_KEY, None)
