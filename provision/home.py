"""The staff home's provision section: contracts a person manages and extensions waiting for their signature."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import selectors
from .models import Contract

SHOWN = 10


def my_contracts(request: HttpRequest) -> dict[str, Any] | None:
    """Nothing (and one query) for someone who manages no contract and approves nothing."""
    user = request.user
    contracts = list(Contract.objects.filter(contract_manager=user).select_related("category")
                     .order_by("end_date", "id")[:SHOWN])
    approvals = selectors.approvals_for(user)
    if not contracts and not approvals:
        return None
    return {"rows": [{"contract": c, "runway": selectors.runway_of(c)} for c in contracts], "approvals": approvals}
