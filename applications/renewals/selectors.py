"""Reads for renewals."""
from __future__ import annotations

from .models import RenewalInvitation
from .tokens import hash_token, looks_like_token


def get_invitation_by_token(token: str) -> RenewalInvitation | None:
    """The invitation an email link opens, or None for a malformed, forged or unknown token.

    The token itself is never stored: its sha256 is looked up (unique index).
    """
    if not looks_like_token(token):
        return None
    return (
        RenewalInvitation.objects.select_related(
            "entitlement", "entitlement__service", "entitlement__superseded_by", "application",
            "renewed_entitlement",
        )
        .filter(token_hash=hash_token(token))
        .first()
    )


def invitations_open_for_customer(customer, *, limit: int | None = None) -> list[RenewalInvitation]:
    """The customer's invitations still waiting for a reply, soonest first (the first `limit` of them)."""
    return list(
        RenewalInvitation.objects.filter(entitlement__customer=customer, state__in=RenewalInvitation.OPEN_STATES,
                                         reply="")
        .select_related("entitlement", "entitlement__service", "entitlement__customer").order_by("due", "id")
        [:limit]
    )
