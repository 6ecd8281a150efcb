"""Tasks under a case (add, mark done, reopen) and a member of staff's own requests ("My requests").

Plain forms that POST and redirect back to the case page, so they work without JavaScript. The
service checks who may work the case; a case the user may not see is a 404 (get_case_for_user).
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import staff_area_required
from oxtom.cases import rules, selectors, services
from oxtom.cases.models import CaseTask
from oxtom.core.forms import errors_onto_form

from .forms import TaskForm


def _task(case, task_id: int) -> CaseTask:
    task = CaseTask.objects.select_related("case", "case__team").filter(case=case, pk=task_id).first()
    if task is None:
        raise Http404("No such task")
    return task


@staff_area_required
@require_http_methods(["GET", "POST"])
def task_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, reference)
    if not services.can_work_case(request.user, case):
        raise PermissionDenied
    form = TaskForm(request.POST if request.method == "POST" else None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_task_add(case=case, title=form.cleaned_data["title"], assignee=form.cleaned_data["assignee"],
                                   due_on=form.cleaned_data["due_on"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Task added")
            return redirect("casework:case", reference=case.reference)
    status = 400 if request.method == "POST" else 200
    return render(request, "casework/task_add.html", {"case": case, "form": form}, status=status)


def _change(request: HttpRequest, reference: str, task_id: int, *, done: bool) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, reference)
    task = _task(case, task_id)
    if not services.can_work_case(request.user, case):
        raise PermissionDenied
    try:
        if done:
            services.case_task_complete(task=task, by=request.user)
        else:
            services.case_task_reopen(task=task, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Task {'done' if done else 'reopened'}: {task.title}")
    return redirect(reverse("casework:case", kwargs={"reference": case.reference}) + "#case-tasks")


@staff_area_required
@require_POST
def task_complete(request: HttpRequest, reference: str, task_id: int) -> HttpResponse:
    return _change(request, reference, task_id, done=True)


@staff_area_required
@require_POST
def task_reopen(request: HttpRequest, reference: str, task_id: int) -> HttpResponse:
    return _change(request, reference, task_id, done=False)


@staff_area_required
@require_GET
def my_requests(request: HttpRequest) -> HttpResponse:
    rows = selectors.requests_made_by(request.user)
    on = rules.today()
    for case in rows:
        case.sla_label = rules.SlaState.LABELS[rules.case_sla_state(case, on=on)]
    return render(request, "casework/my_requests.html", {"requests": rows, "limit": selectors.MY_REQUESTS_LIMIT})


@staff_area_required
@require_GET
def my_request(request: HttpRequest, reference: str) -> HttpResponse:
    """What the colleague who asked sees: the status, due date and what passed between us and them
    (never the team's private notes: they see it as a customer would)."""
    case = selectors.get_request_for_requester(request.user, reference)
    return render(request, "casework/my_request.html", {
        "case": case,
        "timeline": selectors.customer_timeline(case),
        "sla_label": rules.SlaState.LABELS[rules.case_sla_state(case)],
        "can_work": services.can_work_case(request.user, case),
    })
