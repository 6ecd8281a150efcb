"""Reads of the provision records: contracts a person may see, the hub's dashboard and spend reports.

Every figure is computed in the database with a constant number of queries, whatever the size of
the spend table (indexes on (match, paid_on), (supplier, paid_on) and (contract, paid_on)).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Case, CharField, Count, DateField, DurationField, ExpressionWrapper, F, Func, \
    IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Least
from django.http import Http404
from django.utils import timezone

from . import rules
from .models import (
    ON_CONTRACT, Contract, ContractAmendment, ExtensionApproval, ExtensionRequest, Match, SpendKind, SpendLine,
    Supplier, name_key,
)
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


LOOKALIKE_BLOCKS_PER_PAGE = 100
LOOKALIKE_PER_BLOCK = 200  # a block's first suppliers by id; a bigger block is compared on its next page


@dataclass
class LookalikePage:
    pairs: list[tuple[Supplier, Supplier, int, str]]
    cursor: str  # the last name block on this page; "" when there are no more


def lookalike_suppliers(*, threshold: int = 90, limit: int = 50, after: str = "",
                        blocks: int | None = None) -> LookalikePage:
    """Pairs of live suppliers that look like one organisation, in 5 queries however many suppliers there are.

    The same Companies House or charity number (grouped in the database, first page only), or names that score
    `threshold` or more on rapidfuzz's token-sort ratio within one name block (Supplier.name_block, indexed:
    the first letters of the name without punctuation or legal suffixes). Pages by block (keyset on the block).
    """
    from django.db.models import Window
    from django.db.models.functions import RowNumber
    from rapidfuzz import fuzz, process

    blocks = blocks or LOOKALIKE_BLOCKS_PER_PAGE
    live = Supplier.objects.live()
    fields = ("id", "name", "finance_id", "companies_house_number", "charity_number", "postcode", "name_block")
    pairs: dict[tuple[int, int], tuple[Supplier, Supplier, int, str]] = {}
    if not after:
        same = Q()
        numbers = {}
        for field_name, label in (("companies_house_number", "Same Companies House number"),
                                  ("charity_number", "Same charity number")):
            shared = list(live.exclude(**{field_name: ""}).values_list(field_name, flat=True).order_by(field_name)
                          .annotate(n=Count("id")).filter(n__gt=1)[:limit])
            numbers[field_name] = (set(shared), label)
            if shared:
                same |= Q(**{f"{field_name}__in": shared})
        if same:
            groups: dict[tuple[str, str], list[Supplier]] = {}
            for s in live.filter(same).only(*fields).order_by("id")[:limit * 4]:
                for field_name, (shared, label) in numbers.items():
                    if getattr(s, field_name) in shared:
                        groups.setdefault((label, getattr(s, field_name)), []).append(s)
            for (label, _), members in groups.items():
                for other in members[1:]:
                    pairs.setdefault((members[0].pk, other.pk), (members[0], other, 100, label))
    page_blocks = list(live.exclude(name_block="").filter(name_block__gt=after[:4]).values_list("name_block", flat=True)
                       .order_by("name_block").annotate(n=Count("id")).filter(n__gt=1)[:blocks + 1])
    more = len(page_blocks) > blocks
    page_blocks = page_blocks[:blocks]
    by_block: dict[str, list[Supplier]] = {}
    if page_blocks:
        members = (live.filter(name_block__in=page_blocks).only(*fields)
                   .annotate(place=Window(RowNumber(), partition_by=[F("name_block")], order_by=F("id").asc()))
                   .filter(place__lte=LOOKALIKE_PER_BLOCK).order_by("name_block", "id"))
        for s in members:
            by_block.setdefault(s.name_block, []).append(s)
    for block in by_block.values():
        names = [name_key(s.name) for s in block]
        for i, s in enumerate(block):
            for _, score, j in process.extract(names[i], names, scorer=fuzz.token_sort_ratio, limit=6,
                                               score_cutoff=threshold):
                if j > i and (s.pk, block[j].pk) not in pairs:
                    pairs[(s.pk, block[j].pk)] = (s, block[j], int(score), "Names look alike")
    ordered = sorted(pairs.values(), key=lambda p: (-p[2], p[0].name))[:limit]
    return LookalikePage(ordered, page_blocks[-1] if more and page_blocks else "")


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


def supplier_search(query: str, *, limit: int = 200) -> tuple[list[Supplier], list[Supplier]]:
    """Live suppliers by name or finance number, and merged duplicates matching it (the supplier each became)."""
    suppliers = Supplier.objects.live().order_by("name", "id")
    if not query:
        return list(suppliers[:limit]), []
    matches = Q(name__icontains=query) | Q(finance_id__iexact=query)
    aliases = (Supplier.objects.filter(merged_into__isnull=False).filter(matches)
               .select_related("merged_into").order_by("name", "id")[:20])
    return list(suppliers.filter(matches)[:limit]), list(aliases)


def merge_pair(a: int, b: int) -> tuple[Supplier, Supplier]:
    """Two different suppliers to compare before a merge, in the order asked."""
    pair = {s.pk: s for s in Supplier.objects.select_related("customer", "merged_into").filter(pk__in=[a, b])}
    if a == b or len(pair) != 2:
        raise Http404("No such suppliers")
    return pair[a], pair[b]


def merged_alias(pk: int) -> Supplier:
    """A duplicate that has been merged, with the supplier it became."""
    alias = Supplier.objects.select_related("merged_into").filter(merged_into__isnull=False, pk=pk).first()
    if alias is None:
        raise Http404("No such merged supplier")
    return alias


# --- reviews due (contract managers' dashboard) -----------------------------------------------------------

REVIEWS_DUE_PER_PAGE = 25
REVIEWS_DUE_WINDOWS = (30, 60, 90, 180, 365)  # the choices of "the next N days"
REVIEWS_DUE_DEFAULT_DAYS = 90
_FAR = dt.date(9999, 12, 31)


class MonthsBefore(Func):
    """A date `months` whole months earlier, the month's last day where it is shorter (as rules.add_months),
    computed in the database so it can be filtered, ordered and paged on."""

    output_field = DateField()
    arity = 2

    def _parts(self, compiler, connection):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        months_sql, months_params = compiler.compile(self.source_expressions[1])
        return date_sql, list(date_params), months_sql, list(months_params)

    def as_postgresql(self, compiler, connection, **extra):
        d, dp, m, mp = self._parts(compiler, connection)
        return f"(({d}) - make_interval(months => ({m})::int))::date", dp + mp

    def as_sqlite(self, compiler, connection, **extra):
        d, dp, m, mp = self._parts(compiler, connection)
        same_day = (f"date({d}, 'start of month', '-' || ({m}) || ' months', "
                    f"'+' || (CAST(strftime('%%d', {d}) AS INTEGER) - 1) || ' days')")
        month_end = f"date({d}, 'start of month', '-' || ({m}) || ' months', '+1 month', '-1 day')"
        return f"min({same_day}, {month_end})", dp + mp + dp + dp + mp


class DueKind:
    REVIEW = "review"
    NOTICE = "notice"
    END = "end"
    LABELS = {REVIEW: "Contract review", NOTICE: "Runway starts: time to re-procure", END: "Contract ends"}
    ORDER = (REVIEW, NOTICE, END)


@dataclass
class DueRow:
    contract: Contract
    due_on: dt.date
    kind: str
    days_left: int
    runway: rules.RunwayState
    supplier_names: str

    @property
    def kind_label(self) -> str:
        return DueKind.LABELS[self.kind]


@dataclass
class ReviewsDuePage:
    rows: list[DueRow]
    counts: list[tuple[str, str, int]]  # (kind, label, contracts) for every kind, zeros included
    total: int
    cursor: str  # "YYYY-MM-DD.id" of the next page's start; "" on the last page
    days: int
    until: dt.date


def manages_contracts(user: Any) -> bool:
    """The hub, or someone who manages at least one contract: the people the reviews-due board is for."""
    if can_work_provision(user):
        return True
    return bool(getattr(user, "is_authenticated", False)) and Contract.objects.filter(contract_manager=user).exists()


def _due_contracts(user: Any, *, on: dt.date, until: dt.date) -> QuerySet[Contract]:
    """Live contracts the person may see whose review date, runway start (the notice to re-procure) or end date
    falls between `on` and `until`, each annotated with the earliest of those (due_on) and which it is."""
    def within(name: str):
        return Case(When(Q(**{f"{name}__gte": on, f"{name}__lte": until}), then=F(name)), default=Value(_FAR),
                    output_field=DateField())

    runway = F("category__lead_time_months") + F("category__mobilisation_months")
    contracts = (contracts_for_user(user).filter(end_date__gte=on)
                 .annotate(notice_date=MonthsBefore(F("end_date"), runway))
                 .annotate(review_in=within("review_date"), notice_in=within("notice_date"), end_in=within("end_date"))
                 .annotate(due_on=Least("review_in", "notice_in", "end_in"))
                 .filter(due_on__lte=until))
    return contracts.annotate(due_kind=Case(
        When(due_on=F("review_in"), then=Value(DueKind.REVIEW)),
        When(due_on=F("notice_in"), then=Value(DueKind.NOTICE)),
        default=Value(DueKind.END), output_field=CharField()))


def reviews_due(user: Any, *, days: int = REVIEWS_DUE_DEFAULT_DAYS, after: str = "",
                on: dt.date | None = None) -> ReviewsDuePage:
    """The contracts due for a review, a re-procurement notice or their end in the next `days` days, most urgent
    first, a page at a time (keyset on due date and id), with a count per kind: 3 queries whatever the size."""
    on = on or timezone.localdate()
    days = days if days in REVIEWS_DUE_WINDOWS else REVIEWS_DUE_DEFAULT_DAYS
    until = on + dt.timedelta(days=days)
    due = _due_contracts(user, on=on, until=until)
    totals = due.aggregate(**{kind: Count("id", filter=Q(due_kind=kind)) for kind in DueKind.ORDER})
    page = due.prefetch_related("suppliers").order_by("due_on", "id")
    if after:
        try:
            day, pk = after.split(".", 1)
            day_on, pk_n = dt.date.fromisoformat(day), int(pk)
        except ValueError:
            pass  # a bad cursor starts at the beginning
        else:
            page = page.filter(Q(due_on__gt=day_on) | Q(due_on=day_on, id__gt=pk_n))
    contracts = list(page[:REVIEWS_DUE_PER_PAGE + 1])
    more = len(contracts) > REVIEWS_DUE_PER_PAGE
    contracts = contracts[:REVIEWS_DUE_PER_PAGE]
    rows = [DueRow(c, c.due_on, c.due_kind, (c.due_on - on).days, runway_of(c, on),
                   ", ".join(s.public_name for s in c.suppliers.all())) for c in contracts]
    cursor = f"{contracts[-1].due_on.isoformat()}.{contracts[-1].pk}" if more else ""
    counts = [(kind, DueKind.LABELS[kind], totals[kind] or 0) for kind in DueKind.ORDER]
    return ReviewsDuePage(rows, counts, sum(n for _, _, n in counts), cursor, days, until)


def amendments_of(contract: Contract) -> list[ContractAmendment]:
    """The contract's history of changes (extensions and modifications), newest first, with who made each."""
    return list(contract.amendments.select_related("made_by").order_by("-made_at", "-id"))


def modification_limits(contract: Contract) -> dict:
    """What a modification of the contract may do: its value band around the awarded value, its latest end."""
    low, high = rules.value_band(contract.awarded_value_pence, contract.max_value_change_percent)
    return {"low_pence": low, "high_pence": high, "percent": contract.max_value_change_percent,
            "max_end_date": contract.max_end_date}
