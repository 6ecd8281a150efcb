"""Spend to contract: each spend line is matched by purchase order, then supplier with cost centre, then
supplier, or marked off contract (the supplier has contracts, none covering this spend) or no contract."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from .models import Contract, Match, PurchaseOrder


def match_lines(rows: list[dict[str, Any]]) -> list[tuple[Contract | None, str]]:
    """(contract, how) for each row: a constant number of queries whatever the number of rows."""
    orders = {r["purchase_order"] for r in rows if r.get("purchase_order")}
    by_order = {po.number: po.contract for po in PurchaseOrder.objects.filter(number__in=orders)
                .select_related("contract")} if orders else {}
    supplier_ids = {r["supplier"].pk for r in rows if r.get("supplier") is not None}
    contracts_of: dict[int, list[Contract]] = defaultdict(list)
    if supplier_ids:
        through = Contract.suppliers.through.objects.filter(supplier_id__in=supplier_ids).select_related("contract")
        for link in through:
            contracts_of[link.supplier_id].append(link.contract)
    out: list[tuple[Contract | None, str]] = []
    for row in rows:
        contract = by_order.get(row.get("purchase_order") or "")
        if contract is not None:
            out.append((contract, Match.PURCHASE_ORDER))
            continue
        supplier = row.get("supplier")
        if supplier is None:
            out.append((None, Match.NO_CONTRACT))
            continue
        theirs = contracts_of.get(supplier.pk, [])
        if not theirs:
            out.append((None, Match.NO_CONTRACT))
            continue
        day = row["paid_on"]
        live = [c for c in theirs if c.start_date <= day <= c.end_date]
        by_centre = [c for c in live if row["cost_centre"] in (c.cost_centres or [])]
        if by_centre:
            out.append((_earliest_ending(by_centre), Match.SUPPLIER_COST_CENTRE))
        elif live:
            out.append((_earliest_ending(live), Match.SUPPLIER))
        else:
            out.append((None, Match.OFF_CONTRACT))
    return out


def _earliest_ending(contracts: list[Contract]) -> Contract:
    return min(contracts, key=lambda c: (c.end_date, c.pk))
