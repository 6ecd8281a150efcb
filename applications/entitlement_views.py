"""A resident's permits, badges and passes, their applications, and telling us about a change.

In an adviser's acting-for session these pages show the acted-for customer's
(selectors take the request), and a change is recorded as done for them.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from applications import rules, selectors
from applications import services as app_services
from applications.models import Entitlement
from applications.printable import entitlement_pdf
from oxtom.accounts.decorators import signed_in_required
from oxtom.core.audit import audit_record
from oxtom.core.money import pounds
from oxtom.customers import assist

from .refunds import refund_due_for, refund_if_ended_today, resident_refund
from .resident_forms import ChangeForm
from .resident_views import _subject


def _ended_reason(entitlement: Entitlement) -> str:
    """Why an officer revoked it, as the holder was told (a holder's own cancellation needs no reason)."""
    if entitlement.status != Entitlement.Status.REVOKED:
        return ""
    return str((entitlement.details or {}).get("revoked_reason") or "")


@require_GET
@signed_in_required
def entitlements_list(request: HttpRequest) -> HttpResponse:
    """Every permit, badge and pass with its status and expiry, and every application with its status."""
    customer = selectors.customer_for(request.user, request)
    return render(request, "portal/apply/entitlements.html", {
        "entitlements": selectors.entitlements_for_customer(customer),
        "applications": selectors.applications_for_customer(customer),
    })


def _changeable(entitlement: Entitlement) -> tuple[bool, bool]:
    """(vehicle, address): what a change of circumstances can say, as the service's rules allow."""
    return rules.changeable(entitlement.service)


@require_GET
@signed_in_required
def entitlement_detail(request: HttpRequest, number: str) -> HttpResponse:
    entitlement = selectors.get_entitlement_for_user(request.user, number, request=request)
    vehicle, address = _changeable(entitlement)
    return render(request, "portal/apply/entitlement.html", {
        "entitlement": entitlement, "service": entitlement.service, "vehicle": vehicle, "address": address,
        "refund": resident_refund(entitlement), "ended_reason": _ended_reason(entitlement),
        "can_change": entitlement.status == Entitlement.Status.ACTIVE and (vehicle or address),
        "active": entitlement.status == Entitlement.Status.ACTIVE,
        # Blue badges are never renewed automatically (the law): the resident reapplies, pre-filled from this one.
        "can_renew": not entitlement.service.auto_renew and entitlement.status in (
            Entitlement.Status.ACTIVE, Entitlement.Status.EXPIRED, Entitlement.Status.LAPSED),
    })


@never_cache
@require_GET
@signed_in_required
def entitlement_print(request: HttpRequest, number: str) -> HttpResponse:
    """The permit, badge or pass as a PDF to print: the owner's (or the acted-for customer's), else 404."""
    entitlement = selectors.get_entitlement_for_user(request.user, number, request=request)
    if assist.is_assisted(request):
        # An adviser printing for a customer is recorded like any other look at their record.
        audit_record(by=request.user, action="view", target=entitlement, summary="Printable copy made for the customer",
                     number=entitlement.number, customer=entitlement.customer.reference)
    response = HttpResponse(entitlement_pdf(entitlement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{entitlement.number}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@signed_in_required
def entitlement_change(request: HttpRequest, number: str) -> HttpResponse:
    """A new address or a new vehicle: the rules run again and the person sees the outcome at once."""
    entitlement = selectors.get_entitlement_for_user(request.user, number, request=request)
    if entitlement.status != Entitlement.Status.ACTIVE:
        messages.info(request, "This one is no longer in force, so there is nothing to change. Apply for a new one.")
        return redirect("apply:entitlement", number=entitlement.number)
    vehicle, address = _changeable(entitlement)
    if not (vehicle or address):
        raise Http404
    form = ChangeForm(request.POST if request.method == "POST" else None, vehicle=vehicle, address=address)
    if request.method == "POST" and form.is_valid():
        _, actor, channel, _ = _subject(request)
        try:
            application = app_services.entitlement_change_circumstances(
                entitlement=entitlement, changes=form.changes, by=actor, channel=channel)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            return redirect("apply:application", reference=application.reference)
    return render(request, "portal/apply/change.html", {"entitlement": entitlement, "form": form,
                                                        "service": entitlement.service, "vehicle": vehicle,
                                                        "address": address})


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in_required
def entitlement_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """The holder hands back a permit, badge or pass in force: a check page saying what they get back, then done.

    The money due back (the unused days of what was paid) is worked out as if it ended today, and
    an officer refunds it to the card; the page says so rather than "contact us".
    """
    from .ending import entitlement_cancel as cancel

    entitlement = selectors.get_entitlement_for_user(request.user, number, request=request)
    if entitlement.status != Entitlement.Status.ACTIVE:
        messages.info(request, "This one is no longer in force, so there is nothing to cancel.")
        return redirect("apply:entitlement", number=entitlement.number)
    error = ""
    if request.method == "POST":
        _, actor, channel, _ = _subject(request)
        try:
            ended = cancel(entitlement=entitlement, by=actor, channel=channel)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            due = refund_due_for(ended)
            messages.success(request, f"{ended.number} is cancelled." + (
                f" A refund of {due.suggested_display} is being processed." if due else ""))
            return redirect("apply:entitlement", number=ended.number)
    payment = entitlement.application.payment
    estimate = refund_if_ended_today(entitlement)
    return render(request, "portal/apply/cancel.html", {
        "entitlement": entitlement, "service": entitlement.service, "error": error,
        "estimate": pounds(estimate) if estimate else "",
        "paid": bool(payment is not None and payment.status == "success"),
    }, status=400 if error else 200)
