"""A resident's own bookings and the people they look for support for (or the acted-for customer's)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import signed_in_required

from .. import selectors
from ..forms import FeedbackForm, PersonForm
from ..models import AppointmentFeedback, Booking
from ..services import bookings as booking_services
from ..services.people import feedback_give, person_remove, person_save
from .public import subject


def _customer(request):
    customer, actor, channel, on_behalf_of = subject(request)
    if customer is None:
        raise Http404
    return customer, actor, channel, on_behalf_of


@require_GET
@signed_in_required
def home(request: HttpRequest) -> HttpResponse:
    customer, *_ = _customer(request)
    _, people = selectors.needs_for_customer(customer)
    return render(request, "community/account_home.html", {
        "customer": customer, "bookings": selectors.bookings_for_customer(customer), "people": people,
        "appointments": list(customer.community_appointments.select_related("service").annotate(
            feedback_given=Exists(AppointmentFeedback.objects.filter(appointment=OuterRef("pk"))))
            .order_by("-starts_at")[:20]),
        "offers": list(customer.community_offers.filter(status="open", expires_at__gt=timezone.now())
                       .select_related("service", "case").order_by("-created_at")[:5]),
    })


@require_GET
@signed_in_required
def booking_detail(request: HttpRequest, reference: str) -> HttpResponse:
    customer, *_ = _customer(request)
    booking = selectors.get_booking_for_customer(customer, reference)
    from oxtom.payments.models import Payment

    payment = Payment.objects.for_object(booking).order_by("-created_at").first()
    if payment is not None and not payment.is_finished:
        from oxtom.payments.services import payment_refresh_status

        payment_refresh_status(payment=payment, by=request.user)
        booking.refresh_from_db()
    has_feedback = hasattr(booking, "feedback")
    from django.utils import timezone

    can_feedback = (booking.status == Booking.Status.CONFIRMED and booking.event.starts_at <= timezone.now()
                    and not has_feedback)
    return render(request, "community/booking.html", {
        "booking": booking, "event": booking.event, "can_cancel": booking.status != Booking.Status.CANCELLED
        and booking_services.booking_open(booking.event), "can_feedback": can_feedback,
        "feedback_form": FeedbackForm() if can_feedback else None, "has_feedback": has_feedback,
    })


@require_POST
@signed_in_required
def booking_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    customer, actor, channel, on_behalf_of = _customer(request)
    booking = selectors.get_booking_for_customer(customer, reference)
    try:
        booking_services.booking_cancel(booking=booking, by=actor, channel=channel, on_behalf_of=on_behalf_of)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "The booking is cancelled. The place will go to the next person waiting.")
    return redirect("community_account:booking", reference=booking.reference)


@require_POST
@signed_in_required
def booking_accept(request: HttpRequest, reference: str) -> HttpResponse:
    customer, actor, *_ = _customer(request)
    booking = selectors.get_booking_for_customer(customer, reference)
    try:
        booking = booking_services.booking_accept_offer(booking=booking, by=actor)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if booking.status == Booking.Status.CONFIRMED:
            messages.success(request, "The place is booked.")
    return redirect("community_account:booking", reference=booking.reference)


@require_POST
@signed_in_required
def booking_pay(request: HttpRequest, reference: str) -> HttpResponse:
    from oxtom.customers import assist
    from oxtom.payments.services import PaymentError

    customer, actor, *_ = _customer(request)
    booking = selectors.get_booking_for_customer(customer, reference)
    try:
        started = booking_services.booking_payment_start(booking=booking, by=actor, moto=assist.is_assisted(request))
    except (ValidationError, PaymentError) as exc:
        messages.error(request, exc.messages[0])
        return redirect("community_account:booking", reference=booking.reference)
    return redirect(started.next_url or "community_account:booking", **({} if started.next_url else
                                                                          {"reference": booking.reference}))


@require_GET
@signed_in_required
def booking_calendar(request: HttpRequest, reference: str) -> HttpResponse:
    customer, *_ = _customer(request)
    booking = selectors.get_booking_for_customer(customer, reference)
    if booking.status == Booking.Status.CANCELLED:
        raise Http404
    response = HttpResponse(booking_services.booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    return response


@require_POST
@signed_in_required
def booking_feedback(request: HttpRequest, reference: str) -> HttpResponse:
    customer, actor, *_ = _customer(request)
    booking = selectors.get_booking_for_customer(customer, reference)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            feedback_give(booking=booking, customer=customer, rating=form.cleaned_data["rating"],
                          comment=form.cleaned_data["comment"], by=actor)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, "Thank you: your feedback goes to the organisers and the council.")
            return redirect("community_account:booking", reference=booking.reference)
    return render(request, "community/booking.html", {
        "booking": booking, "event": booking.event, "can_feedback": True, "feedback_form": form, "form": form,
        "can_cancel": False,
    })


@require_http_methods(["GET", "POST"])
@signed_in_required
def person_edit(request: HttpRequest, pk: int | None = None, is_self: bool = False) -> HttpResponse:
    customer, actor, *_ = _customer(request)
    person = selectors.get_person_for_customer(customer, pk) if pk is not None else None
    if is_self:
        person = customer.community_people.filter(is_self=True).first()
    self_form = is_self or bool(person and person.is_self)
    initial = None
    if person is not None:
        initial = {"name": person.name, "relationship": person.relationship, "age": person.age or "",
                   "access_needs": person.access_needs, "needs": [t.code for t in person.needs.all()]}
    form = PersonForm(request.POST or None, initial=initial, is_self=self_form)
    if request.method == "POST" and form.is_valid():
        try:
            person_save(customer=customer, person=person, data=form.cleaned_data, is_self=self_form, by=actor)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Saved. \"For you\" now includes support for them." if not self_form
                             else "Saved. \"For you\" now includes support for you.")
            return redirect("community_account:home")
    return render(request, "community/person.html", {"form": form, "person": person, "is_self": self_form})


@require_POST
@signed_in_required
def person_delete(request: HttpRequest, pk: int) -> HttpResponse:
    customer, actor, *_ = _customer(request)
    person = selectors.get_person_for_customer(customer, pk)
    try:
        person_remove(customer=customer, person=person, by=actor)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Removed.")
    return redirect("community_account:home")
