"""Officers assess referred applications: every answer and piece of evidence, then approve or refuse.

Thin views: the application is found through its case, so whoever may not
work that case (another team, a councillor, a resident) gets 404 exactly as
for a missing one; the decision goes through services.application_decide.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import permission_required, staff_area_required
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.core.files import private_file_response
from oxtom.core.forms import errors_onto_form as _put_errors_on_form

from . import rules, selectors, services
from .answers import answer_rows, finding_rows
from .forms import DecisionForm, FindEntitlementForm, RefundForm, RevokeForm
from .refunds import application_refund, application_refunds, can_refund, refund_due, refund_refusal
from .models import Application, ApplicationService, Entitlement


def _page(request: HttpRequest, application: Application, form: DecisionForm, status: int = 200,
          revoke_form: "RevokeForm | None" = None) -> HttpResponse:
    from .ending import can_revoke

    original = application.reconsideration_of
    due = refund_due(application)
    active = application.entitlements.filter(status=Entitlement.Status.ACTIVE).order_by("-starts_on").first()
    same_officer = services.made_first_decision(request.user, application)
    case_answers = (application.case.answers or {}) if application.case is not None else {}
    audit_record(by=request.user, action="view", target=application,
                 summary=f"Viewed application {application.reference}")
    return render(request, "applications/assess.html", {
        "application": application, "case": application.case, "answers": answer_rows(application),
        "evidence": list(application.evidence.all()), "original": original, "form": form,
        "fast_track": bool((application.details or {}).get("fast_track")),
        # A refund case says why it is here (the permit ended early), not why the rules approved it.
        "why": case_answers.get("rule_reasons") or application.reasons
        if case_answers.get("refund_for") else application.reasons,
        "can_decide": application.status == Application.Status.REFERRED and not same_officer,
        "same_officer": same_officer and application.status == Application.Status.REFERRED,
        "details": finding_rows(application),
        "refund": due, "can_refund": due is not None and can_refund(request.user, application),
        "refunds": application_refunds(application),
        "active_entitlement": active if active is not None and can_revoke(request.user, active) else None,
        "revoke_form": revoke_form or RevokeForm(),
    }, status=status)


@staff_area_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Referred applications waiting for a decision in the teams this officer works, and a permit found by number.

    A number found in the officer's teams' services goes to the page of the application that issued it
    (where it can be revoked, even when the rules decided it with no case); one that is not there, is
    malformed or is another team's gets the same answer, so the page never tells them apart.
    """
    find = FindEntitlementForm(request.GET if "number" in request.GET else None)
    status = 200
    if find.is_bound:
        if find.is_valid():
            found = selectors.find_entitlement_for_officer(request.user, find.cleaned_data["number"])
            if found is not None and selectors.officer_may_open(request.user, found.application):
                return redirect(reverse("applications:assess", args=[found.application.reference]))
            find.add_error("number", "No permit, badge or pass in your teams' services has that number")
        status = 400
    return render(request, "applications/index.html", {
        "applications": selectors.applications_to_assess(request.user), "find": find}, status=status)


@staff_area_required
@require_GET
def assess(request: HttpRequest, reference: str) -> HttpResponse:
    application = selectors.get_application_for_officer(request.user, reference)
    return _page(request, application, DecisionForm(application=application))


@staff_area_required
@require_POST
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    application = selectors.get_application_for_officer(request.user, reference)
    form = DecisionForm(request.POST, application=application)
    if form.is_valid():
        try:
            services.application_decide(application=application, decision=form.cleaned_data["decision"],
                                        reasons=form.cleaned_data["reasons"], by=request.user,
                                        version=form.cleaned_data["version"])
        except services.StaleApplicationError as exc:
            application.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(application.version)
            form = DecisionForm(data, application=application)
            form.is_valid()
            form.add_error(None, exc.messages[0])
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You cannot decide this application")
        except ValidationError as exc:
            _put_errors_on_form(form, exc)
            application.refresh_from_db()
        else:
            word = "approved" if form.cleaned_data["decision"] == "approve" else "refused"
            messages.success(request, f"Application {application.reference} {word}. The customer has been told.")
            return redirect(reverse("applications:assess", args=[application.reference]))
    return _page(request, application, form, status=400)


@staff_area_required
@require_GET
def evidence_file(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    application = selectors.get_application_for_officer(request.user, reference)
    row = application.evidence.filter(token=token).first() if len(token) <= 32 else None
    if row is None:
        raise Http404
    audit_record(by=request.user, action="view", target=application,
                 summary=f"Viewed evidence for {application.reference}", evidence=row.pk, kind=row.kind)
    return private_file_response(row.file, content_type=row.content_type,
                                 filename=f"{application.reference}-{row.kind}.{row.file.name.rsplit('.', 1)[-1]}")


# --- the administrator's fees page (CATALOGUE_EDIT) ------------------------------------------------


def _pounds_field(label: str, words: str) -> "forms.DecimalField":
    from django import forms

    return forms.DecimalField(
        label=label, min_value=0, max_value=1000, decimal_places=2, max_digits=7,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-5", "spellcheck": "false"}),
        error_messages={"required": f"Enter {words} in pounds, like 55.00 (0 for free)",
                        "invalid": f"Enter {words} as an amount in pounds, like 55.00",
                        "min_value": f"{words[0].upper()}{words[1:]} must be £0 or more",
                        "max_value": f"{words[0].upper()}{words[1:]} must be £1,000 or less",
                        "max_decimal_places": f"Enter {words} in pounds and pence, like 55.00",
                        "max_digits": f"{words[0].upper()}{words[1:]} must be £1,000 or less"},
    )


def _settings_form_class():
    from django import forms

    class ApplicationSettingsForm(forms.Form):
        fee = _pounds_field("Fee for a new one (£)", "the fee")
        replacement_fee = _pounds_field("Fee for a replacement (£)", "the replacement fee")
        validity_months = forms.IntegerField(
            label="How long it lasts (months)", min_value=1, max_value=120,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
            error_messages={"required": "Enter how many months it lasts", "invalid": "Enter the months as a number",
                            "min_value": "It must last at least 1 month", "max_value": "It can last 120 months at most"})
        decision_promise = forms.CharField(
            label="What we tell applicants about the decision", required=False, max_length=200,
            help_text="For example: We will tell you straight away, or within ((working_days)) if an officer needs "
                      "to check. ((working_days)) shows the service's target, like \"10 working days\"",
            error_messages={"max_length": "What we tell applicants must be 200 characters or fewer"})

    return ApplicationSettingsForm


@permission_required(Permission.CATALOGUE_EDIT)
@require_http_methods(["GET", "POST"])
def settings(request: HttpRequest, code: str) -> HttpResponse:
    """An application service's fees, term and decision promise (the rest of its settings: the catalogue page)."""
    return _settings(request, code)


def _settings(request: HttpRequest, code: str) -> HttpResponse:
    from decimal import Decimal

    from .catalogue import application_service_settings_update

    service = ApplicationService.objects.select_related("case_service").filter(code=code).first() \
        if len(code) <= 40 else None
    if service is None:
        raise Http404
    form_class = _settings_form_class()
    if request.method == "GET":
        form = form_class(initial={"fee": Decimal(service.fee_pence) / 100,
                                   "replacement_fee": Decimal(service.replacement_fee_pence) / 100,
                                   "validity_months": service.validity_months,
                                   "decision_promise": service.decision_promise})
    else:
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                application_service_settings_update(
                    service=service, fee_pence=int(data["fee"] * 100),
                    replacement_fee_pence=int(data["replacement_fee"] * 100),
                    validity_months=data["validity_months"], decision_promise=data["decision_promise"],
                    by=request.user)
            except ValidationError as exc:
                fields = {"fee_pence": "fee", "replacement_fee_pence": "replacement_fee"}
                for key, errors in exc.message_dict.items():
                    for message in errors:
                        form.add_error(fields.get(key, key) if fields.get(key, key) in form.fields else None, message)
            else:
                messages.success(request, f"Fees and term for {service.name} saved")
                return redirect("casework:catalogue_service", code=service.case_service.code)
    return render(request, "applications/settings.html", {"service": service, "form": form,
                                                           "settings_note": rules.settings_note(service)},
                  status=400 if form.is_bound and form.errors else 200)


def _refund_initial(due) -> dict:
    pence = due.pending.amount_pence if due.pending is not None else due.suggested_pence
    return {"amount": f"{pence / 100:.2f}"}


def _refund_page(request: HttpRequest, application: Application, form: RefundForm, due, *,
                 status: int = 200) -> HttpResponse:
    return render(request, "applications/refund.html", {
        "application": application, "case": application.case, "refund": due, "form": form,
        "paid": due.payment.amount_display if due else "", "refunded_before": (
            f"£{due.payment.refunded_pence / 100:,.2f}" if due and due.payment.refunded_pence else ""),
    }, status=status)


@staff_area_required
@require_http_methods(["GET", "POST"])
def refund(request: HttpRequest, reference: str) -> HttpResponse:
    """Confirm and issue the refund of an ended permit's unused term (refunds.py): amount shown, once only.

    Others' applications 404 (found through the case); an officer of the team who may not refund, 403.
    """
    from oxtom.payments.services import PaymentError

    application = selectors.get_application_for_officer(request.user, reference)
    if not can_refund(request.user, application):
        raise PermissionDenied("You cannot refund on this application")
    due = refund_due(application)
    if request.method == "GET":
        if due is None:
            messages.info(request, refund_refusal(application))
            return redirect(reverse("applications:assess", args=[application.reference]))
        audit_record(by=request.user, action="view", target=application,
                     summary=f"Viewed the refund due on application {application.reference}")
        return _refund_page(request, application, RefundForm(initial=_refund_initial(due)), due)
    form = RefundForm(request.POST)
    if form.is_valid():
        pence = int(form.cleaned_data["amount"] * 100)
        try:
            application_refund(application=application, amount_pence=pence, reason=form.cleaned_data["reason"],
                               by=request.user, idempotency_key=f"refund:{application.pk}:{form.key(request)}")
        except ValidationError as exc:  # PermissionDenied goes on up: 403
            # "at most £X" and "a refund of £X is waiting" are about the amount; the rest about the refund.
            about_amount = due is not None and ("at most" in exc.messages[0] or "is waiting" in exc.messages[0])
            form.add_error("amount" if about_amount else None, exc.messages[0])
        else:
            messages.success(request, f"£{pence / 100:,.2f} refunded to the card it was paid with. "
                                      "The customer has been told.")
            return redirect(reverse("applications:assess", args=[application.reference]))
    return _refund_page(request, application, form, refund_due(application), status=400)


@staff_area_required
@require_POST
def revoke(request: HttpRequest, reference: str) -> HttpResponse:
    """An officer of the team ends the permit this application issued (ending.py), saying why."""
    from .ending import entitlement_revoke

    application = selectors.get_application_for_officer(request.user, reference)
    active = application.entitlements.filter(status=Entitlement.Status.ACTIVE).order_by("-starts_on").first()
    if active is None:  # a second click of Revoke lands here: revoked once, one refund case
        messages.info(request, "Nothing this application issued is in force, so there is nothing to revoke.")
        return redirect(reverse("applications:assess", args=[application.reference]))
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            entitlement_revoke(entitlement=active, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:  # PermissionDenied goes on up: 403
            form.add_error("reason", exc.messages[0])
        else:
            messages.success(request, f"{active.number} revoked. The customer has been told.")
            return redirect(reverse("applications:assess", args=[application.reference]))
    return _page(request, application, DecisionForm(application=application), status=400, revoke_form=form)
