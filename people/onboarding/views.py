"""Starters, leavers and staff IT request pages (/staff/people/starters/, leavers/, access/). Thin: forms in,
services and selectors out. Every staff view of an HR record is audited."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import _guard, staff_area_required
from oxtom.accounts.permissions import Permission
from oxtom.accounts.selectors import active_staff_by_email
from oxtom.core.audit import audit_record, audit_record_many
from oxtom.core.forms import errors_onto_form, posted

from . import forms as f
from . import selectors, services
from .models import AccessRequest, ItemGroup, LeaverItem, OnboardingItem

people_staff_required = _guard(lambda u: u.is_active and (
    u.has_permission(Permission.STAFF_MANAGE) or u.has_permission(Permission.RECRUITMENT_WORK)
    or u.has_role("administrator")))
manager_required = _guard(lambda u: u.is_active and (u.has_permission(Permission.STAFF_MANAGE)
                                                     or u.has_role("administrator")))



def _audit_list(request: HttpRequest, records, what: str) -> None:
    """One INSERT for the HR records a list page showed (who saw whom, when)."""
    audit_record_many([{"action": "view", "target_type": r._meta.label_lower, "target_id": r.pk,
                        "summary": f"Seen in the {what} list"} for r in records], by=request.user)


def _service_error(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- starters --------------------------------------------------------------------------------------------------

@people_staff_required
@require_GET
def starters(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    page = selectors.starter_page(request.user, after=request.GET.get("after", "")[:40], overdue_only=overdue_only)
    _audit_list(request, [row.onboarding for row in page.rows], "starters")
    return render(request, "onboarding/starters.html", {"page": page, "overdue_only": overdue_only})


@people_staff_required
@require_GET
def starter(request: HttpRequest, pk: int) -> HttpResponse:
    onboarding = selectors.onboarding_for_user(request.user, pk)
    audit_record(by=request.user, action="view", target=onboarding, summary="Viewed a starter's onboarding")
    return _starter_page(request, onboarding)


def _starter_page(request, onboarding, *, buddy_form=None, date_form=None, status=200) -> HttpResponse:
    items = selectors.items_of(onboarding)
    groups = [(label, [i for i in items if i.group == code]) for code, label in ItemGroup.choices
              if code != ItemGroup.LEAVING]
    return render(request, "onboarding/starter.html", {
        "o": onboarding, "groups": [(label, rows) for label, rows in groups if rows],
        "buddy_form": buddy_form or f.BuddyForm(), "date_form": date_form or f.StartDateForm(),
        "form": buddy_form if buddy_form is not None and buddy_form.errors else date_form,
    }, status=status)


@require_POST
@staff_area_required
def item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = OnboardingItem.objects.select_related("onboarding").filter(pk=item_pk, onboarding_id=pk).first()
    if item is None or not services.can_tick(request.user, item, item.onboarding):
        raise Http404("No such item")
    try:
        services.onboarding_item_complete(item=item, by=request.user)
        messages.success(request, f"Ticked: {item.title}")
    except ValidationError as error:
        _service_error(request, error)
    if services.can_see_onboarding(request.user, item.onboarding):
        return redirect("onboarding:starter", pk)
    return redirect("onboarding:access")


@people_staff_required
@require_POST
def assign_buddy(request: HttpRequest, pk: int) -> HttpResponse:
    onboarding = selectors.onboarding_for_user(request.user, pk)
    form = f.BuddyForm(request.POST)
    if form.is_valid():
        buddy = active_staff_by_email(form.cleaned_data["buddy_email"])
        if buddy is None:
            form.add_error("buddy_email", "There is no member of staff with that email address")
        else:
            try:
                services.onboarding_assign_buddy(onboarding=onboarding, buddy=buddy, by=request.user)
                messages.success(request, f"{buddy} is the buddy: we have emailed them")
                return redirect("onboarding:starter", pk)
            except ValidationError as error:
                errors_onto_form(form, error, fields={"buddy": "buddy_email"})
    return _starter_page(request, onboarding, buddy_form=form)


@people_staff_required
@require_POST
def set_start_date(request: HttpRequest, pk: int) -> HttpResponse:
    onboarding = selectors.onboarding_for_user(request.user, pk)
    form = f.StartDateForm(request.POST)
    if form.is_valid():
        try:
            services.onboarding_set_start_date(onboarding=onboarding, start_date=form.cleaned_data["start_date"],
                                               by=request.user)
            messages.success(request, "Start date saved: the starter's sign-in is ready for it")
            return redirect("onboarding:starter", pk)
        except ValidationError as error:
            errors_onto_form(form, error)
    return _starter_page(request, onboarding, date_form=form)


@staff_area_required
@require_http_methods(["GET", "POST"])
def buddy(request: HttpRequest, pk: int) -> HttpResponse:
    """The buddy (or manager) writes to the starter before day one."""
    onboarding = selectors.onboarding_for_buddy(request.user, pk)
    form = f.MessageForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.buddy_message_send(onboarding=onboarding, text=form.cleaned_data["text"], by=request.user)
            messages.success(request, f"Message sent to {onboarding.name}")
            return redirect("onboarding:buddy", pk)
        except ValidationError as error:
            errors_onto_form(form, error)
    if request.method == "GET":
        audit_record(by=request.user, action="view", target=onboarding, summary="Viewed as buddy")
    sent = list(onboarding.messages.select_related("sender").order_by("-sent_at")[:20])
    return render(request, "onboarding/buddy.html", {"o": onboarding, "form": form, "sent": sent})


# --- the starter's own page (a token link, before they have a sign-in) -------------------------------------------

def _portal_onboarding(token: str):
    if len(token) > 64:
        raise Http404("No such page")
    return selectors.onboarding_for_token(services.token_hash(token))


@require_GET
def portal(request: HttpRequest, token: str) -> HttpResponse:
    onboarding = _portal_onboarding(token)
    items = selectors.items_of(onboarding)
    return render(request, "onboarding/portal.html", {
        "o": onboarding, "token": token, "elearning": [i for i in items if i.group == ItemGroup.ELEARNING],
        "notes": list(onboarding.messages.select_related("sender").order_by("sent_at")[:20])})


@require_POST
def portal_elearning(request: HttpRequest, token: str, code: str) -> HttpResponse:
    onboarding = _portal_onboarding(token)
    try:
        item = services.onboarding_elearning_complete(onboarding=onboarding, code=code[:40])
        messages.success(request, f"Recorded: {item.title}")
    except ValidationError as error:
        _service_error(request, error)
    return redirect("onboarding:portal", token=token)


# --- leavers -----------------------------------------------------------------------------------------------------

@people_staff_required
@require_http_methods(["GET", "POST"])
def leavers(request: HttpRequest) -> HttpResponse:
    reports = selectors.my_reports(request.user)
    form = f.LeaverForm(posted(request), reports=reports)
    if request.method == "POST" and form.is_valid():
        account = next(r.staff for r in reports if r.staff_id == form.cleaned_data["account"])
        try:
            leaver = services.leaver_record(account=account, last_working_day=form.cleaned_data["last_working_day"],
                                            by=request.user)
            messages.success(request, f"{account} is recorded as leaving: their sign-in closes after their last day")
            return redirect("onboarding:leaver", leaver.pk)
        except ValidationError as error:
            errors_onto_form(form, error)
    try:
        after = int(request.GET.get("after", "0")[:12] or 0)
    except ValueError:
        raise Http404("Bad page") from None
    rows = selectors.leaver_page(request.user, after=after)
    _audit_list(request, rows, "leavers")
    return render(request, "onboarding/leavers.html", {"rows": rows, "form": form, "reports": reports,
                                                       "next_after": rows[-1].pk if len(rows) == selectors.PAGE else 0})


@people_staff_required
@require_GET
def leaver(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.leaver_for_user(request.user, pk)
    audit_record(by=request.user, action="view", target=record, summary="Viewed a leaver")
    return render(request, "onboarding/leaver.html", {"leaver": record, "items": list(record.items.all())})


@people_staff_required
@require_POST
def leaver_item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    record = selectors.leaver_for_user(request.user, pk)
    item = LeaverItem.objects.filter(pk=item_pk, leaver=record).first()
    if item is None:
        raise Http404("No such item")
    item.leaver = record
    try:
        services.leaver_item_complete(item=item, by=request.user)
        messages.success(request, f"Ticked: {item.title}")
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, str(getattr(error, "message", None) or "You cannot tick this item"))
    return redirect("onboarding:leaver", pk)


@manager_required
@require_POST
def leaver_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.leaver_for_user(request.user, pk)
    try:
        services.leaver_cancel(leaver=record, by=request.user)
        messages.success(request, "Leaving cancelled: their sign-in stays open")
    except ValidationError as error:
        _service_error(request, error)
    return redirect("onboarding:leaver", pk)


@manager_required
@require_http_methods(["GET", "POST"])
def role_change(request: HttpRequest) -> HttpResponse:
    from people.models import RoleProfile

    reports = selectors.my_reports(request.user)
    profiles = list(RoleProfile.objects.filter(active=True).order_by("title", "grade")[:300])
    form = f.RoleChangeForm(posted(request), reports=reports, profiles=profiles)
    if request.method == "POST" and form.is_valid():
        account = next(r.staff for r in reports if r.staff_id == form.cleaned_data["account"])
        profile = next(p for p in profiles if p.pk == form.cleaned_data["role_profile"])
        try:
            moved = services.role_change(account=account, role_profile=profile, by=request.user)
            messages.success(request, f"{account} is now {profile}: {len(moved['added'])} team(s) joined, "
                                      f"{len(moved['ended'])} left")
            return redirect("onboarding:role_change")
        except ValidationError as error:
            errors_onto_form(form, error, fields={"account": "account", "role_profile": "role_profile"})
    return render(request, "onboarding/role_change.html", {"form": form, "reports": reports})


# --- staff IT access requests -------------------------------------------------------------------------------------

@staff_area_required
@require_GET
def access(request: HttpRequest) -> HttpResponse:
    user = request.user
    desk = selectors.desk_requests(user)
    ict = selectors.ict_items(user)
    if desk:
        _audit_list(request, desk, "ICT service desk")
    return render(request, "onboarding/access.html", {
        "mine": selectors.access_requests_mine(user), "checks": selectors.access_checks_for(user), "desk": desk,
        "ict_items": ict, "is_desk": services.is_ict_desk(user)})


@staff_area_required
@require_http_methods(["GET", "POST"])
def access_new(request: HttpRequest) -> HttpResponse:
    form = f.AccessRequestForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.access_request_submit(requester=request.user, kind=form.cleaned_data["kind"],
                                           system=form.cleaned_data["system"], details=form.cleaned_data["details"],
                                           submission_key=request.POST.get("submission_key", ""))
            messages.success(request, "Request sent: your manager will confirm it is you, then the ICT service "
                                      "desk will pick it up")
            return redirect("onboarding:access")
        except ValidationError as error:
            errors_onto_form(form, error)
    return render(request, "onboarding/access_new.html", {"form": form})


@staff_area_required
@require_http_methods(["GET", "POST"])
def access_check(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.access_check_for_user(request.user, pk)
    form = f.CheckForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            done = services.access_request_check(request=record, confirmed=form.cleaned_data["confirmed"],
                                                 by=request.user)
            messages.success(request, "Confirmed: it is with the ICT service desk as " + done.case.reference
                             if done.status == AccessRequest.Status.WITH_DESK else "Not confirmed: we have told them")
            return redirect("onboarding:access")
        except ValidationError as error:
            errors_onto_form(form, error)
    if request.method == "GET":
        audit_record(by=request.user, action="view", target=record, summary="Viewed an IT request to confirm")
    return render(request, "onboarding/access_check.html", {"r": record, "form": form})
