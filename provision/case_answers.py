"""A contract review case as its page shows it: the contract, the supplier's performance over the term and a
comparison with the category's other contracts (registered with oxtom/cases/owners.py in apps.ready())."""
from __future__ import annotations

import statistics
from typing import Any

from django.urls import reverse

from oxtom.core.money import pounds

from .models import Contract, SupplierReview
from .services import CONTRACT_REVIEW_SERVICE


def render_contract_review(case: Any, audience: str, user: Any):
    if not _is_review(case, audience):
        return None
    return render_many_contract_reviews([case], audience, user)[case.pk]


def _is_review(case: Any, audience: str) -> bool:
    return case.service.code == CONTRACT_REVIEW_SERVICE and audience == "staff"


def render_many_contract_reviews(cases: list, audience: str, user: Any) -> dict[int, Any]:
    """The contract reviews among `cases` (staff only), in five queries however many cases."""
    from oxtom.cases.owners import CaseAnswers
    from oxtom.core.answers import Row

    mine = [case for case in cases if _is_review(case, audience)]
    if not mine:
        return {}
    wanted = {str((case.answers or {}).get("contract", "")) for case in mine}
    contracts = {c.reference: c for c in Contract.objects.select_related("category")
                 .prefetch_related("suppliers", "kpis").filter(reference__in=wanted)}
    reviews: dict[int, list] = {}
    for review in SupplierReview.objects.filter(contract__in=contracts.values()).order_by("contract_id", "-period_end"):
        reviews.setdefault(review.contract_id, []).append(review)
    peers: dict[int, list] = {}
    for row in (Contract.objects.filter(category__in={c.category_id for c in contracts.values()})
                .values_list("category_id", "pk", "current_value_pence", "start_date", "end_date")):
        peers.setdefault(row[0], []).append(row[1:])
    result = {}
    for case in mine:
        reference = str((case.answers or {}).get("contract", ""))
        contract = contracts.get(reference)
        if contract is None:
            result[case.pk] = CaseAnswers(rows=(Row("Contract", f"{reference} (no longer in the register)"),))
            continue
        result[case.pk] = CaseAnswers(rows=tuple(_rows(
            contract, reviews.get(contract.pk, [])[:4],
            [(v, start, end) for pk, v, start, end in peers.get(contract.category_id, []) if pk != contract.pk])))
    return result


def _rows(contract: Contract, reviews: list, peers: list) -> list:
    from oxtom.core.answers import Link, Row

    years = [(end - start).days / 365.25 for _, start, end in peers]
    return [
        Row("Contract", f"{contract.reference}: {contract.title}",
            (Link("Open the contract", reverse("provision:contract", kwargs={"reference": contract.reference})),)),
        Row("Supplier", ", ".join(s.name for s in contract.suppliers.all())),
        Row("Value and term", f"{pounds(contract.current_value_pence, whole=True)}, {contract.start_date:%-d %B %Y} to "
                              f"{contract.end_date:%-d %B %Y}"),
        Row("KPIs", "\n".join(f"{k.name}: {k.target}" for k in contract.kpis.all()) or contract.no_kpi_reason
            or "None recorded"),
        Row("Performance reviews", "\n".join(f"To {r.period_end:%-d %B %Y}: {r.get_overall_display()}"
                                             for r in reviews) or "None yet"),
        Row(f"Other {contract.category.name.lower()} contracts",
            f"{len(peers)} contracts; median value {pounds(int(statistics.median(v for v, _, _ in peers)), whole=True)}, "
            f"median term {statistics.median(years):.1f} years" if peers else "None to compare with"),
    ]
