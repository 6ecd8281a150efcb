"""Payment provider adapters, chosen by settings.PAYMENT_PROVIDER.

Each adapter offers create/get/refund for payments and create_agreement/get_agreement/
cancel_agreement/take_with_agreement for recurring card payments, and speaks GOV.UK Pay's shapes (amount in pence, reference,
description, return_url; state.status/finished/code/message; a next_url to
send the payer to), so services never care which one is behind them.
A payment remembers the provider it was created with, so switching the setting
never strands payments already under way.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


class ProviderError(Exception):
    """The provider could not be reached or answered in a way we can't use. Safe to retry."""


class ProviderRejected(ProviderError):
    """The provider refused the request (4xx); retrying the same request won't help."""


@dataclass(frozen=True)
class ProviderPayment:
    payment_id: str
    status: str
    finished: bool
    amount: int
    next_url: str = ""
    code: str = ""
    message: str = ""
    card_brand: str = ""
    last_four: str = ""
    refund_available: int | None = None


@dataclass(frozen=True)
class ProviderAgreement:
    agreement_id: str
    status: str  # created, active, cancelled, inactive (GOV.UK Pay's agreement states)
    card_brand: str = ""
    last_four: str = ""


@dataclass(frozen=True)
class ProviderRefund:
    refund_id: str
    status: str  # submitted, success or error
    amount: int


def get_provider(name: str | None = None):
    """The adapter for `name` (default: settings.PAYMENT_PROVIDER)."""
    name = name or settings.PAYMENT_PROVIDER
    if name == "sandbox":
        from .sandbox import SandboxProvider

        return SandboxProvider()
    if name == "govuk_pay":
        from .govuk_pay import GovukPayProvider

        return GovukPayProvider(base_url=settings.GOVUK_PAY_BASE_URL, api_key=settings.GOVUK_PAY_API_KEY)
    raise ValueError(f"Unknown payment provider {name!r}")
