"""Councillors' view of their own division (/members/division/) and a printable briefing.

The public figures plus what a councillor may see operationally: open
cases in the division (through casework's selectors, which apply the
special-category rules) and the enquiries they raised. Small numbers stay
suppressed, because briefings are printed and handed out.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from oxtom.cases import rules as case_rules
from oxtom.cases import selectors as case_selectors
from oxtom.accounts.decorators import member_area_required

from . import figures_cache, publication

CASES_SHOWN = 10


def _context(request: HttpRequest, *, cases: int, variant: str) -> dict:
    division = request.user.member_division
    if division is None:
        return {"division": None}
    # The figures come from the cache (they change once a night); the casework below stays live.
    figures, facts = figures_cache.division_figures(division, variant=variant)
    cases_page = case_selectors.division_cases_page(user=request.user, per_page=cases)
    return {
        "division": division,
        "page": facts,
        "figures": figures,
        "cases": cases_page,
        "open_cases": cases_page.total_shown,
        "latest_report": publication.latest_published(),
        "sla_counts": [(case_rules.SlaState.LABELS[s], cases_page.shown[s])
                       for s in case_rules.SlaState.FILTERABLE],
    }


@member_area_required
@require_GET
def my_division(request: HttpRequest) -> HttpResponse:
    context = _context(request, cases=CASES_SHOWN, variant="councillor")
    if context["division"] is not None:
        context["enquiries"] = case_selectors.member_enquiries(request.user, limit=CASES_SHOWN)
    return render(request, "performance/members/division.html", context)


@member_area_required
@require_GET
def briefing(request: HttpRequest) -> HttpResponse:
    # A handout for residents: the published measures only, and only those with figures, so it fits one page.
    return render(request, "performance/members/briefing.html", _context(request, cases=1, variant="briefing"))


# --- the Cabinet report, as published ------------------------------------------------------------


@member_area_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    """Every published Cabinet report, newest first: the dated series."""
    return render(request, "performance/members/reports.html", {"reports": publication.published_reports()})


@member_area_required
@require_GET
def report(request: HttpRequest, month: str) -> HttpResponse:
    """One published report, with its exceptions compared with the month before's."""
    report = publication.get_published_report(month)
    previous = publication.previous_published(report)
    return render(request, "performance/members/report.html", {
        "report": report, "content": report.content, "month": month,
        "comparison": publication.compare_exceptions(report, previous),
    })


@member_area_required
@require_GET
def report_pdf(request: HttpRequest, month: str) -> HttpResponse:
    report = publication.get_published_report(month, with_pdf=True)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="cabinet-performance-report-{month}.pdf"'
    return response
