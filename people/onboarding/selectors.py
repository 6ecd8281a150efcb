"""Reads for starters, leavers and access requests, scoped to the reader.

A line manager sees only their own starters and leavers; recruitment co-ordinators (HR) see every starter;
the ICT service desk sees only the ICT lines of starters' checklists and the access requests in their queue.
A record the reader may not see is a 404, exactly like one that does not exist. Lists are bounded keyset pages
costing a constant number of queries.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from oxtom.accounts.permissions import Permission

from .models import AccessRequest, ItemOwner, Leaver, LineReport, Onboarding, OnboardingItem
from .services import _is_admin, can_see_onboarding, is_coordinator, is_ict_desk

PAGE = 25


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def onboardings_for(user: Any):
    """The starters `user` may see: all for HR and administrators, their own for a manager, none otherwise."""
    qs = Onboarding.objects.all()
    if is_coordinator(user) or _is_admin(user):
        return qs
    if user.has_permission(Permission.STAFF_MANAGE):
        return qs.filter(manager=user)
    return qs.none()


@dataclass
class StarterRow:
    onboarding: Onboarding
    done: int
    total: int
    overdue: int


@dataclass
class StarterPage:
    rows: list[StarterRow] = field(default_factory=list)
    next_cursor: str = ""


def _cursor(o: Onboarding) -> str:
    return f"{o.start_date.isoformat() if o.start_date else '9999-12-31'}_{o.pk}"


def starter_page(user: Any, *, after: str = "", today: dt.date | None = None, overdue_only: bool = False) -> StarterPage:
    """Open starters, soonest start first, with progress and overdue counts: two queries whatever the data."""
    today = _today(today)
    qs = onboardings_for(user).filter(status=Onboarding.Status.OPEN)
    if after:
        try:
            day, pk = after.split("_")
            day, pk = dt.date.fromisoformat(day), int(pk)
        except ValueError:
            raise Http404("Bad page") from None
        if day == dt.date.max:  # past the dated ones: those without a start date yet
            qs = qs.filter(start_date__isnull=True, pk__gt=pk)
        else:
            qs = qs.filter(Q(start_date__gt=day) | Q(start_date=day, pk__gt=pk) | Q(start_date__isnull=True))
    overdue = Q(items__done_at__isnull=True, items__due_on__lt=today)
    qs = qs.annotate(n_total=Count("items"), n_done=Count("items", filter=Q(items__done_at__isnull=False)),
                     n_overdue=Count("items", filter=overdue))
    if overdue_only:
        qs = qs.filter(n_overdue__gt=0)
    found = list(qs.select_related("role_profile", "manager", "buddy").order_by(F("start_date").asc(nulls_last=True), "pk")[:PAGE + 1])
    rows = [StarterRow(o, o.n_done, o.n_total, o.n_overdue) for o in found[:PAGE]]
    return StarterPage(rows=rows, next_cursor=_cursor(found[PAGE - 1]) if len(found) > PAGE else "")


def onboarding_for_user(user: Any, pk: int) -> Onboarding:
    o = Onboarding.objects.select_related("role_profile", "manager", "buddy", "coordinator", "account", "case") \
        .filter(pk=pk).first()
    if o is None or not can_see_onboarding(user, o):
        raise Http404("No such starter")
    return o


def onboarding_for_buddy(user: Any, pk: int) -> Onboarding:
    o = Onboarding.objects.select_related("role_profile", "manager").filter(pk=pk).first()
    if o is None or not getattr(user, "is_authenticated", False) or user.pk not in (o.buddy_id, o.manager_id):
        raise Http404("No such starter")
    return o


def onboarding_for_token(token_hash: str, *, today: dt.date | None = None) -> Onboarding:
    """The starter's own page: the link works until a fortnight after the start date."""
    from .services import PORTAL_DAYS_AFTER_START

    o = Onboarding.objects.select_related("role_profile", "manager", "buddy").filter(
        portal_token_hash=token_hash).exclude(status=Onboarding.Status.CANCELLED).first()
    if o is None:
        raise Http404("No such page")
    if o.start_date and _today(today) > o.start_date + dt.timedelta(days=PORTAL_DAYS_AFTER_START):
        raise Http404("This link has expired")
    return o


def items_of(o: Onboarding, *, today: dt.date | None = None) -> list[OnboardingItem]:
    today = _today(today)
    items = list(o.items.select_related("done_by"))
    for item in items:
        item.overdue = item.done_at is None and item.due_on is not None and item.due_on < today
    return items


def ict_items(user: Any, *, today: dt.date | None = None) -> list[OnboardingItem]:
    """The ICT desk's lines on open starters' checklists (no HR data beyond name, role and start date)."""
    if not (is_ict_desk(user) or _is_admin(user)):
        return []
    today = _today(today)
    items = list(OnboardingItem.objects.filter(owner=ItemOwner.ICT, done_at__isnull=True,
                                               onboarding__status=Onboarding.Status.OPEN)
                 .select_related("onboarding", "onboarding__role_profile")
                 .order_by(F("due_on").asc(nulls_last=True), "id")[:PAGE * 4])
    for item in items:
        item.overdue = item.due_on is not None and item.due_on < today
    return items


def leavers_for(user: Any):
    qs = Leaver.objects.all()
    if is_coordinator(user) or _is_admin(user):
        return qs
    if user.has_permission(Permission.STAFF_MANAGE):
        return qs.filter(manager=user)
    return qs.none()


def leaver_page(user: Any, *, after: int = 0) -> list[Leaver]:
    qs = leavers_for(user).select_related("account").order_by("-id")
    if after:
        qs = qs.filter(pk__lt=after)
    return list(qs[:PAGE])


def leaver_for_user(user: Any, pk: int) -> Leaver:
    leaver = leavers_for(user).select_related("account", "manager", "case").filter(pk=pk).first()
    if leaver is None:
        raise Http404("No such leaver")
    return leaver


def my_reports(user: Any) -> list[LineReport]:
    """The people `user` manages (for the leaver and role-change pages)."""
    if not user.has_permission(Permission.STAFF_MANAGE):
        return []
    return list(LineReport.objects.filter(manager=user, staff__is_active=True)
                .select_related("staff", "role_profile").order_by("staff__full_name", "staff__email")[:200])


def access_requests_mine(user: Any) -> list[AccessRequest]:
    return list(AccessRequest.objects.filter(requester=user).select_related("case").order_by("-id")[:PAGE])


def access_checks_for(user: Any) -> list[AccessRequest]:
    return list(AccessRequest.objects.filter(checker=user, status=AccessRequest.Status.AWAITING_CHECK)
                .select_related("requester").order_by("id")[:PAGE])


def access_check_for_user(user: Any, pk: int) -> AccessRequest:
    r = AccessRequest.objects.select_related("requester").filter(pk=pk, checker=user).first()
    if r is None:
        raise Http404("No such request")
    return r


def desk_requests(user: Any, *, after: int = 0) -> list[AccessRequest]:
    """The ICT desk's view: requests confirmed and sent to them, newest first, with their case."""
    if not (is_ict_desk(user) or _is_admin(user)):
        return []
    qs = AccessRequest.objects.filter(status=AccessRequest.Status.WITH_DESK).select_related("requester", "case")
    if after:
        qs = qs.filter(pk__lt=after)
    return list(qs.order_by("-id")[:PAGE])
