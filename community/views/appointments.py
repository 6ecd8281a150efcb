"""Book it: residents (or an adviser acting for them) book and cancel council appointments; staff see their day."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import signed_in_required, staff_area_required
from oxtom.core.audit import audit_record, audit_record_many

from oxtom.core.formats import govuk_datetime
from oxtom.core.forms import errors_onto_form, posted

from ..forms import (AppointmentFeedbackForm, BookTimeForm, CancelAppointmentForm, ChooseTimeForm,
                     errors_where_form_is_silent)
from ..models import Appointment, AppointmentResource, AppointmentService
from ..selectors import (appointment_for_staff, appointment_of_customer, appointment_services_run_by,
                         appointments_needing_move, appointments_on_day)

from ..services.appointments import (appointment_book, appointment_can_change, appointment_can_give_feedback,
                                     appointment_cancel, appointment_feedback_give, appointment_ics, appointment_mark,
                                     appointment_move, slots)
from ..services.resources import needs_new_resource
from .public import subject

SHOW_SLOTS = 60


def _service(code: str) -> AppointmentService:
    service = AppointmentService.objects.select_related("location").filter(code=code[:60], is_active=True).first()
    if service is None:
        raise Http404
    return service


@require_GET
def appointment_services(request: HttpRequest) -> HttpResponse:
    return render(request, "community/appointments.html",
                  {"services": list(AppointmentService.objects.filter(is_active=True).select_related("location"))})


@require_http_methods(["GET", "POST"])
@signed_in_required
def appointment_new(request: HttpRequest, code: str) -> HttpResponse:
    service = _service(code)
    customer, actor, channel, on_behalf_of = subject(request)
    if customer is None:
        raise Http404
    form = BookTimeForm(posted(request), starts=slots(service)[:SHOW_SLOTS])
    if request.method == "POST" and form.is_valid():
        try:
            appointment = appointment_book(service=service, customer=customer, starts_at=form.cleaned_data["slot"],
                                           notes=form.cleaned_data["notes"], by=actor, channel=channel,
                                           on_behalf_of=on_behalf_of,
                                           submission_key=request.POST.get("submission_key", "")[:64])
        except ValidationError as exc:
            form.add_error("notes" if exc.code in ("hostile", "max_length") else "slot", exc.messages[0])
        else:
            return redirect("community_account:appointment", reference=appointment.reference)
    return render(request, "community/appointment_new.html", {"service": service, "form": form,
                                                              "on_behalf_of": on_behalf_of})


def _own(request, reference):
    customer, actor, _, _ = subject(request)
    return appointment_of_customer(customer, reference), actor


def _detail(request, appointment, *, feedback_form=None) -> HttpResponse:
    can_feedback = appointment_can_give_feedback(appointment)
    return render(request, "community/appointment.html", {
        "appointment": appointment, "can_change": appointment_can_change(appointment),
        "can_feedback": can_feedback, "feedback": getattr(appointment, "feedback", None) if not can_feedback else None,
        "feedback_form": feedback_form or (AppointmentFeedbackForm() if can_feedback else None),
        # base.html's error summary is drawn for `form`: only when the feedback form has errors to show.
        "form": feedback_form})


@require_GET
@signed_in_required
def appointment_detail(request: HttpRequest, reference: str) -> HttpResponse:
    appointment, _ = _own(request, reference)
    return _detail(request, appointment)


@require_POST
@signed_in_required
def appointment_feedback(request: HttpRequest, reference: str) -> HttpResponse:
    """The resident (or an adviser acting for them) rates an attended appointment; another's is 404."""
    appointment, actor = _own(request, reference)
    customer = appointment.customer
    form = AppointmentFeedbackForm(request.POST)
    form.is_valid()  # shape only; the service says what is wrong, everything at once
    try:
        appointment_feedback_give(appointment=appointment, customer=customer, by=actor,
                                  rating=request.POST.get("rating", ""), comment=request.POST.get("comment", ""),
                                  submission_key=request.POST.get("submission_key", "")[:64])
    except ValidationError as exc:
        if not appointment_can_give_feedback(appointment):
            # Not attended, or rated already: there is no form to put it on, so it is said on the page.
            messages.error(request, exc.messages[0])
            return redirect(reverse("community_account:appointment", args=[appointment.reference]))
        if hasattr(exc, "error_dict"):
            errors_where_form_is_silent(form, exc)
        else:
            errors_onto_form(form, exc)
        return _detail(request, appointment, feedback_form=form)
    messages.success(request, "Thank you: your feedback goes to the team that runs the service.")
    return redirect(reverse("community_account:appointment", args=[appointment.reference]) + "#feedback")


@require_POST
@signed_in_required
def appointment_cancel_view(request: HttpRequest, reference: str) -> HttpResponse:
    appointment, actor = _own(request, reference)
    _, _, channel, on_behalf_of = subject(request)
    try:
        appointment_cancel(appointment=appointment, by=actor, channel=channel, on_behalf_of=on_behalf_of)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "The appointment is cancelled.")
    return redirect("community_account:appointment", reference=appointment.reference)


def _move(request, appointment, *, actor, channel, on_behalf_of, staff: bool, done_url):
    free = slots(appointment.service)
    starts = [s for s in free[:SHOW_SLOTS] if s != appointment.starts_at]
    same_time = staff and appointment.starts_at in free and needs_new_resource(appointment)
    if same_time:
        starts.insert(0, appointment.starts_at)  # the same time with another officer or room
    form = ChooseTimeForm(posted(request), starts=starts, label="Choose a new time")
    if request.method == "POST" and form.is_valid():
        try:
            new = appointment_move(appointment=appointment, starts_at=form.cleaned_data["slot"], by=actor,
                                   channel=channel, on_behalf_of=on_behalf_of, staff=staff,
                                   submission_key=request.POST.get("submission_key", "")[:64])
        except ValidationError as exc:
            errors_onto_form(form, ValidationError({"slot": exc.messages}))
        else:
            messages.success(request, f"Moved to {govuk_datetime(new.starts_at, 'weekday')}: "
                                      f"the new reference is {new.reference}.")
            return redirect(done_url(new))
    return render(request, "community/appointment_move.html", {"appointment": appointment, "form": form,
                                                               "staff": staff, "same_time_offered": same_time,
                                                               "base_template": "staff/base.html" if staff else "base.html"})


@require_http_methods(["GET", "POST"])
@signed_in_required
def appointment_move_view(request: HttpRequest, reference: str) -> HttpResponse:
    appointment, actor = _own(request, reference)
    _, _, channel, on_behalf_of = subject(request)
    if appointment.status != Appointment.Status.BOOKED:
        messages.error(request, "This appointment is not booked")
        return redirect("community_account:appointment", reference=appointment.reference)
    return _move(request, appointment, actor=actor, channel=channel, on_behalf_of=on_behalf_of, staff=False,
                 done_url=lambda new: reverse("community_account:appointment", args=[new.reference]))


@require_GET
@signed_in_required
def appointment_calendar(request: HttpRequest, reference: str) -> HttpResponse:
    appointment, _ = _own(request, reference)
    if appointment.status != Appointment.Status.BOOKED:
        raise Http404
    response = HttpResponse(appointment_ics(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{appointment.reference}.ics"'
    return response


def _day_url(appointment) -> str:
    return reverse("community_staff:appointments") + f"?day={timezone.localtime(appointment.starts_at).date()}"


@require_http_methods(["GET", "POST"])
@staff_area_required
def staff_move(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_for_staff(request.user, pk)
    audit_record(by=request.user, action="view", target=appointment.customer, summary=f"Moving {appointment.reference}")
    if appointment.status != Appointment.Status.BOOKED:
        messages.error(request, "This appointment is not booked")
        return redirect(_day_url(appointment))
    return _move(request, appointment, actor=request.user, channel="system", on_behalf_of=False, staff=True,
                 done_url=_day_url)


@require_http_methods(["GET", "POST"])
@staff_area_required
def staff_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_for_staff(request.user, pk)
    if appointment.status != Appointment.Status.BOOKED:
        messages.error(request, "This appointment is not booked")
        return redirect(_day_url(appointment))
    form = CancelAppointmentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            appointment_cancel(appointment=appointment, by=request.user, staff=True, reason=form.cleaned_data["reason"],
                               channel="system")
        except ValidationError as exc:
            errors_onto_form(form, ValidationError({"reason": exc.messages}))
        else:
            messages.success(request, f"{appointment.reference} is cancelled and the customer has been told.")
            return redirect(_day_url(appointment))
    return render(request, "community/staff_appointment_cancel.html", {"appointment": appointment, "form": form})


@require_GET
@staff_area_required
def staff_day(request: HttpRequest) -> HttpResponse:
    """Today's appointments (or another day's) for the services of the staff member's teams."""
    try:
        day = dt.date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    mine = request.GET.get("whose") == "mine"
    rows = appointments_on_day(request.user, day, mine=mine)
    to_move = appointments_needing_move(request.user, mine=mine)
    listed = {a.customer_id: a for a in [*rows, *to_move]}
    if listed:  # the day's list names customers: who saw which, recorded
        audit_record_many([{"action": "view", "target_type": "customers.customer", "target_id": customer_id,
                            "summary": f"Listed in the appointments of {day:%d/%m/%Y}"} for customer_id in listed],
                          by=request.user)
    return render(request, "community/staff_appointments.html", {
        "rows": rows, "day": day, "mine": mine, "to_move": to_move,
        "has_resources": any(a.resource_id for a in rows)
        or AppointmentResource.objects.filter(service__in=appointment_services_run_by(request.user)).exists()})


@require_POST
@staff_area_required
def staff_mark(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_for_staff(request.user, pk)
    try:
        appointment_mark(appointment=appointment, attended=request.POST.get("outcome") == "attended", by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(_day_url(appointment))
