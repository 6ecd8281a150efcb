"""A resident's own street reports: follow one (and stop), reopen one that isn't fixed, give feedback, list theirs.

Following, stopping and the list serve the acted-for customer inside an
adviser's session (oxtom.customers.assist); reopening and feedback are the
reporter's own say, so an adviser is told to ask them to do it online.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import signed_in_required
from oxtom.customers import assist
from oxtom.customers.services import customer_ensure_for_user

from .. import selectors, services
from ..forms import FeedbackForm, ReopenForm


def _own_report(request: HttpRequest, reference: str):
    """The signed-in reporter's own report; 404 for anyone else's (never reveal whose it is)."""
    session = assist.active_session(request)
    if session is not None:
        raise assist.JourneyNotAssisted(session)
    report = selectors.get_public_report(reference)
    customer = selectors.customer_for_account(request.user)
    if customer is None or report.case.customer_id != customer.pk:
        raise Http404
    return report


def _subject(request: HttpRequest):
    customer, actor, channel, on_behalf_of = assist.subject_and_actor(request)
    if customer is None and not on_behalf_of:
        customer = customer_ensure_for_user(user=request.user, by=request.user)
    return customer, actor, channel, on_behalf_of


@require_POST
@signed_in_required
def report_follow(request: HttpRequest, reference: str) -> HttpResponse:
    """Follow someone else's open report (from its page or the "already reported" step)."""
    report = selectors.get_public_report(reference)
    customer, actor, channel, on_behalf_of = _subject(request)
    try:
        _, created = services.report_subscribe(report=report, customer=customer, by=actor, channel=channel,
                                               on_behalf_of=on_behalf_of)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if report.case.customer_id == customer.pk:
            messages.success(request, "This is your own report.")
        else:
            messages.success(request, "They are following this report. We will tell them when it changes."
                             if on_behalf_of else "You are following this report. We will tell you when it changes.")
    return redirect("portal:report_public", reference=report.case.reference)


@require_POST
@signed_in_required
def report_unfollow(request: HttpRequest, reference: str) -> HttpResponse:
    """Stop following a report: a plain form button on its page and in "your reports", no JavaScript needed.

    Stopping twice is harmless; a report that was never followed says so.
    Closed reports can be left too (the follower may not want the feedback).
    """
    report = selectors.get_public_report(reference)
    customer, actor, channel, on_behalf_of = _subject(request)
    try:
        stopped = services.report_unsubscribe(report=report, customer=customer, by=actor, channel=channel,
                                              on_behalf_of=on_behalf_of)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        who = "They" if on_behalf_of else "You"
        messages.success(request, f"{who} are no longer following this report. We will not send any more updates "
                                  "about it." if stopped else f"{who} were not following this report.")
    if request.POST.get("next") == "your-reports":
        return redirect("portal:your_reports")
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
    customer, _, _, on_behalf_of = assist.subject_and_actor(request)
    made, following = selectors.reports_for_customer(customer)
    return render(request, "portal/your_reports.html", {"made": made, "following": following,
                                                        "acting": on_behalf_of})


def _errors_to_form(form, exc: ValidationError, *, default_field: str | None, rename: dict | None = None) -> None:
    """A service's ValidationError on the form: keyed messages on their (renamed) fields, others on `default_field`."""
    rename = rename or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = rename.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(default_field, exc.messages)
