"""Residents find support (search, filters, nearest first, "For you") and book events.

Booking serves the acted-for customer inside an adviser's session, like
Report it and Apply for it (oxtom.customers.assist): the booking is theirs,
made by the adviser, audited and on their timeline as done on their behalf.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.accounts.decorators import signed_in_required
from oxtom.customers import assist
from oxtom.customers.services import customer_ensure_for_user

from .. import selectors
from ..forms import BookForm, FindForm
from ..models import SupportPerson
from ..services.bookings import booking_create, booking_open


def subject(request: HttpRequest):
    """(customer, actor, channel, on_behalf_of): the acted-for customer in a session, else the resident."""
    customer, actor, channel, on_behalf_of = assist.subject_and_actor(request)
    if customer is None and request.user.is_authenticated and not on_behalf_of:
        customer = customer_ensure_for_user(user=request.user, by=request.user)
    return customer, actor, channel, on_behalf_of


def _viewer_customer(request: HttpRequest):
    if not request.user.is_authenticated:
        return None
    customer, *_ = assist.subject_and_actor(request)
    return customer


@require_GET
def find(request: HttpRequest) -> HttpResponse:
    customer = _viewer_customer(request)
    searched = any(k in request.GET for k in ("q", "postcode", "need", "age", "day", "time", "cost"))
    form = FindForm(request.GET if searched else None)
    results, total, page = [], 0, 1
    for_you = []
    if searched and form.is_valid():
        try:
            page = max(1, min(int(request.GET.get("page", "1")), selectors.MAX_PAGE))
        except ValueError:
            page = 1
        results, total = selectors.search_services(form.filters(), page=page)
    if customer is not None and not searched:
        for_you = selectors.for_you(customer)
    query = request.GET.copy()
    query.pop("page", None)
    pages = (total + selectors.PAGE_SIZE - 1) // selectors.PAGE_SIZE
    return render(request, "community/find.html", {
        "form": form, "searched": searched, "results": results, "total": total, "page": page, "pages": pages,
        "query": query.urlencode(), "for_you": for_you, "customer": customer,
        "nearest": searched and form.is_valid() and form.cleaned_data.get("postcode") is not None,
    })


@require_GET
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = selectors.get_listed_service(pk)
    places = list(service.at_locations.select_related("location").order_by("location__name"))
    return render(request, "community/service.html", {
        "service": service, "places": places, "events": selectors.upcoming_events(service=service),
    })


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_bookable_event(pk)
    return render(request, "community/event.html", {"event": event, "open": booking_open(event)})


@require_http_methods(["GET", "POST"])
@signed_in_required
def event_book(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_bookable_event(pk)
    customer, actor, channel, on_behalf_of = subject(request)
    if customer is None:
        raise Http404
    people = list(SupportPerson.objects.filter(customer=customer).order_by("-is_self", "name"))
    form = BookForm(request.POST or None, people=people)
    if not booking_open(event):
        messages.error(request, "Booking for this event has closed")
        return redirect("community:event", pk=event.pk)
    if request.method == "POST" and form.is_valid():
        who = form.cleaned_data["who"]
        attendee = None if who == "self" else next((p for p in people if str(p.pk) == who), None)
        if who != "self" and attendee is None:
            raise PermissionDenied
        try:
            booking = booking_create(event=event, booker=customer, attendee=attendee,
                                     access_needs=form.cleaned_data["access_needs"],
                                     submission_key=request.POST.get("submission_key", "")[:64],
                                     by=actor, channel=channel, on_behalf_of=on_behalf_of)
        except ValidationError as exc:
            form.add_error("access_needs" if exc.code in ("hostile", "max_length") else None, exc.messages[0])
        else:
            return redirect("community_account:booking", reference=booking.reference)
    return render(request, "community/book.html", {
        "event": event, "form": form, "customer": customer, "on_behalf_of": on_behalf_of,
    })
