"""Provision measures for the performance framework: spend on contract, off-contract spend, SME, VCSE and local
shares, prompt payment, and spend with the suppliers located in each division.

Registered with performance's measures registry (performance/registry.py) from ProvisionConfig.ready(); the
Measure rows come from migration 0007. Spend counts in the month it was paid (SpendLine.paid_on), net of VAT,
accounts payable and card lines alike (as the hub's dashboard counts it). Two grouped queries per run, whatever
the number of spend lines: one by month x match x SME x VCSE x local x supplier's division, one of the invoices
paid by month.

The county's shares and the prompt-payment rate are county figures only: a division has no share of its own.
The division figure is "spend with suppliers located in the division": each supplier counts in the division
its postcode lies in (Supplier.division, set by the places app's division lookup, the one the customer
record and the public division finder use); its county figure is the spend with suppliers located in any of
the county's divisions. Its base is how many suppliers the figure rests on, so a division figure resting on
one to four suppliers (which could be one sole trader's income) is suppressed on the public pages.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db.models import BooleanField, Case, Count, F, IntegerField, Q, Sum, Value, When

DIRECTORATE = "Resources"
OWNER = "Head of Procurement"

MEASURES = [
    dict(code="provision-spend", name="Third-party spend", unit="pounds", polarity="neutral",
         definition="What the council paid its suppliers in the month (accounts payable and procurement cards).",
         calculation="Sum of spend lines paid in the month, net of recoverable VAT.", display_order=160),
    dict(code="provision-spend-on-contract", name="Spend on contract", unit="pounds", polarity="higher",
         is_public=False, definition="Spend in the month matched to a contract (by purchase order, supplier and "
                                     "cost centre, or supplier).",
         calculation="Sum of spend lines paid in the month that were matched to a contract.", display_order=161),
    dict(code="provision-off-contract-spend", name="Off-contract and non-contract spend", unit="pounds",
         polarity="lower", definition="Spend in the month with no contract behind it: with a supplier whose "
                                      "contracts do not cover it, or with a supplier the council has no contract with.",
         calculation="Sum of spend lines paid in the month marked off contract or no contract.", display_order=163),
    dict(code="provision-spend-sme", name="Spend with SMEs", unit="pounds", polarity="higher", is_public=False,
         definition="Spend in the month with suppliers recorded as small or medium-sized enterprises.",
         calculation="Sum of spend lines paid in the month to suppliers flagged SME (with evidence).",
         display_order=164),
    dict(code="provision-spend-vcse", name="Spend with VCSE organisations", unit="pounds", polarity="higher",
         is_public=False, definition="Spend in the month with voluntary, community and social enterprise "
                                     "organisations.",
         calculation="Sum of spend lines paid in the month to suppliers flagged VCSE (with evidence).",
         display_order=166),
    dict(code="provision-spend-local", name="Spend with Oxfordshire suppliers", unit="pounds", polarity="higher",
         is_public=False, definition="Spend in the month with suppliers whose postcode is in Oxfordshire (OX).",
         calculation="Sum of spend lines paid in the month to suppliers with an OX postcode.", display_order=168),
    dict(code="provision-invoices-paid", name="Invoices paid", unit="count", polarity="neutral", is_public=False,
         definition="Supplier invoices (accounts payable lines with an invoice date) paid in the month.",
         calculation="Count of accounts payable lines with an invoice date, paid in the month.", display_order=170),
    dict(code="provision-invoices-paid-within-30-days", name="Invoices paid within 30 days", unit="count",
         polarity="higher", is_public=False,
         definition="Supplier invoices paid in the month within 30 days of the invoice date.",
         calculation="Count of accounts payable lines paid no more than 30 days after their invoice date.",
         display_order=171),
    dict(code="provision-spend-with-division-suppliers", name="Spend with suppliers located in the division",
         unit="pounds", polarity="higher",
         definition="What the council paid in the month to suppliers based in the division (by the supplier's "
                    "postcode); for the county, to suppliers based in any of its divisions.",
         calculation="Sum of spend lines paid in the month to suppliers whose postcode lies in the division. "
                     "Figures resting on fewer than 5 suppliers are not shown.", display_order=173),
]
DERIVED = [
    dict(code="provision-on-contract-percent", name="Spend on contract (percentage)", unit="percent", precision=1,
         polarity="higher", numerator="provision-spend-on-contract", denominator="provision-spend", multiplier=100,
         definition="Of the council's third-party spend in the month, the percentage matched to a contract.",
         calculation="Spend on contract divided by third-party spend, times 100.", display_order=162),
    dict(code="provision-sme-share", name="Spend with SMEs (percentage)", unit="percent", precision=1,
         polarity="higher", numerator="provision-spend-sme", denominator="provision-spend", multiplier=100,
         definition="Of the council's third-party spend in the month, the percentage with SMEs.",
         calculation="Spend with SMEs divided by third-party spend, times 100.", display_order=165),
    dict(code="provision-vcse-share", name="Spend with VCSE organisations (percentage)", unit="percent",
         precision=1, polarity="higher", numerator="provision-spend-vcse", denominator="provision-spend",
         multiplier=100, definition="Of the council's third-party spend in the month, the percentage with "
                                    "voluntary, community and social enterprise organisations.",
         calculation="Spend with VCSE organisations divided by third-party spend, times 100.", display_order=167),
    dict(code="provision-local-share", name="Spend with Oxfordshire suppliers (percentage)", unit="percent",
         precision=1, polarity="higher", numerator="provision-spend-local", denominator="provision-spend",
         multiplier=100, definition="Of the council's third-party spend in the month, the percentage with "
                                    "suppliers based in Oxfordshire.",
         calculation="Spend with suppliers with an OX postcode divided by third-party spend, times 100.",
         display_order=169),
    dict(code="provision-paid-within-30-days-percent", name="Invoices paid within 30 days (percentage)",
         unit="percent", precision=1, polarity="higher", numerator="provision-invoices-paid-within-30-days",
         denominator="provision-invoices-paid", multiplier=100,
         definition="Of the supplier invoices paid in the month, the percentage paid within 30 days of the "
                    "invoice date.",
         calculation="Invoices paid within 30 days divided by invoices paid, times 100.", display_order=172),
]

FRAME = ["month", "division_id", "value", "base"]


def _bucket(ctx) -> tuple[Case, dt.date, dt.date]:
    """Each line's month as an index into the run's months (a CASE on the date, one scan), and the window."""
    from .rules import add_months

    bounds = [add_months(m, 1) for m in ctx.months]
    bucket = Case(*[When(paid_on__lt=bound, then=Value(i)) for i, bound in enumerate(bounds)], default=Value(-1),
                  output_field=IntegerField())
    return bucket, ctx.months[0], bounds[-1]


def _spend(ctx) -> pd.DataFrame:
    """Spend per month x match x SME x VCSE x local x the supplier's division (pence, lines, suppliers)."""
    from .models import ON_CONTRACT, SpendLine

    def load() -> pd.DataFrame:
        bucket, start, end = _bucket(ctx)
        local = Case(When(supplier__postcode__iregex=r"^OX[0-9]", then=Value(True)), default=Value(False),
                     output_field=BooleanField())
        on_contract = Case(When(match__in=ON_CONTRACT, then=Value(True)), default=Value(False),
                           output_field=BooleanField())
        keys = ["bucket", "on_contract", "sme", "vcse", "local", "division_id"]
        rows = list(SpendLine.objects.filter(paid_on__gte=start, paid_on__lt=end)
                    .annotate(bucket=bucket, on_contract=on_contract, local=local, sme=F("supplier__is_sme"),
                              vcse=F("supplier__is_vcse"), division_id=F("supplier__division_id"))
                    .order_by().values(*keys)
                    .annotate(pence=Sum("amount_net_pence"), lines=Count("id"))
                    .values_list(*keys, "pence", "lines"))
        periods = [pd.Period(m, freq="M") for m in ctx.months]
        frame = pd.DataFrame([(periods[b], *rest) for b, *rest in rows if b >= 0],
                             columns=["month", *keys[1:], "pence", "lines"])
        for flag in ("on_contract", "sme", "vcse", "local"):
            frame[flag] = frame[flag].fillna(False).astype(bool)
        return frame

    return ctx.cached("provision:spend", load)


def _county(ctx, frame: pd.DataFrame, *, value: str, base: str) -> pd.DataFrame:
    """A county-only figure per month: the sum of `value` (pence become pounds) resting on the sum of `base`."""
    sums = frame.groupby("month")[list(dict.fromkeys([value, base]))].sum().reindex(ctx.month_index, fill_value=0)
    scale = 100.0 if value == "pence" else 1.0
    return pd.DataFrame({"month": sums.index, "division_id": None, "value": sums[value].to_numpy(dtype=float) / scale,
                         "base": sums[base].to_numpy(dtype=float)})[FRAME]


def _spend_measure(where=None):
    def compute(ctx) -> pd.DataFrame:
        frame = _spend(ctx)
        return _county(ctx, frame if where is None else frame[where(frame)], value="pence", base="lines")

    return compute


def spend_with_division_suppliers(ctx) -> pd.DataFrame:
    """Per division: spend with the suppliers located there, resting on how many suppliers; the county: with
    suppliers located in any of its divisions. A supplier is in one division, so the suppliers add up."""
    frame = _spend(ctx)
    frame = frame[frame["division_id"].isin(ctx.division_ids)]
    grid = pd.MultiIndex.from_product([ctx.month_index, ctx.division_ids], names=["month", "division_id"])
    per = frame.groupby(["month", "division_id"])[["pence"]].sum().reindex(grid, fill_value=0)
    # One supplier appears in several groups of a month (on and off contract, say): counted once, in SQL.
    suppliers = _distinct_suppliers(ctx)
    suppliers = suppliers[suppliers["division_id"].isin(ctx.division_ids)]
    per["suppliers"] = suppliers.groupby(["month", "division_id"])["n"].sum().reindex(grid, fill_value=0)
    county = per.groupby(level="month").sum().reindex(ctx.month_index, fill_value=0)
    return ctx.long(county_value=county["pence"] / 100.0, county_base=county["suppliers"],
                    division_value=per["pence"] / 100.0, division_base=per["suppliers"])


def _distinct_suppliers(ctx) -> pd.DataFrame:
    """How many different suppliers were paid per month x division (one small grouped query)."""
    from .models import SpendLine

    def load() -> pd.DataFrame:
        bucket, start, end = _bucket(ctx)
        rows = list(SpendLine.objects.filter(paid_on__gte=start, paid_on__lt=end, supplier__division__isnull=False)
                    .annotate(bucket=bucket).order_by().values("bucket", "supplier__division_id")
                    .annotate(n=Count("supplier_id", distinct=True)).values_list("bucket", "supplier__division_id", "n"))
        periods = [pd.Period(m, freq="M") for m in ctx.months]
        return pd.DataFrame([(periods[b], d, n) for b, d, n in rows if b >= 0],
                            columns=["month", "division_id", "n"])

    return ctx.cached("provision:suppliers", load)


def _invoices(ctx) -> pd.DataFrame:
    """Accounts payable lines with an invoice date, per month paid: how many, and how many within 30 days."""
    from .models import SpendKind, SpendLine
    from .rules import PROMPT_PAYMENT_DAYS

    def load() -> pd.DataFrame:
        bucket, start, end = _bucket(ctx)
        within = Q(paid_on__lte=F("invoice_date") + dt.timedelta(days=PROMPT_PAYMENT_DAYS))
        rows = list(SpendLine.objects.filter(kind=SpendKind.PAYABLE, invoice_date__isnull=False, paid_on__gte=start,
                                             paid_on__lt=end)
                    .annotate(bucket=bucket).order_by().values("bucket")
                    .annotate(n=Count("id"), within=Count("id", filter=within)).values_list("bucket", "n", "within"))
        periods = [pd.Period(m, freq="M") for m in ctx.months]
        return pd.DataFrame([(periods[b], n, w) for b, n, w in rows if b >= 0], columns=["month", "n", "within"])

    return ctx.cached("provision:invoices", load)


def _invoice_measure(column: str):
    def compute(ctx) -> pd.DataFrame:
        return _county(ctx, _invoices(ctx), value=column, base="n")

    return compute


def register() -> None:
    from performance.registry import is_registered
    from performance.registry import register as register_measure

    if is_registered("provision-spend"):  # ready() may run twice
        return
    register_measure("provision-spend")(_spend_measure())
    register_measure("provision-spend-on-contract")(_spend_measure(lambda f: f["on_contract"]))
    register_measure("provision-off-contract-spend")(_spend_measure(lambda f: ~f["on_contract"]))
    register_measure("provision-spend-sme")(_spend_measure(lambda f: f["sme"]))
    register_measure("provision-spend-vcse")(_spend_measure(lambda f: f["vcse"]))
    register_measure("provision-spend-local")(_spend_measure(lambda f: f["local"]))
    register_measure("provision-invoices-paid")(_invoice_measure("n"))
    register_measure("provision-invoices-paid-within-30-days")(_invoice_measure("within"))
    register_measure("provision-spend-with-division-suppliers")(spend_with_division_suppliers)
