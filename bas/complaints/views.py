"""Complaint pages: making one (/complaints/), the complainant's own (/account/complaints/), the complaints
team's (/staff/complaints/) and the annual report (members' and public). Thin: forms in, services and
selectors out; staff views are audited."""
from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.accounts.decorators import member_area_required, signed_in_required, staff_area_required
from oxtom.accounts.models import User
from oxtom.cases import services as cases
from oxtom.core.audit import audit_record
from oxtom.core.forms import errors_onto_form, posted
from oxtom.customers import assist
from oxtom.customers.services import customer_ensure_for_user

from . import forms as f
from . import report as annual
from . import selectors, services
from .models import Complaint, LearningAction

SESSION_MADE = "complaints_made"



def _refused(form, exc: Exception) -> None:
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or "You cannot do this")
    else:
        errors_onto_form(form, exc)


# --- making a complaint (public) -------------------------------------------------------------------

@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/start.html", {"year": annual.financial_year()})


@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    customer, actor, channel, on_behalf_of = assist.subject_and_actor(request)
    signed_in = request.user.is_authenticated
    if signed_in and customer is None and not on_behalf_of:
        customer = customer_ensure_for_user(user=request.user, by=request.user)
    anonymous = customer is None
    form = f.ComplaintForm(posted(request), cases=list(services.own_cases_for(customer)),
                           services=list(services.complaint_services()))
    contact = f.ContactForm(posted(request), prefix="contact") if anonymous else None
    if request.method == "POST":
        valid = form.is_valid() & (contact.is_valid() if contact is not None else True)
        if valid:
            try:
                complaint = services.complaint_submit(
                    customer=customer, by=actor, on_behalf_of=on_behalf_of, channel=channel,
                    what_happened=form.cleaned_data["what_happened"],
                    outcome_wanted=form.cleaned_data.get("outcome_wanted", ""),
                    about_case=form.cleaned_data.get("about_case"), about_service=form.cleaned_data.get("about_service"),
                    submission_key=request.POST.get("submission_key", ""),
                    contact=contact.cleaned_data if contact is not None else None)
            except cases.DuplicateSubmission as dup:
                messages.info(request, "You have already sent this complaint: it has not been sent again")
                return redirect("complaints:made", reference=dup.case.reference)
            except (ValidationError, PermissionDenied) as exc:
                _refused(contact if anonymous and _contact_error(exc) else form, exc)
            else:
                made = request.session.get(SESSION_MADE, [])[-9:]
                request.session[SESSION_MADE] = made + [complaint.reference]
                return redirect("complaints:made", reference=complaint.reference)
    errors = form if form.errors else (contact if contact is not None and contact.errors else form)
    return render(request, "complaints/new.html", {"form": errors, "complaint_form": form, "contact": contact,
                                                   "anonymous": anonymous, "assisted": on_behalf_of})


def _contact_error(exc: Exception) -> bool:
    return isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and bool(
        set(exc.error_dict) & {"first_name", "last_name", "email", "phone"})


@require_GET
def made(request: HttpRequest, reference: str) -> HttpResponse:
    customer, _, _, _ = assist.subject_and_actor(request)
    if reference not in request.session.get(SESSION_MADE, []):
        # Only who made it sees this page; a signed-in complainant may come back to it.
        if customer is None or not Complaint.objects.filter(reference=reference, customer=customer).exists():
            raise Http404
    complaint = get_object_or_404(Complaint.objects.prefetch_related("stages"), reference=reference)
    return render(request, "complaints/made.html", {"complaint": complaint, "stage": complaint.stages.all()[0],
                                                    "signed_in": request.user.is_authenticated})


# --- the complainant's own complaints (/account/complaints/) ---------------------------------------------

def _account_customer(request: HttpRequest):
    customer, _, _, _ = assist.subject_and_actor(request)
    return customer


@signed_in_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/account_list.html",
                  {"complaints": selectors.complaints_for_customer(_account_customer(request))})


@signed_in_required
@require_GET
def account_detail(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.complaint_for_customer(_account_customer(request), reference)
    stages = {s.number: s for s in complaint.stages.all()}
    return render(request, "complaints/account_detail.html", {
        "complaint": complaint, "stages": stages, "stage1": stages.get(1), "stage2": stages.get(2),
        "refusal": services.escalation_refusal(complaint, stages), "ombudsman": services.OMBUDSMAN})


@signed_in_required
@require_http_methods(["GET", "POST"])
def account_escalate(request: HttpRequest, reference: str) -> HttpResponse:
    customer, actor, _, on_behalf_of = assist.subject_and_actor(request)
    complaint = selectors.complaint_for_customer(customer, reference)
    stages = {s.number: s for s in complaint.stages.all()}
    form = f.EscalateForm(posted(request))
    refusal = services.escalation_refusal(complaint, stages)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_escalate(complaint=complaint, reason=form.cleaned_data["reason"], by=actor,
                                        on_behalf_of=on_behalf_of,
                                        submission_key=request.POST.get("submission_key", ""))
        except cases.DuplicateSubmission:
            messages.info(request, "You have already asked for a stage 2 review")
            return redirect("complaints_account:detail", reference=reference)
        except (ValidationError, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, "We have received your request for a stage 2 review")
            return redirect("complaints_account:detail", reference=reference)
    return render(request, "complaints/escalate.html", {"form": form, "complaint": complaint, "refusal": refusal,
                                                        "stage1": stages.get(1)})


# --- the complaints team (/staff/complaints/) -------------------------------------------------------

def _handler(view):
    def wrapped(request, *args, **kwargs):
        if not services.can_handle_complaints(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return staff_area_required(wrapped)


@_handler
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    return render(request, "complaints/queue.html", {"rows": selectors.queue(request.user, mine=mine), "mine": mine,
                                                     "limit": selectors.QUEUE_LIMIT})


@_handler
@require_GET
def learning(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/learning.html", {"actions": selectors.open_learning_actions(request.user)})


def _load(request: HttpRequest, reference: str, what: str) -> Complaint:
    complaint = selectors.complaint_for_staff(request.user, reference)
    audit_record(by=request.user, action="view", target=complaint, summary=f"Complaint {reference}: {what}")
    return complaint


@_handler
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = _load(request, reference, "viewed")
    stages = {s.number: s for s in complaint.stages.all()}
    actions = [(s, services.extension_refusal(s)) for s in stages.values()]
    return render(request, "complaints/detail.html", {
        "complaint": complaint, "stages": stages, "stage_list": list(stages.values()), "actions": actions,
        "learning_actions": list(complaint.learning_actions.all()),
        "answered": any(s.is_responded for s in stages.values()),
        "can_convert": complaint.state == Complaint.State.OPEN and 2 not in stages and not stages[1].is_responded})


def _stage_or_404(complaint: Complaint, number: int):
    for stage in complaint.stages.all():
        if stage.number == number:
            return stage
    raise Http404


@_handler
@require_http_methods(["GET", "POST"])
def acknowledge(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    complaint = _load(request, reference, f"acknowledge stage {number}")
    stage = _stage_or_404(complaint, number)
    error = ""
    if request.method == "POST":
        try:
            services.complaint_acknowledge(complaint=complaint, number=number, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, f"Stage {number} acknowledged: the complainant has been told")
            return redirect("complaints_staff:detail", reference=reference)
    return render(request, "complaints/acknowledge.html", {"complaint": complaint, "stage": stage, "error": error})


@_handler
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    complaint = _load(request, reference, f"respond to stage {number}")
    stage = _stage_or_404(complaint, number)
    form = f.RespondForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_respond(complaint=complaint, number=number, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"Stage {number} response sent to the complainant")
            return redirect("complaints_staff:detail", reference=reference)
    return render(request, "complaints/respond.html", {"complaint": complaint, "stage": stage, "form": form,
                                                       "ombudsman": services.OMBUDSMAN})


@_handler
@require_http_methods(["GET", "POST"])
def extend(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    complaint = _load(request, reference, f"extend stage {number}")
    stage = _stage_or_404(complaint, number)
    form = f.ExtendForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_extend(complaint=complaint, number=number, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Response date extended: the complainant has been told why")
            return redirect("complaints_staff:detail", reference=reference)
    return render(request, "complaints/extend.html", {"complaint": complaint, "stage": stage, "form": form,
                                                      "refusal": services.extension_refusal(stage)})


@_handler
@require_http_methods(["GET", "POST"])
def convert(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = _load(request, reference, "turn into a service request")
    form = f.ConvertForm(posted(request), services=list(services.complaint_services()))
    if request.method == "POST" and form.is_valid():
        try:
            made = services.complaint_convert(complaint=complaint, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"Service request {made.reference} made: the resident has been told")
            return redirect("complaints_staff:detail", reference=reference)
    return render(request, "complaints/convert.html", {"complaint": complaint, "form": form})


def _staff_owners():
    users = User.objects.filter(is_active=True, team_memberships__isnull=False).distinct().order_by("full_name", "email")
    return [u for u in users[:500] if u.can_enter_staff_area]


@_handler
@require_http_methods(["GET", "POST"])
def learning_add(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = _load(request, reference, "add a learning action")
    form = f.LearningForm(posted(request), owners=_staff_owners())
    if request.method == "POST" and form.is_valid():
        try:
            services.learning_action_add(complaint=complaint, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Learning action added")
            return redirect("complaints_staff:detail", reference=reference)
    return render(request, "complaints/learning_add.html", {"complaint": complaint, "form": form})


@staff_area_required
@require_http_methods(["POST"])
def learning_done(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """The action's owner (from their staff home) or the complaints team marks a learning action done."""
    item = LearningAction.objects.select_related("complaint").filter(pk=pk, complaint__reference=reference).first()
    handler = services.can_handle_complaints(request.user)
    if item is None or not (handler or item.owner_id == request.user.pk):
        raise Http404
    form = f.DoneForm(request.POST)
    if form.is_valid():
        try:
            services.learning_action_complete(item=item, note=form.cleaned_data["note"], by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "Learning action marked as done")
    else:
        messages.error(request, "The note must be 500 characters or fewer")
    if handler:
        return redirect("complaints_staff:detail", reference=reference)
    return redirect("/staff/")


@_handler
@require_http_methods(["GET", "POST"])
def ombudsman(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = _load(request, reference, "record the Ombudsman's decision")
    form = f.OmbudsmanForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_record_ombudsman(complaint=complaint, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, "The Ombudsman's decision is recorded")
            return redirect("complaints_staff:detail", reference=reference)
    return render(request, "complaints/ombudsman.html", {"complaint": complaint, "form": form})


# --- the annual report ----------------------------------------------------------------------------

def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if not raw:
        return annual.financial_year()
    if not (raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= annual.financial_year()):
        raise Http404("Choose a year the report covers")
    return int(raw)


def _years() -> list[tuple[int, str]]:
    current = annual.financial_year()
    return [(y, annual.year_label(y)) for y in range(current, current - 4, -1)]


def _csv(report: annual.Report, name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{report.year}.csv"'
    writer = csv.writer(response)
    for row in annual.csv_rows(report):
        writer.writerow([_safe_cell(c) for c in row])
    return response


def _safe_cell(value: str) -> str:
    """No spreadsheet formulas from free text (a remedy starting with '=')."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@require_GET
def public_report(request: HttpRequest) -> HttpResponse:
    report = annual.build(_year(request), public=True)
    return render(request, "complaints/report.html", {"report": report, "years": _years(), "public": True,
                                                      "csv_url": reverse("complaints:report_csv")})


@require_GET
def public_report_csv(request: HttpRequest) -> HttpResponse:
    return _csv(annual.build(_year(request), public=True), "complaints-report")


@member_area_required
@require_GET
def member_report(request: HttpRequest) -> HttpResponse:
    report = annual.build(_year(request), public=False)
    return render(request, "complaints/report.html", {"report": report, "years": _years(), "public": False,
                                                      "csv_url": reverse("complaints_members:report_csv")})


@member_area_required
@require_GET
def member_report_csv(request: HttpRequest) -> HttpResponse:
    report = annual.build(_year(request), public=False)
    audit_record(by=request.user, action="export", target=request.user, summary="Complaints report exported",
                 year=report.year)
    return _csv(report, "complaints-report-members")
