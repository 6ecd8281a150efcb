"""Book it: residents (or an adviser acting for them) book and cancel council appointments; staff see their day."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import signed_in_required, staff_area_required

from ..models import Appointment, AppointmentService
from ..services.appointments import appointment_book, appointment_cancel, appointment_mark, slots
from .public import subject

SHOW_SLOTS = 60


class SlotForm(forms.Form):
    slot = forms.ChoiceField(label="Choose a time", widget=forms.RadioSelect,
                             error_messages={"required": "Choose a time", "invalid_choice": "Choose one of the times shown"})
    notes = forms.CharField(label="Anything we should know? (optional)", required=False, max_length=100_000,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = choices
        self.fields["notes"].widget.attrs.pop("maxlength", None)


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
    free = slots(service)[:SHOW_SLOTS]
    choices = [(s.isoformat(), f"{s:%A} {s.day} {s:%B} at {s.strftime('%-I:%M%p').lower()}") for s in free]
    form = SlotForm(request.POST or None, choices=choices)
    if request.method == "POST":
        # A time taken since the page was shown is still a well-formed choice: the service gives the clear answer.
        raw = request.POST.get("slot", "")
        if raw and raw not in dict(choices):
            form.fields["slot"].choices = choices + [(raw, raw)]
        if form.is_valid():
            try:
                starts = dt.datetime.fromisoformat(form.cleaned_data["slot"])
                if starts.tzinfo is None:
                    raise ValueError
                appointment = appointment_book(service=service, customer=customer, starts_at=starts,
                                               notes=form.cleaned_data["notes"], by=actor, channel=channel,
                                               on_behalf_of=on_behalf_of,
                                               submission_key=request.POST.get("submission_key", "")[:64])
            except ValueError:
                form.add_error("slot", "Choose one of the times shown")
            except ValidationError as exc:
                form.add_error("notes" if exc.code in ("hostile", "max_length") else "slot", exc.messages[0])
            else:
                return redirect("community_account:appointment", reference=appointment.reference)
        form.fields["slot"].choices = choices
    return render(request, "community/appointment_new.html", {"service": service, "form": form,
                                                              "on_behalf_of": on_behalf_of})


def _own(request, reference):
    customer, actor, channel, on_behalf_of = subject(request)
    if customer is None or not 0 < len(reference) <= 12:
        raise Http404
    appointment = Appointment.objects.select_related("service__location").filter(
        customer=customer, reference=reference.upper()).first()
    if appointment is None:
        raise Http404
    return appointment, actor


@require_GET
@signed_in_required
def appointment_detail(request: HttpRequest, reference: str) -> HttpResponse:
    appointment, _ = _own(request, reference)
    return render(request, "community/appointment.html", {"appointment": appointment})


@require_POST
@signed_in_required
def appointment_cancel_view(request: HttpRequest, reference: str) -> HttpResponse:
    appointment, actor = _own(request, reference)
    try:
        appointment_cancel(appointment=appointment, by=actor)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "The appointment is cancelled.")
    return redirect("community_account:appointment", reference=appointment.reference)


@require_GET
@staff_area_required
def staff_day(request: HttpRequest) -> HttpResponse:
    """Today's appointments (or another day's) for the services of the staff member's teams."""
    try:
        day = dt.date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    services = AppointmentService.objects.all()
    if not request.user.has_permission("community.moderate"):
        services = services.filter(team__memberships__user=request.user)
    rows = list(Appointment.objects.filter(service__in=services, starts_at__gte=start,
                                           starts_at__lt=start + dt.timedelta(days=1))
                .exclude(status=Appointment.Status.CANCELLED).select_related("service", "customer")
                .order_by("starts_at", "id")[:300])
    return render(request, "community/staff_appointments.html", {"rows": rows, "day": day})


@require_POST
@staff_area_required
def staff_mark(request: HttpRequest, pk: int) -> HttpResponse:
    services = AppointmentService.objects.all()
    if not request.user.has_permission("community.moderate"):
        services = services.filter(team__memberships__user=request.user)
    appointment = Appointment.objects.filter(pk=pk, service__in=services).first()
    if appointment is None:
        raise Http404
    try:
        appointment_mark(appointment=appointment, attended=request.POST.get("outcome") == "attended", by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    from django.urls import reverse

    return redirect(reverse("community_staff:appointments") + f"?day={timezone.localtime(appointment.starts_at).date()}")
