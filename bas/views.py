"""Business admin support pages (/staff/bas/): the menu, asking for help, the team's queue and allocation,
agreeing a date, messages, hand-over and rating, skills, menu editing and performance.

Thin views: forms check shape, bas/services.py decides. A request the reader neither asked for nor works
is a 404 (selectors.get_request_for_user); an area the role may not enter is a 403.
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import permission_required, staff_area_required
from oxtom.accounts.models import Team
from oxtom.accounts.permissions import Permission
from oxtom.cases import rules
from oxtom.core.files import private_file_response
from oxtom.core.forms import errors_onto_form
from oxtom.core.submissions import FIELD as SUBMISSION_FIELD

from . import selectors, services
from .forms import AllocateForm, DateForm, DeliverForm, MenuItemForm, MessageForm, RateForm, RequestForm, SkillsForm
from .models import Attachment, BasRequest


def _to_request(bas_request: BasRequest, anchor: str = "") -> HttpResponse:
    url = reverse("bas:request", kwargs={"reference": bas_request.case.reference})
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _form_page(request: HttpRequest, *, bas_request: BasRequest | None, form: Any, title: str, button: str,
               action: str, caption: str = "", intro: str = "", status: int = 200, files: bool = False,
               back: str = "") -> HttpResponse:
    return render(request, "bas/form_page.html", {
        "bas_request": bas_request, "form": form, "title": title, "button": button, "action": action,
        "caption": caption, "intro": intro, "multipart": files,
        "back": back or (reverse("bas:request", kwargs={"reference": bas_request.case.reference})
                         if bas_request else reverse("bas:menu")),
    }, status=status)


# --- the menu and asking ----------------------------------------------------------------------------

@staff_area_required
@require_GET
def menu(request: HttpRequest) -> HttpResponse:
    teams = selectors.bas_teams_for(request.user)
    return render(request, "bas/menu.html", {
        "menus": selectors.menus(),
        "teams": teams,
        "can_manage": services.can_manage_menus(request.user),
        "can_record_skills": services.can_record_skills(request.user),
        "open_requests": selectors.open_requests_count(request.user),
    })


@staff_area_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.get_item(code)
    form = RequestForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                made = services.request_submit(
                    item=item, details=form.cleaned_data["details"], needed_by=form.cleaned_data["needed_by"],
                    files=form.cleaned_data["files"], submission_key=request.POST.get(SUBMISSION_FIELD, ""),
                    by=request.user)
            except services.DuplicateSubmission as twin:
                return redirect("bas:request", reference=twin.case.reference)
            except ValidationError as exc:
                errors_onto_form(form, exc)
            else:
                messages.success(request, f"Request {made.case.reference} sent to {made.case.team.name}")
                return _to_request(made)
    try:
        directorate = services.directorate_for(request.user)
        team = services.team_for(item, directorate)
    except ValidationError:
        directorate = team = None
    return render(request, "bas/request_new.html", {"item": item, "form": form, "directorate": directorate,
                                                    "team": team}, status=status)


@staff_area_required
@require_GET
def my_requests(request: HttpRequest) -> HttpResponse:
    rows = selectors.my_requests(request.user)
    return render(request, "bas/my_requests.html", {"rows": rows, "limit": selectors.MY_REQUESTS_LIMIT})


# --- one request ---------------------------------------------------------------------------------------

@staff_area_required
@require_GET
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    bas_request = selectors.get_request_for_user(request.user, reference)
    user = request.user
    requester = services.is_requester(user, bas_request)
    worker = services.can_work(user, bas_request) and not requester
    case = bas_request.case
    state = bas_request.date_state
    is_open = bas_request.delivered_at is None and case.is_open
    return render(request, "bas/request.html", {
        "r": bas_request, "case": case,
        "attachments": list(bas_request.attachments.select_related("uploaded_by")),
        "thread": list(bas_request.messages.select_related("author")),
        "is_requester": requester, "is_worker": worker, "is_open": is_open,
        "sla_label": rules.SlaState.LABELS[rules.case_sla_state(case)] if case.is_open else "",
        "can_allocate": is_open and services.can_allocate(user, case.team_id),
        "can_propose": is_open and worker and case.assignee_id is not None,
        "can_counter": is_open and requester and state == BasRequest.DateState.PROPOSED,
        "can_accept": is_open and ((requester and state == BasRequest.DateState.PROPOSED)
                                   or (worker and state == BasRequest.DateState.COUNTERED)),
        "can_deliver": is_open and worker and case.assignee_id is not None,
        "can_rate": requester and bas_request.delivered_at is not None and bas_request.rated_at is None,
        "date_form": DateForm(), "message_form": MessageForm(), "rate_form": RateForm(),
    })


def _date_title(bas_request: BasRequest, user: Any) -> str:
    return "Ask for another date" if services.is_requester(user, bas_request) else "Propose a date"


@staff_area_required
@require_http_methods(["GET", "POST"])
def request_date(request: HttpRequest, reference: str) -> HttpResponse:
    bas_request = selectors.get_request_for_user(request.user, reference)
    form = DateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_propose_date(bas_request=bas_request, date=form.cleaned_data["date"],
                                          expected_version=_version(request), by=request.user)
        except PermissionDenied:
            raise
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Date proposed: {form.cleaned_data['date']:%-d %B %Y}")
            return _to_request(bas_request, "date")
    return _form_page(request, bas_request=bas_request, form=form, title=_date_title(bas_request, request.user),
                      button="Propose date", action=reverse("bas:date", kwargs={"reference": reference}),
                      caption=f"Request {reference}", status=400 if request.method == "POST" else 200)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


@staff_area_required
@require_POST
def request_accept_date(request: HttpRequest, reference: str) -> HttpResponse:
    bas_request = selectors.get_request_for_user(request.user, reference)
    try:
        services.request_accept_date(bas_request=bas_request, expected_version=_version(request), by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Date agreed")
    return _to_request(bas_request, "date")


@staff_area_required
@require_http_methods(["GET", "POST"])
def request_message(request: HttpRequest, reference: str) -> HttpResponse:
    bas_request = selectors.get_request_for_user(request.user, reference)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_message(bas_request=bas_request, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Message sent")
            return _to_request(bas_request, "messages")
    return _form_page(request, bas_request=bas_request, form=form, title="Send a message", button="Send message",
                      action=reverse("bas:message", kwargs={"reference": reference}), caption=f"Request {reference}",
                      status=400 if request.method == "POST" else 200)


@staff_area_required
@require_http_methods(["GET", "POST"])
def request_deliver(request: HttpRequest, reference: str) -> HttpResponse:
    bas_request = selectors.get_request_for_user(request.user, reference)
    if not services.can_work(request.user, bas_request):
        raise PermissionDenied
    form = DeliverForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_deliver(bas_request=bas_request, note=form.cleaned_data["note"],
                                     files=form.cleaned_data["files"], expected_version=_version(request),
                                     by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Handed over: the request is complete")
            return _to_request(bas_request)
    return _form_page(request, bas_request=bas_request, form=form, title="Hand over the deliverable",
                      button="Hand over", action=reverse("bas:deliver", kwargs={"reference": reference}),
                      caption=f"Request {reference}", files=True, status=400 if request.method == "POST" else 200,
                      intro="The colleague who asked is told and asked to rate the service. The request closes.")


@staff_area_required
@require_http_methods(["GET", "POST"])
def request_rate(request: HttpRequest, reference: str) -> HttpResponse:
    bas_request = selectors.get_request_for_user(request.user, reference)
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_rate(bas_request=bas_request, rating=form.cleaned_data["rating"],
                                  comment=form.cleaned_data["comment"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Thank you for rating the service")
            return _to_request(bas_request)
    return _form_page(request, bas_request=bas_request, form=form, title="Rate the service", button="Send rating",
                      action=reverse("bas:rate", kwargs={"reference": reference}), caption=f"Request {reference}",
                      status=400 if request.method == "POST" else 200)


@staff_area_required
@require_GET
def request_file(request: HttpRequest, reference: str, file_id: int) -> HttpResponse:
    bas_request = selectors.get_request_for_user(request.user, reference)
    attachment = Attachment.objects.filter(request=bas_request, pk=file_id).first()
    if attachment is None:
        raise Http404("No such file")
    return private_file_response(attachment.file, content_type=attachment.content_type, filename=attachment.filename)


# --- the team's queue and allocation -------------------------------------------------------------------------

@staff_area_required
@require_GET
def queues(request: HttpRequest) -> HttpResponse:
    teams = selectors.bas_teams_for(request.user)
    if not teams:
        raise PermissionDenied
    if len(teams) == 1:
        return redirect("bas:queue", slug=teams[0].slug)
    counts = selectors.waiting_counts([t.pk for t in teams])
    return render(request, "bas/queues.html", {"teams": [(t, counts.get(t.pk, 0)) for t in teams]})


@staff_area_required
@require_GET
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    team = selectors.get_bas_team_for(request.user, slug)
    return render(request, "bas/queue.html", {"q": selectors.queue(request.user, team)})


@staff_area_required
@require_http_methods(["GET", "POST"])
def request_allocate(request: HttpRequest, reference: str) -> HttpResponse:
    bas_request = selectors.get_request_for_user(request.user, reference)
    if not services.can_allocate(request.user, bas_request.case.team_id):
        raise PermissionDenied
    candidates = services.allocation_candidates(bas_request)
    form = AllocateForm(request.POST or None, candidates=candidates)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.request_allocate(bas_request=bas_request, officer=form.cleaned_data["officer"],
                                          expected_version=_version(request), by=request.user)
            except ValidationError as exc:
                errors_onto_form(form, exc, fields={"assignee": "officer"})
            else:
                messages.success(request, f"Allocated to {form.cleaned_data['officer']}")
                return redirect("bas:queue", slug=bas_request.case.team.slug)
    return render(request, "bas/allocate.html", {"r": bas_request, "case": bas_request.case, "form": form,
                                                 "candidates": candidates}, status=status)


# --- skills, menus, performance --------------------------------------------------------------------------------

@permission_required(Permission.BAS_WORK)
@require_http_methods(["GET", "POST"])
def skills(request: HttpRequest) -> HttpResponse:
    items = [item for m in selectors.menus() for item in m.items.all()]
    form = SkillsForm(request.POST or None, items=items, levels=selectors.skills_of(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.skills_set(levels=form.levels(), by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Skills saved" if changed else "No changes to save")
            return redirect("bas:skills")
    return render(request, "bas/skills.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _bas_teams() -> list[Team]:
    return list(Team.objects.filter(pk__in=selectors.bas_team_ids()).order_by("name"))


@permission_required(Permission.BAS_MANAGE)
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    return render(request, "bas/manage.html", {"menus": selectors.menus(include_inactive=True)})


@permission_required(Permission.BAS_MANAGE)
@require_http_methods(["GET", "POST"])
def manage_item(request: HttpRequest, code: str = "") -> HttpResponse:
    item = selectors.get_item(code, include_inactive=True) if code else None
    initial = {}
    if item is not None:
        initial = {"name": item.name, "menu": item.menu_id, "description": item.description,
                   "what_to_provide": item.what_to_provide, "target_working_days": item.target_working_days,
                   "team": str(item.team_id or ""), "is_active": item.is_active}
    # Added from a menu's own page (?menu=slug): that menu is chosen, and saving goes back to it.
    from_menu = selectors.get_menu(request.GET["menu"]) if request.GET.get("menu") else None
    if item is None and from_menu is not None:
        initial["menu"] = from_menu.pk
    form = MenuItemForm(request.POST or None, initial=initial, teams=_bas_teams(),
                        current_menu=item.menu_id if item is not None else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.menu_item_save(
                item=item, menu=data["menu"], name=data["name"], description=data["description"],
                what_to_provide=data["what_to_provide"], target_working_days=data["target_working_days"],
                team=data["team"], is_active=data["is_active"], by=request.user,
                expected_version=_version(request) if item is not None else None)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Saved: {saved.name}")
            if from_menu is not None:
                return redirect("bas:setup_menu", slug=saved.menu.slug)
            return redirect("bas:manage")
    return render(request, "bas/manage_item.html", {"item": item, "form": form},
                  status=400 if request.method == "POST" else 200)


@permission_required(Permission.BAS_MANAGE)
@require_GET
def performance(request: HttpRequest) -> HttpResponse:
    return render(request, "bas/performance.html", {"p": selectors.performance()})
