"""Reads for business admin support, scoped to the reader: a request someone may not see is a 404."""
from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from oxtom.accounts.models import Team
from oxtom.cases.models import Status
from oxtom.cases.selectors import teams_for_user

from . import services
from .models import BasRequest, Directorate, Menu, MenuItem, OfficerSkill

MY_REQUESTS_LIMIT = 100
QUEUE_LIMIT = 200
_REQUEST_RELATED = ("case", "case__team", "case__requested_by", "case__assignee", "case__service", "item",
                    "directorate", "proposed_by")


def menus(*, include_inactive: bool = False) -> list[Menu]:
    """Every menu with its items, generic first (two queries). Colleagues see the menus in service and the items
    taking requests; `include_inactive` (the manager's pages) adds retired menus and items not taking requests."""
    items = MenuItem.objects.select_related("team").order_by("position", "name")
    found = Menu.objects.select_related("directorate")
    if not include_inactive:
        items = items.filter(is_active=True)
        found = found.filter(retired_at__isnull=True)
    return list(found.prefetch_related(Prefetch("items", queryset=items)).order_by("position", "name"))


def get_item(code: str, *, include_inactive: bool = False) -> MenuItem:
    """A menu item by code; unless `include_inactive`, only one taking requests on a menu in service."""
    found = MenuItem.objects.select_related("service", "team", "menu").filter(code=(code or "")[:40])
    if not include_inactive:
        found = found.filter(is_active=True, menu__retired_at__isnull=True)
    item = found.first()
    if item is None:
        raise Http404("No such service")
    return item


def my_requests(user: Any, *, open_only: bool = False, limit: int = MY_REQUESTS_LIMIT) -> list[BasRequest]:
    """The requests `user` made, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = BasRequest.objects.filter(case__requested_by=user).select_related(*_REQUEST_RELATED)
    if open_only:
        rows = rows.filter(delivered_at__isnull=True).exclude(case__status=Status.CLOSED)
    return list(rows.order_by("-created_at", "-id")[:limit])


def get_request_for_user(user: Any, reference: str) -> BasRequest:
    """The request with this case reference, if `user` asked for it or works its team's queue; else 404."""
    if not getattr(user, "is_authenticated", False) or not reference or len(reference) > 20:
        raise Http404("No request found")
    found = BasRequest.objects.select_related(*_REQUEST_RELATED).filter(case__reference=reference).first()
    if found is None or not (services.is_requester(user, found) or services.can_work(user, found)):
        raise Http404("No request found")
    return found


def _bas_team_filter() -> Q:
    """The business admin teams: those serving a directorate, named by a menu item, holding a menu item's
    casework service, or still holding open requests. The last is what keeps a queue page for a team a
    directorate was moved away from: its open requests stay with it (directorate_save says so) and must
    still be worked and allocated."""
    return (Q(pk__in=Directorate.objects.values("bas_team_id"))
            | Q(pk__in=MenuItem.objects.exclude(team=None).values("team_id"))
            | Q(pk__in=MenuItem.objects.values("service__team_id"))
            | Q(pk__in=BasRequest.objects.exclude(case__status=Status.CLOSED).values("case__team_id")))


def bas_team_ids() -> set[int]:
    return set(Team.objects.filter(_bas_team_filter()).values_list("pk", flat=True))


def bas_teams_for(user: Any) -> list[Team]:
    """The BAS teams whose queues `user` works: one query (the BAS teams as subqueries), as the staff home
    asks it for every member of staff."""
    return list(teams_for_user(user).filter(_bas_team_filter()).order_by("name"))


def get_bas_team_for(user: Any, slug: str) -> Team:
    for team in bas_teams_for(user):
        if team.slug == slug:
            return team
    raise Http404("No team found")


@dataclass
class Queue:
    team: Team
    waiting: list[BasRequest]  # not yet allocated
    allocated: list[BasRequest]
    can_allocate: bool


def queue(user: Any, team: Team, *, limit: int = QUEUE_LIMIT) -> Queue:
    """The team's open requests, soonest due first: those waiting for an officer, then those allocated."""
    rows = list(BasRequest.objects.filter(case__team=team).exclude(case__status=Status.CLOSED)
                .select_related(*_REQUEST_RELATED).order_by("case__due_at", "case_id")[:limit])
    return Queue(team=team, waiting=[r for r in rows if r.case.assignee_id is None],
                 allocated=[r for r in rows if r.case.assignee_id is not None],
                 can_allocate=services.can_allocate(user, team.pk))


def skills_of(user: Any) -> dict[int, int]:
    return dict(OfficerSkill.objects.filter(user=user).values_list("item_id", "level"))


# --- performance --------------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    received: int = 0
    delivered: int = 0
    on_time: int = 0
    days: list[int] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    @property
    def on_time_percent(self) -> float | None:
        return round(100 * self.on_time / self.delivered, 1) if self.delivered else None

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def mean_rating(self) -> float | None:
        return round(statistics.fmean(self.ratings), 1) if self.ratings else None

    @property
    def rated(self) -> int:
        return len(self.ratings)


@dataclass
class Performance:
    since: dt.date
    total: Row
    by_item: list[Row]
    by_directorate: list[Row]


PERFORMANCE_DAYS = 365


def performance(*, since: dt.date | None = None) -> Performance:
    """Demand by item and directorate, on-time %, median working days to deliver and satisfaction,
    for requests made since `since` (a year by default). Two queries whatever the volume: counts are
    grouped in SQL; the delivered rows come back as (item, directorate, on time, days, rating) tuples."""
    since = since or timezone.localdate() - dt.timedelta(days=PERFORMANCE_DAYS)
    start = dt.datetime.combine(since, dt.time.min, tzinfo=timezone.get_current_timezone())
    base = BasRequest.objects.filter(created_at__gte=start)
    received = list(base.order_by().values("item__name", "directorate__name").annotate(n=Count("id"))
                    .values_list("item__name", "directorate__name", "n"))
    done = list(base.filter(delivered_at__isnull=False).values_list(
        "item__name", "directorate__name", "on_time", "working_days", "rating"))
    total, items, directorates = Row("All services"), {}, {}
    for item, directorate, n in received:
        for row in (total, items.setdefault(item, Row(item)), directorates.setdefault(directorate, Row(directorate))):
            row.received += n
    for item, directorate, on_time, days, rating in done:
        for row in (total, items.setdefault(item, Row(item)), directorates.setdefault(directorate, Row(directorate))):
            row.delivered += 1
            row.on_time += 1 if on_time else 0
            if days is not None:
                row.days.append(days)
            if rating is not None:
                row.ratings.append(rating)
    order = lambda row: (-row.received, row.name)  # noqa: E731
    return Performance(since=since, total=total, by_item=sorted(items.values(), key=order),
                       by_directorate=sorted(directorates.values(), key=order))


def open_requests_count(user: Any) -> int:
    return BasRequest.objects.filter(case__requested_by=user).exclude(case__status=Status.CLOSED).count()


def waiting_counts(team_ids: list[int]) -> dict[int, int]:
    return dict(BasRequest.objects.filter(case__team_id__in=team_ids, case__assignee__isnull=True)
                .exclude(case__status=Status.CLOSED).order_by().values("case__team_id")
                .annotate(n=Count("id")).values_list("case__team_id", "n"))


def unrated_count(user: Any) -> int:
    return BasRequest.objects.filter(Q(case__requested_by=user), delivered_at__isnull=False,
                                     rated_at__isnull=True).count()


# --- the manager's set-up pages -----------------------------------------------------------------------------

def _open_requests() -> Any:
    return BasRequest.objects.filter(delivered_at__isnull=True).exclude(case__status=Status.CLOSED).order_by()


def _count(rows: Any, group: str) -> Subquery:
    return Coalesce(Subquery(rows.values(group).annotate(n=Count("id")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


def menus_for_manager() -> list[Menu]:
    """Every menu, retired ones too, with its directorate, how many items it has and how many requests against
    them are open: one query whatever the number of menus, items or requests."""
    items = MenuItem.objects.filter(menu=OuterRef("pk")).order_by()
    return list(Menu.objects.select_related("directorate")
                .annotate(items_n=_count(items, "menu"),
                          open_n=_count(_open_requests().filter(item__menu=OuterRef("pk")), "item__menu"))
                .order_by("position", "name"))


def get_menu(slug: str) -> Menu:
    """A menu by slug (retired ones too: the manager's pages), else 404."""
    if not slug or len(slug) > 60:
        raise Http404("No such menu")
    found = Menu.objects.select_related("directorate", "retired_by").filter(slug=slug).first()
    if found is None:
        raise Http404("No such menu")
    return found


def menu_items(menu: Menu) -> list[MenuItem]:
    """The menu's items in their order, each with its team and open requests: one query."""
    return list(MenuItem.objects.filter(menu=menu).select_related("team")
                .annotate(open_n=_count(_open_requests().filter(item=OuterRef("pk")), "item"))
                .order_by("position", "name", "pk"))


def directorates_for_manager() -> list[Directorate]:
    """Every directorate with its BAS team, how many member teams it has and how many of its requests are
    open: one query whatever the numbers."""
    members = Directorate.teams.through.objects.filter(directorate=OuterRef("pk")).order_by()
    return list(Directorate.objects.select_related("bas_team")
                .annotate(teams_n=_count(members, "directorate"),
                          open_n=_count(_open_requests().filter(directorate=OuterRef("pk")), "directorate"))
                .order_by("name"))


def get_directorate(slug: str) -> Directorate:
    """A directorate by slug, else 404."""
    if not slug or len(slug) > 60:
        raise Http404("No such directorate")
    found = Directorate.objects.select_related("bas_team").filter(slug=slug).first()
    if found is None:
        raise Http404("No such directorate")
    return found
