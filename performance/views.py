"""Public division pages: the county overview, one division, and its figures as CSV.

No personal data: councillors' names (public office) and figures only,
with small numbers suppressed by the selectors.
"""
from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from oxtom.places.models import PostcodeCentroid
from oxtom.places.selectors import current_boundary_set, division_for_address, division_ids_for_points

from . import figures_cache, publication, selectors
from .forms import DivisionSearchForm

MAX_TOWN_POINTS = 2000


def _place_matches(query: str, divisions: list) -> list:
    """Divisions whose name or district contains the words typed, else those covering a post town's postcodes."""
    needle = query.lower()
    found = [d for d in divisions if needle in d.name.lower() or (d.locality and needle in d.locality.name.lower())]
    if found:
        return found
    boundary_set = current_boundary_set()
    if boundary_set is None:
        return []
    points = list(PostcodeCentroid.objects.filter(post_town__iexact=query)
                  .values_list("latitude", "longitude")[:MAX_TOWN_POINTS])
    ids = {pk for pk in division_ids_for_points(points, boundary_set=boundary_set) if pk}
    return [d for d in divisions if d.pk in ids]


@require_GET
def division_list(request: HttpRequest) -> HttpResponse:
    divisions = selectors.public_divisions()
    form = DivisionSearchForm(request.GET if "q" in request.GET else None)
    matches = None
    if form.is_bound and form.is_valid():
        if form.postcode:
            division = division_for_address(postcode=form.postcode)  # as the customer record does
            if division is not None:
                return redirect("performance:division", slug=division.slug)
            form.add_error("q", "We could not find a division for that postcode: check it is an Oxfordshire postcode")
        else:
            matches = _place_matches(form.cleaned_data["q"], divisions)
            if len(matches) == 1:
                return redirect("performance:division", slug=matches[0].slug)
            if not matches:
                form.add_error("q", "No division matches that place name: try a postcode or a town")
    return render(request, "performance/divisions.html", {
        "form": form, "divisions": divisions, "matches": matches, "county_figures": figures_cache.county_figures(),
    })


@require_GET
def division_detail(request: HttpRequest, slug: str) -> HttpResponse:
    division = selectors.get_public_division(slug)
    figures, facts = figures_cache.division_figures(division, variant="public")
    return render(request, "performance/division.html", {"page": facts, "figures": figures, "division": division})


@require_GET
def division_csv(request: HttpRequest, slug: str) -> HttpResponse:
    division = selectors.get_public_division(slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="division-{division.slug}.csv"'
    writer = csv.writer(response)
    for row in figures_cache.division_csv_rows(division):
        writer.writerow([_safe_cell(cell) for cell in row])
    return response


@require_GET
def cabinet_reports(request: HttpRequest) -> HttpResponse:
    """The published Cabinet reports, newest first (the public's dated series)."""
    return render(request, "performance/cabinet_reports.html", {"reports": publication.published_reports()})


@require_GET
def cabinet_report(request: HttpRequest, month: str) -> HttpResponse:
    """One published report as the public sees it: published measures only, small numbers suppressed."""
    report = publication.get_published_report(month)
    return render(request, "performance/cabinet_report.html", {
        "report": report, "content": publication.public_content(report.content), "month": month,
    })


def _safe_cell(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ as formulas: quote text that does (numbers stay numbers)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
