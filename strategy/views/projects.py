"""The project office and the Fit for the Future board under /staff/projects/.

Who gets in: the PMO and board members see every project; project managers
those they manage or proposed (anyone else's is a 404); other staff 403.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.accounts.decorators import _guard, permission_required
from oxtom.accounts.permissions import Permission as P
from oxtom.core.forms import errors_onto_form, posted

from .. import forms as f
from .. import selectors
from ..models import Project
from ..services import pmo

projects_area = _guard(lambda u: any(u.has_permission(p) for p in (P.PMO_WORK, P.BOARD_DECIDE, P.PROJECT_PROPOSE)))
board_required = permission_required(P.BOARD_DECIDE)
pmo_required = permission_required(P.PMO_WORK)


@projects_area
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    projects = list(selectors.projects_for_user(request.user).select_related("project_manager")
                    .order_by("status", "reference"))
    return render(request, "strategy/projects/register.html", {
        "projects": projects, "can_board": request.user.has_permission(P.BOARD_DECIDE),
        "can_pmo": request.user.has_permission(P.PMO_WORK),
    })


@permission_required(P.PROJECT_PROPOSE)
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    form = f.ProposalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = pmo.project_propose(
                title=data["title"], directorate=data["directorate"], sponsor=data["sponsor"],
                cross_cutting=data["cross_cutting"], objectives=data["objectives"],
                estimated_cost=data["estimated_cost"], cost_notes=data["cost_notes"], benefits=data["benefits"],
                risks=data["risks"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Proposal {project.reference} sent to the Fit for the Future board")
            return redirect("strategy_projects:project", reference=project.reference)
    return render(request, "strategy/projects/propose.html", {"form": form})


@projects_area
@require_GET
def project_detail(request: HttpRequest, reference: str) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, reference)
    return render(request, "strategy/projects/project.html", {
        "project": project, "benefits": selectors.benefit_rows(list(project.benefits.all())),
        "can_record_benefits": pmo.can_report(request.user, project) and project.status == Project.Status.APPROVED,
        "can_report": pmo.can_report(request.user, project)
        and project.status == Project.Status.APPROVED,
        "can_decide": request.user.has_permission(P.BOARD_DECIDE) and project.status == Project.Status.PROPOSED,
        "can_allocate": request.user.has_permission(P.PMO_WORK) and project.status == Project.Status.APPROVED,
        "proposal_risks": [r for r in project.all_risks if r.highlight_id is None],
    })


@board_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, reference)
    form = f.DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            pmo.project_decide(project=project, approve=form.cleaned_data["decision"] == "approve",
                               note=form.cleaned_data["note"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"{project.reference} {'approved' if form.cleaned_data['decision'] == 'approve' else 'rejected'}")
            return redirect("strategy_projects:board")
    return render(request, "strategy/projects/decide.html", {"form": form, "project": project})


@pmo_required
@require_http_methods(["GET", "POST"])
def allocate(request: HttpRequest, reference: str) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, reference)
    form = f.AllocationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            pmo.project_allocate(project=project, member=form.cleaned_data["member"], days=form.cleaned_data["days"],
                                 by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['member'].user.full_name} allocated to {project.reference}")
            return redirect("strategy_projects:project", reference=project.reference)
    return render(request, "strategy/projects/allocate.html", {"form": form, "project": project,
                                                               "pool": selectors.resource_pool()})


@projects_area
@require_http_methods(["GET", "POST"])
def highlight(request: HttpRequest, reference: str) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, reference)
    if not pmo.can_report(request.user, project):
        raise PermissionDenied
    initial = {"month": pmo.reporting_month(timezone.localdate()).strftime("%Y-%m")}
    form = f.HighlightForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pmo.highlight_submit(project=project, month=data["month"], summary=data["summary"],
                                 rags={k: data[f"rag_{k}"] for k in ("time", "cost", "scope", "benefits")},
                                 decisions_needed=data["decisions_needed"], risks=data["risks"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Highlight report for {data['month']:%B %Y} submitted")
            return redirect("strategy_projects:project", reference=project.reference)
    return render(request, "strategy/projects/highlight.html", {"form": form, "project": project})


@projects_area
@require_http_methods(["GET", "POST"])
def benefit_actual(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """The project manager (or the PMO) records an actual for a benefit with no performance measure."""
    benefit = selectors.get_benefit_for_user(request.user, reference, pk)
    if benefit.measure_id is not None:
        raise Http404  # its actuals come from the measure
    if not pmo.can_report(request.user, benefit.project):
        raise PermissionDenied
    form = f.BenefitActualForm(posted(request))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            pmo.benefit_record(benefit=benefit, month=data["month"], value=data["value"], note=data["note"],
                               by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Actual for {data['month']:%B %Y} recorded")
            return redirect("strategy_projects:project", reference=benefit.project.reference)
    return render(request, "strategy/projects/benefit_actual.html", {
        "form": form, "benefit": benefit, "project": benefit.project,
        "recorded": list(benefit.realisations.all())[::-1]})


@board_required
@require_http_methods(["GET", "POST"])
def board(request: HttpRequest) -> HttpResponse:
    """The board's page: the portfolio exceptions first, proposals to decide, and its decisions."""
    form = f.BoardDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            pmo.board_decision_record(text=form.cleaned_data["text"], project=None,
                                      decided_on=form.cleaned_data["decided_on"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Decision recorded")
            return redirect("strategy_projects:board")
    rows = selectors.portfolio()
    return render(request, "strategy/projects/board.html", {
        "form": form, "rows": rows, "exceptions": [r for r in rows if r.exception],
        "others": [r for r in rows if not r.exception], "proposals": selectors.proposals_waiting(),
        "decisions": selectors.recent_decisions(), "benefits": selectors.portfolio_benefits(),
    })


@pmo_required
@require_GET
def pool(request: HttpRequest) -> HttpResponse:
    return render(request, "strategy/projects/pool.html", {"pool": selectors.resource_pool(),
                                                           "late": pmo.late_projects(timezone.localdate())})
