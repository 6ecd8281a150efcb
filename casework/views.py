"""Staff casework pages: team queues, get next, the case page and its actions.

Thin views: read through selectors, write through services, and put a
service's ValidationError back on the form. Everything works without
JavaScript: actions are plain forms that POST and redirect.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import staff_area_required
from oxtom.accounts.permissions import Permission
from oxtom.cases import owners, rules, selectors, services
from oxtom.cases.models import Case, Status
from oxtom.core.audit import audit_record
from oxtom.core.forms import errors_onto_form as _put_errors_on_form
from oxtom.customers.selectors import customers_for_user, interactions_page

from . import forms as f

# --- queues ------------------------------------------------------------------------------


@staff_area_required
@require_GET
def queue_list(request: HttpRequest) -> HttpResponse:
    """The teams whose queues this person can open; one team goes straight to its queue."""
    teams = list(selectors.teams_for_user(request.user).order_by("name"))
    if len(teams) == 1:
        return redirect("casework:queue", team_slug=teams[0].slug)
    return render(request, "casework/queue_list.html", {"teams": teams})


def _filters_from(form: f.QueueFilterForm) -> selectors.QueueFilters:
    """Valid filters apply; a field with an error is ignored (and reported on the page)."""
    form.is_valid()
    data = {name: form.cleaned_data.get(name) for name in form.fields if name not in form.errors}
    return selectors.QueueFilters(
        service_id=data.get("service").pk if data.get("service") else None,
        priority=data.get("priority") or None,
        status=data.get("status") or None,
        division_id=data.get("division").pk if data.get("division") else None,
        sla=data.get("sla") or None,
        assigned=data.get("assigned") or None,
    )


@staff_area_required
@require_GET
def queue(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, team_slug)
    form = f.QueueFilterForm(request.GET or None, team=team)
    filters = _filters_from(form) if request.GET else selectors.QueueFilters()
    page = selectors.queue_page(user=request.user, team=team, filters=filters, cursor=request.GET.get("after", ""))
    base_params = {k: v for k, v in request.GET.items() if k not in ("after", "sla") and v and k in form.fields}
    sla_tabs = [
        {
            "state": state,
            "label": rules.SlaState.LABELS[state],
            "count": page.shown[state],
            "href": "?" + urlencode({**base_params, "sla": state}),
            "current": filters.sla == state,
        }
        for state in rules.SlaState.FILTERABLE
    ]
    next_href = ""
    if page.next_cursor:
        params = {k: v for k, v in request.GET.items() if k != "after" and v and k in form.fields}
        next_href = "?" + urlencode({**params, "after": page.next_cursor})
    can_manage = _can_manage(request.user, team)
    return render(request, "casework/queue.html", {
        "team": team,
        "filter_form": form,
        "page": page,
        "sla_tabs": sla_tabs,
        "all_href": "?" + urlencode(base_params) if base_params else "?",
        "next_href": next_href,
        "is_first_page": not request.GET.get("after"),
        "first_href": "?" + urlencode({k: v for k, v in request.GET.items() if k != "after" and v and k in form.fields}),
        "can_claim": services.can_take_cases(request.user, team.pk),
        "can_manage": can_manage,
        "officers": selectors.team_officers(team) if can_manage else [],
        "return_query": "?" + request.GET.urlencode() if request.GET else "",
    })


@staff_area_required
@require_POST
def claim_next(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, team_slug)
    try:
        case = services.case_claim_next(officer=request.user, team=team)
    except PermissionDenied:
        messages.error(request, "Only officers in this team can take its cases")
        return redirect("casework:queue", team_slug=team.slug)
    if case is None:
        messages.info(request, "There are no unassigned cases in this queue")
        return redirect("casework:queue", team_slug=team.slug)
    messages.success(request, f"Case {case.reference} is now yours")
    return redirect("casework:case", reference=case.reference)


# --- team leaders: workload and bulk reassignment ------------------------------------------------


def _can_manage(user: Any, team: Any) -> bool:
    return user.has_team_permission(Permission.CASE_ASSIGN, team.pk) and (
        user.has_role("administrator") or services.is_team_member(user, team.pk)
    )


@staff_area_required
@require_GET
def workload(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, team_slug)
    if not _can_manage(request.user, team):
        raise PermissionDenied
    loads, unassigned = selectors.team_workload(team)
    return render(request, "casework/workload.html", {"team": team, "loads": loads, "unassigned": unassigned})


@staff_area_required
@require_POST
def bulk_reassign(request: HttpRequest, team_slug: str) -> HttpResponse:
    """Reassign ticked cases, then back to the queue page the leader came from (filters kept)."""
    team = selectors.get_team_for_user(request.user, team_slug)
    if not _can_manage(request.user, team):
        raise PermissionDenied
    back = reverse("casework:queue", kwargs={"team_slug": team.slug})
    query = request.POST.get("return_query", "")
    if query.startswith("?") and len(query) < 500 and "//" not in query:
        back += query
    form = f.BulkReassignForm(request.POST, team=team)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect(back)
    try:
        changed = services.case_bulk_reassign(team=team, items=form.cleaned_data["cases"],
                                              assignee=form.cleaned_data["assignee"], by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(back)
    messages.success(request, f"{changed} case{'s' if changed != 1 else ''} given to {form.cleaned_data['assignee']}")
    return redirect(back)


@staff_area_required
@require_GET
def qa_list(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, team_slug)
    if not _can_manage(request.user, team):
        raise PermissionDenied
    return render(request, "casework/qa_list.html", {"team": team, "checks": selectors.qa_queue(team)})


@staff_area_required
@require_http_methods(["GET", "POST"])
def qa_review(request: HttpRequest, team_slug: str, check_id: int) -> HttpResponse:
    team = selectors.get_team_for_user(request.user, team_slug)
    if not _can_manage(request.user, team):
        raise PermissionDenied
    check = selectors.get_qa_check(team, check_id)
    form = f.QaCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.qa_check_record(check=check, result=form.cleaned_data["result"],
                                     feedback=form.cleaned_data["feedback"], by=request.user)
        except ValidationError as exc:
            _put_errors_on_form(form, exc)
        else:
            messages.success(request, f"Quality check of {check.case.reference} recorded")
            return redirect("casework:qa", team_slug=team.slug)
    return render(request, "casework/qa_review.html", {
        "team": team, "check": check, "case": check.case, "form": form,
        "timeline": selectors.case_timeline(check.case, limit=30),
    })


# --- the case page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing an officer can do to a case: its form, its service call and when it is offered."""

    slug: str
    title: str
    button: str
    form: type[f.CaseActionForm]
    run: Callable[[Case, dict, Any], Case]
    offered: Callable[[Case], bool]
    done: str
    permission: Permission = Permission.CASE_WORK


def _open(case: Case) -> bool:
    return case.status != Status.CLOSED


def _can(target: str) -> Callable[[Case], bool]:
    return lambda case: rules.can_transition(case.status, target)


ACTIONS: dict[str, Action] = {a.slug: a for a in [
    Action("screen", "Screen and route this case", "Route case", f.ScreenForm,
           lambda c, d, u: services.case_screen(
               case=c, team=d["team"], priority=d["priority"], safeguarding=d["safeguarding"],
               vulnerable_customer=d["vulnerable_customer"], special_category=d["special_category"],
               note=d.get("note", ""), expected_version=d["version"], by=u),
           services.in_intake, "Case screened and routed"),
    Action("accept", "Accept this case", "Accept case", f.AcceptForm,
           lambda c, d, u: services.case_accept(case=c, expected_version=d["version"], by=u),
           lambda c: c.status == Status.NEW and not services.in_intake(c), "Case accepted"),
    Action("assign", "Assign this case", "Assign", f.AssignForm,
           lambda c, d, u: services.case_assign(case=c, assignee=d["assignee"], expected_version=d["version"], by=u),
           _open, "Assignment changed"),
    Action("priority", "Change the priority", "Change priority", f.PriorityForm,
           lambda c, d, u: services.case_change_priority(case=c, priority=d["priority"], reason=d["reason"],
                                                         expected_version=d["version"], by=u),
           _open, "Priority changed"),
    Action("expected-date", "Set the expected date", "Set date", f.ExpectedDateForm,
           lambda c, d, u: services.case_set_expected_date(case=c, expected_date=d["expected_date"],
                                                           expected_version=d["version"], by=u),
           _open, "Expected date set"),
    Action("request-information", "Ask the customer for information", "Send request", f.RequestInformationForm,
           lambda c, d, u: services.case_request_information(case=c, request_text=d["request_text"],
                                                             expected_version=d["version"], by=u),
           _can(Status.AWAITING_CUSTOMER), "Request sent to the customer"),
    Action("information-received", "Record the customer's reply", "Record reply", f.InformationReceivedForm,
           lambda c, d, u: services.case_information_received(case=c, details=d["details"],
                                                              expected_version=d["version"], by=u),
           lambda c: c.status == Status.AWAITING_CUSTOMER, "Reply recorded: work has restarted"),
    Action("note", "Add a private note", "Add note", f.NoteForm,
           lambda c, d, u: services.case_add_note(case=c, text=d["text"], expected_version=d["version"], by=u),
           lambda c: True, "Note added"),
    Action("update", "Send an update to the customer", "Add update", f.PublicUpdateForm,
           lambda c, d, u: services.case_add_public_update(case=c, text=d["text"], expected_version=d["version"], by=u),
           _open, "Update added"),
    Action("decide", "Record a decision", "Record decision", f.DecideForm,
           lambda c, d, u: services.case_decide(case=c, decision=d["decision"], reasons=d["reasons"],
                                                expected_version=d["version"], by=u),
           _can(Status.DECIDED), "Decision recorded"),
    Action("close", "Close this case", "Close case", f.CloseForm,
           lambda c, d, u: services.case_close(case=c, outcome=d["outcome"], note=d.get("note", ""),
                                               expected_version=d["version"], by=u),
           _open, "Case closed"),
    Action("reopen", "Reopen this case", "Reopen case", f.ReopenForm,
           lambda c, d, u: services.case_reopen(case=c, reason=d["reason"], expected_version=d["version"], by=u),
           lambda c: c.status == Status.CLOSED, "Case reopened"),
    Action("duplicate", "Link as a duplicate", "Link and close", f.DuplicateForm,
           lambda c, d, u: services.case_link_duplicate(case=c, original=d["original"],
                                                        expected_version=d["version"], by=u),
           _open, "Linked as a duplicate and closed"),
    Action("extend", "Extend the due date", "Extend", f.ExtendForm,
           lambda c, d, u: services.case_extend(case=c, new_due=d["new_due"], reason=d["reason"],
                                                expected_version=d["version"], by=u),
           lambda c: not services.extension_refusal(c), "Due date extended"),
    Action("next-stage", "Move to the next stage", "Move to next stage", f.NextStageForm,
           lambda c, d, u: services.case_next_stage(case=c, note=d.get("note", ""), expected_version=d["version"],
                                                    by=u),
           lambda c: c.status != Status.CLOSED and services.next_stage(c) is not None, "Moved to the next stage"),
    Action("follow-on", "Open a follow-on case", "Open follow-on case", f.FollowOnForm,
           lambda c, d, u: services.case_open_follow_on(parent=c, service=d["service"], reason=d["reason"], by=u),
           lambda c: c.status in (Status.DECIDED, Status.CLOSED), "Follow-on case opened"),
    Action("refer", "Refer to another team", "Refer case", f.ReferForm,
           lambda c, d, u: services.case_refer(case=c, team=d["team"], reason=d["reason"],
                                               expected_version=d["version"], by=u),
           _can(Status.NEW), "Case referred"),
]}


def _worked_elsewhere(owner: owners.OwnerPage | None, slug: str) -> str:
    """The page that must take this step, or "" when the case page may."""
    return owner.url if owner is not None and slug in owner.steps else ""


_REFERENCE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")


@staff_area_required
@require_GET
def find_case(request: HttpRequest) -> HttpResponse:
    """Straight to the case with this reference, if this member of staff may see it.

    A reference they may not see answers exactly as one that does not exist (404),
    so the box reveals nothing about other teams' cases.
    """
    typed = (request.GET.get("reference") or "")[:40]
    reference = "".join(typed.split()).upper()
    error, status = "", 200
    if not reference:
        error, status = "Enter a case reference", 400
    elif not _REFERENCE_RE.match(reference):
        error, status = "Enter a case reference like HW-2026-7KXM3Q, using only letters, numbers and hyphens", 400
    else:
        try:
            case = selectors.get_case_for_user(request.user, reference)
        except Http404:
            error, status = f"No case with the reference {reference} was found in the cases you can see", 404
        else:
            return redirect("casework:case", reference=case.reference)
    return render(request, "casework/find_case.html", {"reference": typed, "error": error}, status=status)


@staff_area_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, reference)
    customer = customers_for_user(request.user).filter(pk=case.customer_id).first()
    interactions: list = []
    if customer is not None:
        interactions, _ = interactions_page(customer, user=request.user, per_page=5)
        # Every staff view of a customer's record is audited (docs/CONVENTIONS.md §8).
        audit_record(by=request.user, action="view", target=customer, summary=f"Viewed with case {case.reference}")
    can_work = services.can_work_case(request.user, case)
    owner = owners.owner_page(case)
    return render(request, "casework/case_detail.html", {
        "case": case,
        "owner_page": owner,
        "answers": owners.case_answers(case, audience=owners.STAFF, user=request.user),
        "panels": owners.case_panels(case, user=request.user),
        "customer": customer,
        "interactions": interactions,
        "other_cases": selectors.other_open_cases(request.user, case),
        "timeline": selectors.case_timeline(case),
        "timeline_limit": selectors.TIMELINE_LIMIT,
        "sla_state": rules.case_sla_state(case),
        "sla_labels": rules.SlaState.LABELS,
        "actions": [a for a in ACTIONS.values()
                    if can_work and a.offered(case) and a.slug != "note" and not _worked_elsewhere(owner, a.slug)],
        "note_form": f.NoteForm(case=case, user=request.user) if can_work else None,
        "can_work": can_work,
        "links": selectors.case_links(case, user=request.user),
        "tasks": selectors.case_tasks(case),
        "task_form": f.TaskForm(case=case) if can_work and case.is_open else None,
    })


@staff_area_required
@require_http_methods(["GET", "POST"])
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action")
    case = selectors.get_case_for_user(request.user, reference)
    if not services.can_work_case(request.user, case) or not request.user.has_team_permission(spec.permission, case.team_id):
        raise PermissionDenied
    case_url = reverse("casework:case", kwargs={"reference": case.reference})
    elsewhere = _worked_elsewhere(owners.owner_page(case), spec.slug)
    if elsewhere:
        messages.info(request, f"{spec.title} on this page instead, so the resident is told")
        return redirect(elsewhere)
    if request.method == "GET":
        if not spec.offered(case):
            messages.info(request, f"You cannot {spec.title[0].lower()}{spec.title[1:]} now: it is {case.get_status_display().lower()}")
            return redirect(case_url)
        form = spec.form(case=case, user=request.user)
    else:
        form = spec.form(request.POST, case=case, user=request.user)
        if form.is_valid():
            try:
                result = spec.run(case, form.cleaned_data, request.user)
            except services.StaleCaseError as exc:
                # Keep what they typed; the hidden version moves on so they can resubmit after checking.
                data = request.POST.copy()
                data["version"] = str(Case.objects.filter(pk=case.pk).values_list("version", flat=True).first())
                form = spec.form(data, case=case, user=request.user)
                form.is_valid()
                form.add_error(None, exc.messages[0])
                case.refresh_from_db()
            except ValidationError as exc:
                _put_errors_on_form(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "You cannot do that")
            else:
                if isinstance(result, Case) and result.pk != case.pk:  # a follow-on case: go and work it
                    messages.success(request, f"{spec.done}: {result.reference}")
                    return redirect("casework:case", reference=result.reference)
                messages.success(request, spec.done)
                return redirect(case_url)
    return render(request, "casework/case_action.html", {
        "case": case, "action": spec, "form": form, "case_url": case_url,
    })
