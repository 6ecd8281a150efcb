"""Merging a duplicate supplier into the one the hub keeps (a write, like services.py; split out by what it does).

Everything the duplicate holds moves to the survivor: its contracts (each contract names the survivor once),
its spend lines, and its customer record's contacts and timeline (through the customer merge, which leaves a
tombstone). The duplicate itself is kept as an alias (`merged_into`), so its finance system number still
imports spend to the survivor and its published ids still find it. Refused, with nothing changed, when either
supplier is already an alias or a supplier is merged into itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.customers.services import MergeRefusedError, customer_merge

from .models import Contract, SpendLine, Supplier
from .services import _require_hub, _text

# Identifiers the survivor takes from the duplicate where it has none of its own.
FILL_BLANKS = ("companies_house_number", "charity_number", "ppon_id", "postcode")


@dataclass(frozen=True)
class MergeSummary:
    """What a merge would move (the confirmation page) or moved (the audit)."""

    contracts: int
    shared_contracts: int
    spend_lines: int
    spend_pence: int
    aliases: int


def merge_preview(*, source: Supplier, survivor: Supplier) -> MergeSummary:
    """What merging `source` into `survivor` would move: 3 queries."""
    links = Contract.suppliers.through.objects.filter(supplier=source)
    shared = links.filter(contract__suppliers=survivor).count()
    spend = SpendLine.objects.filter(supplier=source).aggregate(lines=Count("id"), total=Sum("amount_net_pence"))
    return MergeSummary(contracts=links.count(), shared_contracts=shared, spend_lines=spend["lines"] or 0,
                        spend_pence=spend["total"] or 0, aliases=source.aliases.count())


@transaction.atomic
def supplier_merge(*, source: Supplier, survivor: Supplier, reason: str, by: Any) -> Supplier:
    """Merge the duplicate `source` into `survivor`; returns the survivor. Audited on both records."""
    _require_hub(by)
    reason = _text(reason, field="reason", required="Say why these are the same organisation", max_length=500)
    if source.pk == survivor.pk:
        raise ValidationError({"keep": "Choose two different suppliers"})
    locked = {s.pk: s for s in Supplier.objects.select_for_update(of=("self",)).select_related("customer")
              .filter(pk__in=[source.pk, survivor.pk]).order_by("pk")}
    if len(locked) != 2:
        raise ValidationError({"keep": "One of these suppliers no longer exists"})
    source, survivor = locked[source.pk], locked[survivor.pk]
    for supplier in (source, survivor):
        if supplier.merged_into_id:
            raise ValidationError({"keep": f"{supplier.name} ({supplier.finance_id}) has already been merged into "
                                           "another supplier: merge into that one instead"})
    if source.is_individual != survivor.is_individual:
        raise ValidationError({"keep": "One is a sole trader and the other is not: check they really are the same "
                                       "supplier, and correct the record first"})
    moved = dict(vars(merge_preview(source=source, survivor=survivor)))
    through = Contract.suppliers.through
    # A contract naming both keeps one link (the survivor's); the rest of the duplicate's links move.
    through.objects.filter(supplier=source, contract__suppliers=survivor).delete()
    through.objects.filter(supplier=source).update(supplier=survivor)
    SpendLine.objects.filter(supplier=source).update(supplier=survivor)
    # Aliases of the duplicate now point straight at the survivor: following an alias is always one hop.
    Supplier.objects.filter(merged_into=source).update(merged_into=survivor)
    filled = []
    for name in FILL_BLANKS:
        if not getattr(survivor, name) and getattr(source, name):
            setattr(survivor, name, getattr(source, name))
            filled.append(name)
    if not survivor.division_id and source.division_id:  # the division the spend measures count it in
        survivor.division_id = source.division_id
        filled.append("division")
    now = timezone.now()
    source.merged_into, source.merged_at, source.modified_by = survivor, now, by
    source.save(update_fields=["merged_into", "merged_at", "modified_by", "modified_at"])
    survivor.modified_by = by
    survivor.save(update_fields=[*filled, "modified_by", "modified_at"])
    # The organisations' customer records: contacts and the timeline follow the survivor (the alias stays with the
    # tombstone, see apps._move_supplier).
    if source.customer_id != survivor.customer_id and not source.customer.is_tombstone \
            and not survivor.customer.is_tombstone:
        try:
            customer_merge(source=source.customer, survivor=survivor.customer, by=by)
        except MergeRefusedError as exc:
            raise ValidationError({"keep": exc.messages}) from None
    audit_record(by=by, action="merge", target=survivor, summary=f"Supplier {source.finance_id} merged into this one",
                 source=source.finance_id, survivor=survivor.finance_id, moved=moved, filled=filled, reason=reason)
    audit_record(by=by, action="merge", target=source, summary=f"Merged into supplier {survivor.finance_id}",
                 source=source.finance_id, survivor=survivor.finance_id, reason=reason)
    return survivor
