"""A resident's own street reports: follow one, reopen one that isn't fixed, give feedback, list theirs."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import signed_in_required
from oxtom.customers.services import customer_ensure_for_user

from .. import selectors, services
from ..forms import FeedbackForm, ReopenForm


def _own_report(request: HttpRequest, reference: str):
    """The signed-in reporter's own report; 404 for anyone else's (never reveal whose it is)."""
    report = selectors.get_public_report(reference)
    customer = selectors.customer_for_account(request.user)
    if customer is None or report.case.customer_id != customer.pk:
        raise Http404
    return report


@require_POST
@signed_in_required
def report_follow(request: HttpRequest, reference: str) -> HttpResponse:
    """Follow someone else's open report (from its page or the "already reported" step)."""
    report = selectors.get_public_report(reference)
    customer = customer_ensure_for_user(user=request.user, by=request.user)
    try:
        _, created = services.report_subscribe(report=report, customer=customer, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "You are following this report. We will tell you when it changes."
                         if created or report.case.customer_id != customer.pk else "This is your own report.")
    return redirect("portal:report_public", reference=report.case.reference)


@require_http_methods(["GET", "POST"])
@signed_in_required
def report_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    report = _own_report(request, reference)
    if not services.can_reopen(report):
        messages.error(request, f"This report cannot be reopened: it is open, or closed more than "
                                f"{services.REOPEN_DAYS} days ago. Make a new report instead.")
        return redirect("portal:report_public", reference=report.case.reference)
    form = ReopenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_reopen(report=report, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            _errors_to_form(form, exc, default_field="reason")
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, "Your report is open again. We will tell you what happens next.")
            return redirect("portal:report_public", reference=report.case.reference)
    return render(request, "portal/report_reopen.html", {"form": form, "report": report})


@require_http_methods(["GET", "POST"])
@signed_in_required
def report_feedback(request: HttpRequest, reference: str) -> HttpResponse:
    report = _own_report(request, reference)
    if report.is_open or report.feedback_at is not None:
        messages.error(request, "You can give feedback once, after the report is closed.")
        return redirect("portal:report_public", reference=report.case.reference)
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_feedback(report=report, rating=form.cleaned_data["rating"],
                                     text=form.cleaned_data["comments"], by=request.user)
        except ValidationError as exc:
            _errors_to_form(form, exc, default_field="rating", rename={"text": "comments"})
        else:
            messages.success(request, "Thank you for your feedback.")
            return redirect("portal:report_public", reference=report.case.reference)
    return render(request, "portal/report_feedback.html", {"form": form, "report": report})


@require_GET
@signed_in_required
def your_reports(request: HttpRequest) -> HttpResponse:
    """Reports this person made and reports they follow (two queries)."""
    made, following = selectors.reports_for_customer(selectors.customer_for_account(request.user))
    return render(request, "portal/your_reports.html", {"made": made, "following": following})


def _errors_to_form(form, exc: ValidationError, *, default_field: str | None, rename: dict | None = None) -> None:
    """A service's ValidationError on the form: keyed messages on their (renamed) fields, others on `default_field`."""
    rename = rename or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = rename.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(default_field, exc.messages)
