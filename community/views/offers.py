"""Appointment times offered from a case: the officer's offer page, and the customer's choice (link or account)."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from oxtom.accounts.decorators import signed_in_required, staff_area_required
from oxtom.cases.selectors import get_case_for_user
from oxtom.cases.services import can_work_case
from oxtom.core.audit import audit_record
from oxtom.core.formats import govuk_date, govuk_datetime
from oxtom.core.forms import errors_onto_form, posted

from ..forms import ChooseTimeForm, OfferTimesForm, slot_choices
from ..selectors import offer_of_customer

from ..models import AppointmentOffer
from ..services.offers import (appointment_offer_create, appointment_offer_take, offer_free_starts,
                               offer_from_token, offer_services, offered_starts)
from ..services.appointments import slots
from .public import subject

SHOWN = 48


@require_http_methods(["GET", "POST"])
@staff_area_required
def offer_new(request: HttpRequest, reference: str) -> HttpResponse:
    """An officer working the case offers the customer a few free times of one appointment service."""
    case = get_case_for_user(request.user, reference)
    if not can_work_case(request.user, case):
        raise PermissionDenied
    if case.customer_id is None or not case.is_open:
        messages.info(request, "Times can only be offered on an open case with a customer")
        return redirect("casework:case", reference=case.reference)
    services = offer_services(case)
    if not services:
        raise Http404
    code = (request.POST.get("service") or request.GET.get("service") or "")[:60]
    service = next((s for s in services if s.code == code), services[0])
    form = OfferTimesForm(posted(request), choices=slot_choices(slots(service)[:SHOWN]))
    if request.method == "POST" and form.is_valid():
        try:
            starts = [dt.datetime.fromisoformat(v) for v in form.cleaned_data["slots"]]  # values are the ISO choices shown
            appointment_offer_create(case=case, service=service, starts=starts, message=form.cleaned_data["message"],
                                     submission_key=request.POST.get("submission_key", "")[:64], by=request.user)
        except ValidationError as exc:
            field = {"slots": "slots", "hostile": "message", "max_length": "message"}.get(exc.code or "", None)
            errors_onto_form(form, ValidationError({field: exc.messages}) if field else exc)
        else:
            messages.success(request, "Times offered: the customer has been sent a link to choose one.")
            return redirect("casework:case", reference=case.reference)
    return render(request, "community/offer_new.html", {"case": case, "service": service, "services": services,
                                                        "form": form})


def _choose(request: HttpRequest, offer: AppointmentOffer, *, actor, channel: str, on_behalf_of: bool,
            via_link: bool) -> HttpResponse:
    def free() -> list:
        return offer_free_starts(offer) if offer.status == AppointmentOffer.Status.OPEN else []

    # A time this offer made that was taken meanwhile still cleans: the service says so clearly.
    offered = {s.isoformat() for s in offered_starts(offer)}
    form = ChooseTimeForm(posted(request), starts=free(), accept=offered.__contains__)
    if request.method == "POST" and form.is_valid():
        try:
            appointment = appointment_offer_take(
                offer=offer, starts_at=form.cleaned_data["slot"], by=actor,
                submission_key=request.POST.get("submission_key", "")[:64], channel=channel,
                on_behalf_of=on_behalf_of)
        except ValidationError as exc:
            form.add_error("slot" if not exc.code else None, exc.messages[0])
            offer.refresh_from_db()
            form.fields["slot"].choices = slot_choices(free())
        else:
            if via_link and not (request.user.is_authenticated and appointment.customer.user_id == request.user.pk):
                return render(request, "community/offer_done.html", {"appointment": appointment, "offer": offer})
            return redirect("community_account:appointment", reference=appointment.reference)
    expired = offer.status == AppointmentOffer.Status.OPEN and offer.expires_at <= timezone.now()
    return render(request, "community/offer.html", {"offer": offer, "form": form, "expired": expired,
                                                    "service": offer.service})


@require_http_methods(["GET", "POST"])
def offer_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in the customer's message: no sign-in needed, and the page names no one."""
    try:
        offer = offer_from_token(token)
    except ValidationError as exc:
        return render(request, "community/offer_invalid.html", {"message": exc.messages[0]}, status=404)
    actor = request.user if request.user.is_authenticated else None
    return _choose(request, offer, actor=actor, channel="web", on_behalf_of=False, via_link=True)


@require_http_methods(["GET", "POST"])
@signed_in_required
def offer_in_account(request: HttpRequest, pk: int) -> HttpResponse:
    customer, actor, channel, on_behalf_of = subject(request)
    offer = offer_of_customer(customer, pk)
    if on_behalf_of:
        audit_record(by=request.user, action="view", target=offer, summary="Viewed offered times", on_behalf_of=True)
    return _choose(request, offer, actor=actor, channel=channel, on_behalf_of=on_behalf_of, via_link=False)


def case_panel(case, user):
    """The staff case page's "Appointments" section: what was offered and booked, and the link to offer times."""
    from oxtom.cases.owners import CasePanel
    from oxtom.core.answers import Link, Row

    from ..models import AppointmentService

    if case.customer_id is None:
        return None
    offers = list(AppointmentOffer.objects.filter(case=case).select_related("service", "appointment")
                  .order_by("-created_at", "-id")[:5])
    offerable = case.is_open and AppointmentService.objects.filter(is_active=True, team_id=case.team_id).exists()
    if not offers and not offerable:
        return None
    rows = []
    for offer in offers:
        if offer.status == AppointmentOffer.Status.TAKEN and offer.appointment:
            a = offer.appointment
            value = f"{a.get_status_display()}: {govuk_datetime(a.starts_at, 'weekday')} ({a.reference})"
        else:
            value = f"{offer.get_status_display()}: {len(offer.slots)} time{'s' if len(offer.slots) != 1 else ''} " \
                    f"offered {govuk_date(offer.created_at, 'weekday')}"
        rows.append(Row(question=offer.service.name, value=value))
    links = ()
    if offerable and can_work_case(user, case):
        links = (Link(text="Offer appointment times to the customer",
                      url=reverse("community_staff:offer_new", args=[case.reference])),)
    return CasePanel(title="Appointments", panel_id="case-appointments", rows=tuple(rows), links=links)
