"""Community partners keep their organisation's entries (changes wait for a moderator) and run their events."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import permission_required
from oxtom.accounts.permissions import Permission

from .. import selectors
from ..forms import CancelEventForm, MessageForm, ServiceForm
from ..models import Booking, ChangeRequest, Event
from ..services.bookings import booking_cancel, booking_mark_attendance, event_cancel, event_message_attendees
from ..services.directory import can_moderate, service_apply, service_confirm, snapshot, clean_service_data
from ..services.moderation import change_propose

partner_required = permission_required(Permission.COMMUNITY_DIRECTORY_EDIT)


@require_GET
@partner_required
def home(request: HttpRequest) -> HttpResponse:
    orgs = list(selectors.organisations_for_user(request.user).prefetch_related("services").order_by("name")[:50])
    waiting = list(ChangeRequest.objects.filter(organisation__in=orgs).exclude(status=ChangeRequest.Status.SUPERSEDED)
                   .select_related("service").order_by("-submitted_at")[:20])
    from django.utils import timezone

    events = list(Event.objects.filter(service__organisation__in=orgs, starts_at__gte=timezone.now()
                                       - timezone.timedelta(days=14)).select_related("location")
                  .order_by("starts_at")[:30])
    return render(request, "community/partner_home.html", {"organisations": orgs, "changes": waiting,
                                                           "events": events})


def _edit(request, organisation, service):
    initial = None
    if service is not None:
        snap = snapshot(service)
        initial = {**snap, "minimum_age": snap["minimum_age"] if snap["minimum_age"] is not None else "",
                   "maximum_age": snap["maximum_age"] if snap["maximum_age"] is not None else ""}
    form = ServiceForm(request.POST or None, initial=initial, organisation=organisation)
    direct = can_moderate(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if direct:
                clean = clean_service_data(form.data_for_service(), organisation=organisation)
                service_apply(organisation=organisation, service=service, data=clean, by=request.user,
                              summary=f"Moderator edited {clean['name'][:180]}")
            else:
                change_propose(organisation=organisation, service=service, data=form.data_for_service(),
                               by=request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Saved: the change is live." if direct else
                             "Sent to the council for approval. It goes live once a moderator approves it.")
            return redirect("community_staff:home" if direct else "community:partner")
    return render(request, "community/service_edit.html", {"form": form, "organisation": organisation,
                                                           "service": service, "direct": direct})


@require_http_methods(["GET", "POST"])
@partner_required
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = selectors.get_service_for_user(request.user, pk)
    return _edit(request, service.organisation, service)


@require_http_methods(["GET", "POST"])
@partner_required
def service_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, selectors.get_organisation_for_user(request.user, pk), None)


@require_POST
@partner_required
def service_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    service = selectors.get_service_for_user(request.user, pk)
    service_confirm(service=service, by=request.user)
    messages.success(request, f"Thank you: {service.name} is confirmed as up to date for another 12 months.")
    return redirect("community:partner")


@require_http_methods(["GET"])
@partner_required
def event_bookings(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.user, pk)
    bookings = list(Booking.objects.filter(event=event).exclude(status=Booking.Status.CANCELLED)
                    .order_by("status", "created_at", "id"))
    return render(request, "community/partner_event.html", {
        "event": event, "bookings": bookings, "message_form": MessageForm(), "cancel_form": CancelEventForm(),
    })


@require_POST
@partner_required
def event_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.user, pk)
    ids = {int(x) for x in request.POST.getlist("attended") if x.isdigit()}
    count = booking_mark_attendance(event=event, attended_ids=ids, by=request.user)
    messages.success(request, f"Attendance saved: {count} came.")
    return redirect("community:partner_event", pk=event.pk)


@require_POST
@partner_required
def event_message(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.user, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            count = event_message_attendees(event=event, message=form.cleaned_data["message"], by=request.user)
        except ValidationError as exc:
            form.add_error("message", exc.messages[0])
        else:
            messages.success(request, f"Message sent to {count} people.")
            return redirect("community:partner_event", pk=event.pk)
    bookings = list(Booking.objects.filter(event=event).exclude(status=Booking.Status.CANCELLED))
    return render(request, "community/partner_event.html", {"event": event, "bookings": bookings,
                                                            "message_form": form, "form": form,
                                                            "cancel_form": CancelEventForm()})


@require_POST
@partner_required
def event_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.user, pk)
    form = CancelEventForm(request.POST)
    if form.is_valid():
        try:
            count = event_cancel(event=event, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            form.add_error("reason", exc.messages[0])
        else:
            messages.success(request, f"The event is cancelled and {count} people have been told.")
            return redirect("community:partner")
    bookings = list(Booking.objects.filter(event=event).exclude(status=Booking.Status.CANCELLED))
    return render(request, "community/partner_event.html", {"event": event, "bookings": bookings,
                                                            "message_form": MessageForm(), "cancel_form": form,
                                                            "form": form})


@require_POST
@partner_required
def booking_cancel_by_organiser(request: HttpRequest, pk: int, booking_id: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.user, pk)
    booking = Booking.objects.filter(event=event, pk=booking_id).first()
    if booking is None:
        from django.http import Http404

        raise Http404
    try:
        booking_cancel(booking=booking, by=request.user, organiser=True)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "The booking is cancelled; they have been told and any payment refunded.")
    return redirect("community:partner_event", pk=event.pk)


@require_http_methods(["GET", "POST"])
@partner_required
def event_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A partner proposes an event for one of their services; it waits for a moderator."""
    from oxtom.core.forms import errors_onto_form, posted

    from ..forms import EventForm, errors_where_form_is_silent
    from ..services.events import event_check, event_locations, event_propose

    service = selectors.get_service_for_user(request.user, pk)
    form = EventForm(posted(request), locations=event_locations(service))
    fields = {"price_pence": "price", "cutoff_hours": None}
    if request.method == "POST" and not form.is_valid():
        # The form's own errors are known; the service's rules are checked too (nothing saved), so the
        # first submit shows every error at its field rather than some only after the next submit.
        try:
            event_check(service=service, data=form.data_for_service())
        except ValidationError as exc:
            errors_where_form_is_silent(form, exc, fields=fields)
    elif request.method == "POST":
        try:
            made = event_propose(service=service, data=form.data_for_service(), by=request.user,
                                 submission_key=request.POST.get("submission_key", "")[:64])
        except ValidationError as exc:
            errors_onto_form(form, exc, fields=fields)
        else:
            live = made[0].status == Event.Status.SCHEDULED
            messages.success(request, (f"Added: {made[0].title} is open for booking." if live else
                                       f"Sent to the council: {made[0].title} goes live once a moderator approves it.")
                             + (f" ({len(made)} weeks)" if len(made) > 1 else ""))
            return redirect("community:partner")
    return render(request, "community/event_new.html", {"form": form, "service": service})


@require_GET
@partner_required
def feedback(request: HttpRequest) -> HttpResponse:
    """What people said about the organisation's services (a moderator: every service), small numbers held back."""
    return render(request, "community/feedback.html", {
        "rows": selectors.feedback_by_service(request.user), "small": selectors.FEEDBACK_SMALL,
        "staff_view": False})
