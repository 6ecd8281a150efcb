"""Reads of the provision records: contracts a person may see, the hub's dashboard and spend reports.

Every figure is computed in the database with a constant number of queries, whatever the size of
the spend table (indexes on (match, paid_on), (supplier, paid_on) and (contract, paid_on)).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, QuerySet, Sum, \
    Value, When
from django.http import Http404
from django.utils import timezone

from . import rules
from .models import ON_CONTRACT, Contract, ExtensionApproval, ExtensionRequest, Match, SpendKind, SpendLine, Supplier
from .services import can_work_provision

CONTRACTS_PER_PAGE = 50


def contracts_for_user(user: Any) -> QuerySet[Contract]:
    """The hub sees every contract; a contract manager sees the contracts they manage; others none."""
    base = Contract.objects.select_related("category", "contract_manager")
    if can_work_provision(user):
        return base
    if getattr(user, "is_authenticated", False):
        return base.filter(contract_manager=user)
    return base.none()


def get_contract_for_user(user: Any, reference: str) -> Contract:
    contract = contracts_for_user(user).filter(reference=reference[:30]).first()
    if contract is None:
        raise Http404("No such contract")
    return contract


def runway_of(contract: Contract, on: dt.date | None = None) -> rules.RunwayState:
    return rules.runway(end_date=contract.end_date, runway_months=contract.category.runway_months,
                        decided=bool(contract.end_decision), on=on or timezone.localdate())


@dataclass
class ContractRow:
    contract: Contract
    runway: rules.RunwayState
    supplier_names: str


def contract_page(user: Any, *, after: str = "", query: str = "", category: str = "",
                  on: dt.date | None = None) -> tuple[list[ContractRow], str]:
    """One page of contracts by end date (keyset: "YYYY-MM-DD.id"); and the cursor of the next page."""
    on = on or timezone.localdate()
    contracts = contracts_for_user(user).prefetch_related("suppliers").order_by("end_date", "id")
    if query:
        contracts = contracts.filter(Q(reference__icontains=query[:50]) | Q(title__icontains=query[:50]))
    if category:
        contracts = contracts.filter(category__slug=category[:60])
    if after:
        try:
            day, pk = after.split(".", 1)
            contracts = contracts.filter(Q(end_date__gt=dt.date.fromisoformat(day)) |
                                         Q(end_date=dt.date.fromisoformat(day), id__gt=int(pk)))
        except ValueError:
            pass  # a bad cursor starts at the beginning
    page = list(contracts[:CONTRACTS_PER_PAGE + 1])
    more = len(page) > CONTRACTS_PER_PAGE
    page = page[:CONTRACTS_PER_PAGE]
    rows = [ContractRow(c, runway_of(c, on), ", ".join(s.public_name for s in c.suppliers.all())) for c in page]
    cursor = f"{page[-1].end_date.isoformat()}.{page[-1].pk}" if more else ""
    return rows, cursor


def contract_spend_to_date(contract: Contract) -> int:
    return SpendLine.objects.filter(contract=contract).aggregate(total=Sum("amount_net_pence"))["total"] or 0


@dataclass
class Dashboard:
    expiring: list[ContractRow]
    ended_undecided: list[ContractRow]
    spend_12m: int
    on_contract_12m: int
    off_contract_12m: int
    no_contract_12m: int
    sme_12m: int
    vcse_12m: int
    local_12m: int
    top_suppliers: list[dict]
    top_share: float
    paid_within_30: float | None
    average_days_to_pay: float | None

    @property
    def coverage(self) -> float | None:
        return self.on_contract_12m / self.spend_12m if self.spend_12m else None

    def _share(self, pence: int) -> float | None:
        return pence / self.spend_12m if self.spend_12m else None

    @property
    def sme_share(self) -> float | None:
        return self._share(self.sme_12m)

    @property
    def vcse_share(self) -> float | None:
        return self._share(self.vcse_12m)

    @property
    def local_share(self) -> float | None:
        return self._share(self.local_12m)


def dashboard(*, on: dt.date | None = None) -> Dashboard:
    """The hub's dashboard: 8 queries whatever the number of contracts and spend lines."""
    on = on or timezone.localdate()
    since = rules.add_months(on, -12)
    until = rules.add_months(on, rules.EXPIRING_WINDOW_MONTHS)
    window = Contract.objects.select_related("category").prefetch_related("suppliers")
    expiring = [ContractRow(c, runway_of(c, on), ", ".join(s.public_name for s in c.suppliers.all()))
                for c in window.filter(end_date__gte=on, end_date__lte=until).order_by("end_date", "id")[:100]]
    ended = [ContractRow(c, runway_of(c, on), ", ".join(s.public_name for s in c.suppliers.all()))
             for c in window.filter(end_date__lt=on, end_decision="").order_by("-end_date", "id")[:50]]
    spend = SpendLine.objects.filter(paid_on__gt=since, paid_on__lte=on)
    totals = spend.aggregate(
        total=Sum("amount_net_pence"),
        on_contract=Sum("amount_net_pence", filter=Q(match__in=ON_CONTRACT)),
        off_contract=Sum("amount_net_pence", filter=Q(match=Match.OFF_CONTRACT)),
        no_contract=Sum("amount_net_pence", filter=Q(match=Match.NO_CONTRACT)),
        sme=Sum("amount_net_pence", filter=Q(supplier__is_sme=True)),
        vcse=Sum("amount_net_pence", filter=Q(supplier__is_vcse=True)),
        local=Sum("amount_net_pence", filter=Q(supplier__postcode__istartswith="OX")),
    )
    total = totals["total"] or 0
    top = list(spend.filter(supplier__isnull=False).values("supplier__name", "supplier__is_individual")
               .annotate(total=Sum("amount_net_pence")).order_by("-total")[:10])
    for row in top:
        row["name"] = "Redacted personal data" if row["supplier__is_individual"] else row["supplier__name"]
    payments = _payment_figures(spend.filter(kind=SpendKind.PAYABLE))
    return Dashboard(
        expiring=expiring, ended_undecided=ended, spend_12m=total, on_contract_12m=totals["on_contract"] or 0,
        off_contract_12m=totals["off_contract"] or 0, no_contract_12m=totals["no_contract"] or 0,
        sme_12m=totals["sme"] or 0, vcse_12m=totals["vcse"] or 0, local_12m=totals["local"] or 0,
        top_suppliers=top, top_share=(sum(r["total"] for r in top) / total) if total else 0.0,
        paid_within_30=payments["within_30"], average_days_to_pay=payments["average_days"])


def _days_to_pay():
    return ExpressionWrapper(F("paid_on") - F("invoice_date"), output_field=DurationField())


def _payment_figures(lines: QuerySet[SpendLine]) -> dict:
    """Average days from invoice to payment and the share paid within 30 days (lines with an invoice date)."""
    figures = lines.filter(invoice_date__isnull=False).annotate(days=_days_to_pay()).aggregate(
        count=Count("id"), average=Avg("days"),
        within=Count("id", filter=Q(paid_on__lte=F("invoice_date") + dt.timedelta(days=rules.PROMPT_PAYMENT_DAYS))),
    )
    count = figures["count"] or 0
    average = figures["average"]
    return {"count": count, "within_30": (figures["within"] / count) if count else None,
            "average_days": (average.total_seconds() / 86400 if isinstance(average, dt.timedelta) else average)
            if count else None}


def payment_performance(*, start: dt.date, end: dt.date) -> dict:
    """The payments-compliance figures for a period: average days to pay, and % in 0-30, 31-60, 61+ days,
    overall and by directorate (one grouped query)."""
    lines = SpendLine.objects.filter(kind=SpendKind.PAYABLE, paid_on__gte=start, paid_on__lte=end,
                                     invoice_date__isnull=False)
    thirty = dt.timedelta(days=30)
    sixty = dt.timedelta(days=60)
    band = Case(When(paid_on__lte=F("invoice_date") + thirty, then=Value(0)),
                When(paid_on__lte=F("invoice_date") + sixty, then=Value(1)), default=Value(2),
                output_field=IntegerField())
    grouped = (lines.annotate(band=band, days=_days_to_pay()).values("directorate")
               .annotate(count=Count("id"), average=Avg("days"), b0=Count("id", filter=Q(band=0)),
                         b1=Count("id", filter=Q(band=1)), b2=Count("id", filter=Q(band=2)))
               .order_by("directorate"))
    rows, overall = [], {"count": 0, "b0": 0, "b1": 0, "b2": 0, "days": 0.0}
    for row in grouped:
        average = row["average"]
        days = average.total_seconds() / 86400 if isinstance(average, dt.timedelta) else float(average or 0)
        rows.append({"directorate": row["directorate"], "count": row["count"], "average_days": days,
                     "within_30": row["b0"] / row["count"], "days_31_60": row["b1"] / row["count"],
                     "days_61_plus": row["b2"] / row["count"]})
        overall["count"] += row["count"]
        overall["days"] += days * row["count"]
        for key in ("b0", "b1", "b2"):
            overall[key] += row[key]
    n = overall["count"]
    total = {"count": n, "average_days": overall["days"] / n if n else None,
             "within_30": overall["b0"] / n if n else None, "days_31_60": overall["b1"] / n if n else None,
             "days_61_plus": overall["b2"] / n if n else None}
    return {"rows": rows, "total": total}


def off_contract_report(*, month: dt.date) -> dict:
    """The monthly off-contract and no-contract spend by directorate and by supplier (3 grouped queries)."""
    start = month.replace(day=1)
    end = rules.add_months(start, 1) - dt.timedelta(days=1)
    lines = SpendLine.objects.filter(paid_on__gte=start, paid_on__lte=end, match__in=[Match.OFF_CONTRACT,
                                                                                       Match.NO_CONTRACT])
    by_directorate = list(lines.values("directorate").annotate(
        off=Sum("amount_net_pence", filter=Q(match=Match.OFF_CONTRACT)),
        none=Sum("amount_net_pence", filter=Q(match=Match.NO_CONTRACT)), lines=Count("id")).order_by("directorate"))
    by_supplier = list(lines.values("payee_name", "supplier__is_individual", "match").annotate(
        total=Sum("amount_net_pence"), lines=Count("id")).order_by("-total")[:100])
    for row in by_supplier:
        if row["supplier__is_individual"]:
            row["payee_name"] = "Redacted personal data"
    total = lines.aggregate(total=Sum("amount_net_pence"))["total"] or 0
    return {"start": start, "end": end, "by_directorate": by_directorate, "by_supplier": by_supplier,
            "total": total}


def cumulative_without_contract(*, on: dt.date | None = None, limit: int = 100) -> list[dict]:
    """Suppliers whose rolling 12-month spend with no contract crosses a procurement threshold (split orders)."""
    on = on or timezone.localdate()
    since = rules.add_months(on, -12)
    rows = (SpendLine.objects.filter(paid_on__gt=since, paid_on__lte=on, supplier__isnull=False,
                                     match__in=[Match.OFF_CONTRACT, Match.NO_CONTRACT])
            .values("supplier_id", "supplier__name", "supplier__is_individual")
            .annotate(total=Sum("amount_net_pence"), lines=Count("id"))
            .filter(total__gt=rules.QUOTE_THRESHOLD_PENCE).order_by("-total")[:limit])
    out = []
    for row in rows:
        out.append({"name": "Redacted personal data" if row["supplier__is_individual"] else row["supplier__name"],
                    "total": row["total"], "lines": row["lines"], "threshold": rules.threshold_crossed(row["total"])})
    return out


def approvals_for(user: Any) -> list[ExtensionApproval]:
    """The extension approvals waiting for this person's signature (the next step of each pending request)."""
    from .models import Approver, ExtensionRequest

    roles = list(Approver.objects.filter(user=user).values_list("role", "category_id"))
    if not roles:
        return []
    waiting = (ExtensionApproval.objects.filter(decision="", request__status=ExtensionRequest.Status.PENDING)
               .select_related("request__contract__category").order_by("request__created_at", "step"))
    out, seen = [], set()
    for approval in waiting:
        if approval.request_id in seen:
            continue
        seen.add(approval.request_id)  # only the first unsigned step of each request is waiting
        if any(role == approval.role and (category is None or category == approval.request.contract.category_id)
               for role, category in roles):
            out.append(approval)
    return out


def lookalike_suppliers(*, threshold: int = 90, limit: int = 50) -> list[tuple[Supplier, Supplier, int, str]]:
    """Pairs of suppliers that look like one organisation: the same Companies House or charity number, or
    names that score `threshold` or more on rapidfuzz's token-sort ratio (blocked by first letter)."""
    from rapidfuzz import fuzz, process

    suppliers = list(Supplier.objects.only("id", "name", "companies_house_number", "charity_number", "postcode"))
    pairs: dict[tuple[int, int], tuple[Supplier, Supplier, int, str]] = {}
    for field_name, label in (("companies_house_number", "Same Companies House number"),
                              ("charity_number", "Same charity number")):
        seen: dict[str, Supplier] = {}
        for s in suppliers:
            key = getattr(s, field_name).strip().upper()
            if key and key in seen:
                pairs[(seen[key].pk, s.pk)] = (seen[key], s, 100, label)
            elif key:
                seen[key] = s
    blocks: dict[str, list[Supplier]] = {}
    for s in suppliers:
        blocks.setdefault(s.name[:1].upper(), []).append(s)
    for block in blocks.values():
        names = [s.name for s in block]
        for i, s in enumerate(block):
            for _, score, j in process.extract(s.name, names, scorer=fuzz.token_sort_ratio, limit=5,
                                               score_cutoff=threshold):
                if j > i and (s.pk, block[j].pk) not in pairs:
                    pairs[(s.pk, block[j].pk)] = (s, block[j], int(score), "Names look alike")
    return sorted(pairs.values(), key=lambda p: -p[2])[:limit]


def extension_check_of(contract: Contract, *, on: dt.date | None = None) -> rules.ExtensionCheck:
    """Whether the contract may be extended by one more option today, at its current value (the contract page)."""
    return rules.extension_check(
        end_date=contract.end_date, max_end_date=contract.max_end_date,
        options_left=contract.extension_options - contract.extensions_used, extension_months=contract.extension_months,
        current_value_pence=contract.current_value_pence, new_value_pence=contract.current_value_pence,
        max_value_change_percent=contract.max_value_change_percent, ended_on=on or timezone.localdate())


def pending_extension_of(contract: Contract) -> ExtensionRequest | None:
    """The contract's extension request waiting for approvals, with them."""
    return (contract.extension_requests.filter(status=ExtensionRequest.Status.PENDING)
            .prefetch_related("approvals").first())
