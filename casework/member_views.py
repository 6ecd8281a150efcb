"""Councillors' view of casework in their division (/members/).

Councillors see open cases in their own division, except special-category
cases not marked as shareable with them (selectors.case_visibility_q). They
see what the customer sees, never staff notes, and no customer contact
details: enough to answer "is the council dealing with it?" without
sharing more personal data than that needs.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from oxtom.accounts.decorators import member_area_required

from . import rules, selectors


@member_area_required
@require_GET
def division_cases(request: HttpRequest) -> HttpResponse:
    sla = request.GET.get("sla", "")
    filters = selectors.QueueFilters(sla=sla if sla in rules.SlaState.FILTERABLE else None)
    page = selectors.division_cases_page(user=request.user, filters=filters, cursor=request.GET.get("after", ""))
    base = {"sla": filters.sla} if filters.sla else {}
    return render(request, "casework/members/division_cases.html", {
        "division": request.user.member_division,
        "page": page,
        "sla_tabs": [
            {"state": s, "label": rules.SlaState.LABELS[s], "count": page.counts.get(s, 0),
             "href": "?" + urlencode({"sla": s}), "current": filters.sla == s}
            for s in rules.SlaState.FILTERABLE
        ],
        "next_href": "?" + urlencode({**base, "after": page.next_cursor}) if page.next_cursor else "",
        "first_href": "?" + urlencode(base) if request.GET.get("after") else "",
    })


@member_area_required
@require_GET
def division_case(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, reference)
    return render(request, "casework/members/case.html", {
        "case": case,
        "timeline": selectors.public_timeline(case),
        "sla_state": rules.SlaState.LABELS[rules.sla_state(status=case.status, due_at=case.due_at,
                                                           paused_on=case.paused_on)],
    })
