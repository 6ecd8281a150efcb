"""Public report pages: one report, and reports around a place. No names, no reporter's address.

Each page costs a fixed number of queries whatever the number of reports.
"""
from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors, services
from ..forms import AroundForm
from ..maps import report_map, reports_around_map
from ..models import ReportPhoto
from .photos import photo_response


def _viewer_customer(request: HttpRequest):
    """Whose follow button to show: the acted-for customer inside an adviser's session, else the viewer's own."""
    from oxtom.customers import assist

    acting = assist.acting_customer(request)
    return acting if acting is not None else selectors.customer_for_account(request.user)


@require_GET
def report_public(request: HttpRequest, reference: str) -> HttpResponse:
    """What anyone may know about a report: type, status, dates, area, photos and public updates."""
    report = selectors.get_public_report(reference)
    customer = _viewer_customer(request)
    is_reporter = customer is not None and customer.pk == report.case.customer_id
    following = (customer is not None and not is_reporter
                 and report.subscriptions.filter(customer=customer).exists())
    location_map, street = report_map(report)
    return render(request, "portal/report_public.html", {
        "report": report,
        "location_map": location_map,
        "street": street,
        "timeline": selectors.public_timeline(report),
        "photos": selectors.public_photos(report),
        "is_reporter": is_reporter,
        "following": following,
        "can_reopen": is_reporter and services.can_reopen(report),
        "can_give_feedback": is_reporter and not report.is_open and report.feedback_at is None,
        "reopen_days": services.REOPEN_DAYS,
    })


@require_GET
def report_photo(request: HttpRequest, reference: str, token: str, size: str = "display") -> HttpResponse:
    """A public photo in a web size (the display size unless the URL names the thumbnail), cached by browsers."""
    report = selectors.get_public_report(reference)
    if len(token) != 32:
        raise Http404
    photo = ReportPhoto.objects.filter(report=report, token=token, is_public=True).first()
    return photo_response(photo, size, cache_control="public, max-age=86400")


@require_GET
def reports_around(request: HttpRequest) -> HttpResponse:
    """Reports around a postcode (or a point), filterable by type and status, newest first."""
    form = AroundForm(request.GET or None)
    page = None
    place = None
    if form.is_bound and form.is_valid():
        place = form.cleaned_data["point"]
        page = selectors.reports_around(
            latitude=place[0], longitude=place[1], report_type=form.cleaned_data.get("report_type"),
            status=form.cleaned_data.get("status") or None, cursor=form.cleaned_data.get("after") or None,
        )
    # No tile server: the offline map of the same reports (the table beside it lists them all).
    offline_map = reports_around_map(place, page.reports, radius_m=selectors.AROUND_RADIUS_M) \
        if page and page.reports and not settings.MAP_TILE_URL else None
    return render(request, "portal/reports_around.html", {"form": form, "page": page, "place": place,
                                                           "tile_url": settings.MAP_TILE_URL,
                                                           "offline_map": offline_map})
