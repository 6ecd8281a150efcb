"""The one-click renewal pages behind the email link (/renew/<token>/).

No sign-in: the unguessable token is the key, as in the email. GET never
changes anything, because mail scanners and link previewers fetch every
link in a message; the resident's click lands on a page with a button, and
only the POST renews. The pages show the entitlement's type, number and
dates, never a name or an address.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from oxtom.core.money import pounds

from applications.models import Application
from applications.rules import changeable

from . import selectors, services
from .models import RenewalInvitation

State = RenewalInvitation.State


def _by(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _page(invitation: RenewalInvitation | None) -> str:
    """Which page this invitation shows now (derived, never written on GET)."""
    if invitation is None:
        return "invalid"
    if invitation.state == State.AWAITING_PAYMENT and invitation.application is not None and (
            invitation.application.status == Application.Status.ISSUED):
        return "renewed"  # paid: the nightly reconcile will close the invitation
    if invitation.state in (State.INVITED, State.REMINDED):
        if invitation.reply:
            return "working"
        if invitation.due < timezone.localdate():
            return "expired"
        return "confirm"
    return {
        State.RENEWED: "renewed",
        State.AWAITING_PAYMENT: "pay",
        State.REAPPLYING: "reapply",
        State.CHANGED: "changed",
        State.LAPSED: "expired",
    }[State(invitation.state)]


STATUS = {"invalid": 404, "expired": 410}


def _render(request: HttpRequest, token: str, invitation: RenewalInvitation | None, page: str | None = None):
    page = page or _page(invitation)
    context = {"page": page, "invitation": invitation, "token": token}
    if invitation is not None:
        ent = invitation.entitlement
        context.update(entitlement=ent, service=ent.service, what=services._what(ent.service),
                       vehicle_change=changeable(ent.service)[0])
        if page == "confirm" and ent.service.auto_renew:
            fee = services.renewal_fee_pence(ent)
            context["fee_display"] = pounds(fee) if fee else ""
        if page == "reapply":
            context["apply_path"] = services.reapply_path(ent)
        if page == "pay" and invitation.application is not None:
            from applications.services import offers_payment_agreement

            held = ent.payment_agreement
            context["offer_agreement"] = offers_payment_agreement(invitation.application) and not (
                held is not None and held.is_active)
        if page == "renewed":
            context["new_entitlement"] = invitation.renewed_entitlement or ent.superseded_by
        context["change_path"] = services.change_path(ent)
    response = render(request, f"renewals/{'confirm' if page == 'confirm' else 'status'}.html", context,
                      status=STATUS.get(page, 200))
    # The token must not leak to other sites through the Referer header. (Not "no-referrer":
    # Chromium then sends "Origin: null" with the form's POST and CSRF refuses it.)
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.get_invitation_by_token(token)
    if request.method == "POST" and invitation is not None:
        if _page(invitation) == "confirm":
            services.renewal_accept(invitation=invitation, channel="email", by=_by(request))
        # A second press (or a second tab) changes nothing: the page says what already happened.
        return redirect("renewals:confirm", token=token)
    return _render(request, token, invitation)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def changed(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.get_invitation_by_token(token)
    page = _page(invitation)
    if page != "confirm":
        return _render(request, token, invitation, page)
    if request.method == "POST":
        services.renewal_decline_changed(invitation=invitation, channel="email", by=_by(request))
        return redirect("renewals:confirm", token=token)
    return _render(request, token, invitation, "tell-change")


@never_cache
@require_POST
def pay(request: HttpRequest, token: str) -> HttpResponse:
    """Start (or resume) the renewal's payment and go to the payment page.

    Started on the resident's click rather than when they replied: a card
    payment expires after 90 minutes, a renewal reply can wait for days.
    """
    from applications.services import application_payment_start

    invitation = selectors.get_invitation_by_token(token)
    if _page(invitation) != "pay" or invitation.application is None:
        return redirect("renewals:confirm", token=token) if invitation else _render(request, token, None)
    try:
        started = application_payment_start(application=invitation.application,
                                            return_url=services.renew_path(token), by=_by(request),
                                            set_up_agreement=request.POST.get("agree_recurring") == "yes")
    except ValidationError as exc:  # PaymentError, ApplicationError ("already paid"): words fit to show
        messages.error(request, exc.messages[0])
        return redirect("renewals:confirm", token=token)
    return redirect(started.next_url or services.renew_path(token))
