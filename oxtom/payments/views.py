"""Pay pages: the sandbox provider's hosted card page, and our return page.

The return page is the only place a payer lands after paying, and it asks
the provider what happened (payment_refresh_status) instead of believing
anything in the URL. Reloading it is harmless.
"""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from oxtom.accounts.decorators import signed_in_required
from oxtom.core.money import pounds
from oxtom.customers import assist

from . import selectors, services
from .forms import CardForm
from .models import FINISHED, Status
from .providers import sandbox


@sensitive_post_parameters("card_number", "cvc", "expiry_month", "expiry_year", "cardholder_name")
@never_cache
@require_http_methods(["GET", "POST"])
def sandbox_page(request: HttpRequest, payment_id: str) -> HttpResponse:
    charge = selectors.get_sandbox_charge(payment_id)
    sandbox.expire_if_due(charge)
    if charge.status in FINISHED:
        return redirect(charge.return_url)  # a second submit or a back button: straight to the outcome
    sandbox.mark_started(charge)
    form = CardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        sandbox.pay(charge, form.cleaned_data["card_number"])
        return redirect(charge.return_url)
    return render(request, "payments/sandbox_page.html", {
        "charge": charge, "form": form, "amount_display": pounds(charge.amount),
        "test_cards": [("4444 3333 2222 1111", "Payment succeeds"), ("4000 0000 0000 0002", "Card declined"),
                       ("4000 0000 0000 0069", "Card expired"), ("4000 0000 0000 0119", "Processing error")]
        + ([("4000 0000 0000 0077", "Payment succeeds; later renewals with this card are declined")]
           if charge.set_up_agreement else []),
    }, status=400 if form.is_bound else 200)


@never_cache
@require_POST
def sandbox_cancel(request: HttpRequest, payment_id: str) -> HttpResponse:
    charge = selectors.get_sandbox_charge(payment_id)
    sandbox.cancel(charge)
    return redirect(charge.return_url)


@never_cache
@require_http_methods(["GET", "HEAD"])
def payment_return(request: HttpRequest, token: str) -> HttpResponse:
    payment = selectors.get_payment_for_return(token)
    # Asking the provider is a system action (by=None), whoever opens the link: a GET must change
    # nothing attributed to the viewer, who may not be the payer (the token is in the URL).
    payment = services.payment_refresh_status(payment=payment, by=None)
    outcome = {
        Status.SUCCESS: "success",
        Status.FAILED: "failed",
        Status.CANCELLED: "cancelled",
        Status.ERROR: "error",
    }.get(Status(payment.status), "pending")
    declined_reason = {
        "P0010": "Your card was declined. No money has been taken.",
        "P0020": "The payment timed out. No money has been taken.",
        "P0030": "You cancelled the payment. No money has been taken.",
    }.get(payment.failure_code, "No money has been taken.")
    return render(request, "payments/return.html", {
        "payment": payment, "outcome": outcome, "declined_reason": declined_reason,
    })


@csrf_exempt
@require_POST
def govuk_pay_webhook(request: HttpRequest) -> HttpResponse:
    """GOV.UK Pay's signed webhook (see webhooks.py). 401 for a bad signature; 200 for anything accepted,
    a replay included, so GOV.UK Pay stops retrying."""
    from django.http import JsonResponse

    from .webhooks import MAX_BODY_BYTES, WebhookRejected, payment_webhook_receive

    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = MAX_BODY_BYTES + 1
    if declared > MAX_BODY_BYTES:
        return JsonResponse({"error": "The body is too large"}, status=413)
    try:
        result = payment_webhook_receive(raw=request.read(MAX_BODY_BYTES + 1),
                                         signature=request.headers.get("Pay-Signature", ""))
    except WebhookRejected as exc:
        return JsonResponse({"error": str(exc)}, status=exc.status)
    return JsonResponse({"outcome": result.outcome})


@never_cache
@require_http_methods(["GET", "HEAD"])
@signed_in_required
def agreements(request: HttpRequest) -> HttpResponse:
    """The payer's agreements to pay future payments (renewals) with a saved card, and a way to stop each."""
    customer, _, _, _ = assist.subject_and_actor(request)
    return render(request, "payments/agreements.html", {
        "agreements": list(selectors.agreements_for_customer(customer))})


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in_required
def agreement_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    """Confirm, then stop paying with the saved card. Cancelling twice is harmless."""
    customer, actor, _, _ = assist.subject_and_actor(request)
    agreement = selectors.get_agreement_for_customer(customer, reference)
    if request.method == "POST":
        if services.agreement_cancel(agreement=agreement, by=actor, reason="The payer cancelled it in their account"):
            messages.success(request, f"We will not take any more payments with your {agreement.card_display}. "
                                      "We will send you a payment link when a renewal is due.")
        else:
            messages.info(request, "That agreement was already cancelled.")
        return redirect("payments:agreements")
    return render(request, "payments/agreement_cancel.html", {"agreement": agreement})
