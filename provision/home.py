"""The staff home's provision section: contracts a person manages and extensions waiting for their signature."""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists
from django.http import HttpRequest

from . import selectors
from .models import Approver, Contract

SHOWN = 10


def my_contracts(request: HttpRequest) -> dict[str, Any] | None:
    """Nothing, for one query, for someone who manages no contract and signs for nothing (most staff)."""
    user = request.user
    flags = get_user_model().objects.filter(pk=user.pk).values(
        manages=Exists(Contract.objects.filter(contract_manager=user)),
        signs=Exists(Approver.objects.filter(user=user))).first()
    if not flags or not (flags["manages"] or flags["signs"]):
        return None
    contracts = list(Contract.objects.filter(contract_manager=user).select_related("category")
                     .order_by("end_date", "id")[:SHOWN])
    approvals = selectors.approvals_for(user)
    if not contracts and not approvals:
        return None
    return {"rows": [{"contract": c, "runway": selectors.runway_of(c)} for c in contracts], "approvals": approvals}
