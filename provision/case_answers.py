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
    from oxtom.cases.owners import CaseAnswers
    from oxtom.core.answers import Link, Row

    if case.service.code != CONTRACT_REVIEW_SERVICE or audience != "staff":
        return None
    reference = (case.answers or {}).get("contract", "")
    contract = (Contract.objects.select_related("category").prefetch_related("suppliers", "kpis")
                .filter(reference=reference).first())
    if contract is None:
        return CaseAnswers(rows=(Row("Contract", f"{reference} (no longer in the register)"),))
    reviews = list(SupplierReview.objects.filter(contract=contract).order_by("-period_end")[:4])
    peers = list(Contract.objects.filter(category=contract.category).exclude(pk=contract.pk)
                 .values_list("current_value_pence", "start_date", "end_date"))
    years = [(end - start).days / 365.25 for _, start, end in peers]
    rows = [
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
    return CaseAnswers(rows=tuple(rows))
