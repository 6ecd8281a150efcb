"""Reads of cases, scoped to who is asking.

Who sees which case is derived from data (docs/CONVENTIONS.md §3.3):
- administrators: every case;
- officers and team leaders: their teams' cases;
- councillors: cases in their division, except special-category ones the
  case hasn't been marked as shareable with them;
- residents: their own cases (through their customer record).
A user with several roles sees the union. Single cases 404 for both missing
and forbidden, so a reference never reveals that a case exists.

Queue pages cost a fixed number of queries whatever the queue's size: one
for the page (keyset pagination on (due_at, id), walking the open-queue
index), one for the counts per SLA state, each bounded (sla_counts).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Count, F, Q, QuerySet
# Row comparisons (Django 5.2 builds them for composite keys; on SQLite it writes the equivalent OR).
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import Http404

from oxtom.accounts.models import Team, TeamMembership
from oxtom.accounts.permissions import Permission
from oxtom.core.calendar import Calendar

from . import rules
from .models import Case, CaseEvent, Priority, QaCheck, Status
from . import owners
from .owners import owner_relations

MAX_REFERENCE_LENGTH = 20
QUEUE_PAGE_SIZE = 50
TIMELINE_LIMIT = 100


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "is_active", False)


def case_visibility_q(user: Any) -> Q | None:
    """The condition for cases `user` may see, or None for none at all."""
    if not _signed_in(user):
        return None
    if user.has_role("administrator"):
        return Q()
    conditions: list[Q] = []
    if user.has_permission(Permission.CASE_VIEW_TEAM):
        conditions.append(Q(team_id__in=TeamMembership.objects.filter(user=user).values("team_id")))
    elif user.team_ids_granting(Permission.CASE_VIEW_TEAM):
        # A role held in a team only (a business-admin officer): that team's cases and no other's.
        conditions.append(Q(team_id__in=user.team_ids_granting(Permission.CASE_VIEW_TEAM)))
    if user.has_permission(Permission.MEMBER_AREA):
        # Their own enquiries, wherever they are; and their division's cases, except
        # special-category ones the case hasn't been shared for.
        conditions.append(Q(raised_by=user))
        if user.member_division_id:
            conditions.append(
                Q(division_id=user.member_division_id) & (Q(special_category=False) | Q(shared_with_councillor=True))
            )
    if user.has_permission(Permission.PORTAL_USE):
        conditions.append(Q(customer__user=user))
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def cases_for_user(user: Any) -> QuerySet[Case]:
    return Case.objects.for_user(user)


def case_for_submission(submission_key: str) -> Case | None:
    """The case a form's one-time key already made, if any (a caller checks before doing work of its own;
    case_create checks again, and the unique key settles a race)."""
    key = (submission_key or "").strip()
    return Case.objects.filter(submission_key=key).first() if key else None


def get_case_for_user(user: Any, reference: str) -> Case:
    """One case by reference; Http404 when it doesn't exist *and* when the user may not see it."""
    reference = (reference or "").strip().upper()
    if not reference or len(reference) > MAX_REFERENCE_LENGTH:
        raise Http404("No case found")
    try:
        return (
            Case.objects.for_user(user)
            # Plus what case-owner resolvers read (a street report), so the case page's owner link costs nothing.
            .select_related("service", "team", "assignee", "customer", "division", "duplicate_of", "requested_by", "parent", "stage",
                            *owner_relations())
            .get(reference=reference)
        )
    except Case.DoesNotExist:
        raise Http404("No case found") from None


# --- teams -------------------------------------------------------------------------------

def teams_for_user(user: Any) -> QuerySet[Team]:
    """Teams whose queues `user` may open: their own; administrators see all."""
    if not _signed_in(user):
        return Team.objects.none()
    if user.has_role("administrator"):
        return Team.objects.all()
    if user.has_permission(Permission.CASE_VIEW_TEAM):
        return Team.objects.filter(memberships__user=user).distinct()
    # Only the teams whose membership carries a role that opens the queue.
    return Team.objects.filter(pk__in=user.team_ids_granting(Permission.CASE_VIEW_TEAM))


def get_team_for_user(user: Any, slug: str) -> Team:
    if not slug or len(slug) > 60:
        raise Http404("No team found")
    try:
        return teams_for_user(user).get(slug=slug)
    except Team.DoesNotExist:
        raise Http404("No team found") from None


def team_officers(team: Team) -> list[Any]:
    """Active members of `team` who can work cases, for assignment lists (teams are small)."""
    memberships = TeamMembership.objects.filter(team=team, user__is_active=True).select_related("user")
    users = [m.user for m in memberships if m.user.has_permission(Permission.CASE_WORK) or m.grants(Permission.CASE_WORK)]
    return sorted(users, key=lambda u: (str(u).lower(), u.pk))


# --- the queue ---------------------------------------------------------------------------

ASSIGNED_ME = "me"
ASSIGNED_NOBODY = "unassigned"


@dataclass(frozen=True)
class QueueFilters:
    """What the queue page was asked to show. Views build it from a validated form."""

    service_id: int | None = None
    priority: int | None = None
    status: str | None = None
    division_id: int | None = None
    sla: str | None = None
    assigned: str | None = None  # "me" or "unassigned"


# The counts per SLA state stop at this many: reading every open case of a 28,000-case queue to
# say "Overdue 9,431" cost a full index scan per page view, growing with the queue. Counting at
# most COUNT_CAP index entries per state bounds it; a bigger number shows as "1,000 or more"
# (the workload page has the exact figures per officer).
COUNT_CAP = 1000


@dataclass
class QueuePage:
    cases: list[Case]
    next_cursor: str
    counts: dict[str, int] = field(default_factory=dict)
    capped: frozenset[str] = frozenset()  # states whose count reached COUNT_CAP

    @property
    def total(self) -> int:
        return sum(self.counts.get(state, 0) for state in rules.SlaState.FILTERABLE)

    @property
    def shown(self) -> dict[str, str]:
        """Each state's count as the page says it: "12", or "1,000 or more" at the cap."""
        return {state: f"{self.counts.get(state, 0):,}" + (" or more" if state in self.capped else "")
                for state in rules.SlaState.FILTERABLE}

    @property
    def total_shown(self) -> str:
        return f"{self.total:,}" + (" or more" if self.capped else "")


def sla_q(state: str, on: dt.date) -> Q:
    """The database condition for one SLA state on date `on` (mirrors rules.sla_state)."""
    running = Q(paused_on__isnull=True)
    if state == rules.SlaState.PAUSED:
        return Q(paused_on__isnull=False)
    if state == rules.SlaState.OVERDUE:
        return running & Q(due_at__lt=on)
    # "Due soon" counts working days in each service's calendar. Most days every calendar gives the
    # same limit and the condition needs no join; when a holiday in another nation falls inside the
    # window, each calendar's cases are held to their own limit.
    limits = {calendar: rules.due_soon_limit(on, calendar) for calendar in Calendar}
    if len(set(limits.values())) == 1:
        soon = next(iter(limits.values()))
        within, beyond = Q(due_at__lte=soon), Q(due_at__gt=soon)
    else:
        within, beyond = Q(pk__in=[]), Q(pk__in=[])
        for calendar, soon in limits.items():
            within |= Q(service__calendar=calendar.value, due_at__lte=soon)
            beyond |= Q(service__calendar=calendar.value, due_at__gt=soon)
    if state == rules.SlaState.DUE_SOON:
        return running & Q(due_at__gte=on) & within
    if state == rules.SlaState.ON_TRACK:
        return running & beyond
    raise ValueError(f"Unknown SLA state {state!r}")


def _filtered(team: Team, filters: QueueFilters, user: Any) -> QuerySet[Case]:
    queryset = Case.objects.filter(team=team).exclude(status=Status.CLOSED)
    if filters.service_id:
        queryset = queryset.filter(service_id=filters.service_id)
    if filters.priority:
        queryset = queryset.filter(priority=filters.priority)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.division_id:
        queryset = queryset.filter(division_id=filters.division_id)
    if filters.assigned == ASSIGNED_ME:
        queryset = queryset.filter(assignee=user)
    elif filters.assigned == ASSIGNED_NOBODY:
        queryset = queryset.filter(assignee__isnull=True)
    return queryset


def encode_cursor(case: Case) -> str:
    raw = f"{case.due_at.isoformat()}|{case.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.date, int] | None:
    """The (due_at, id) a page starts after, or None for a missing or tampered cursor."""
    if not cursor or len(cursor) > 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day, _, pk = raw.partition("|")
        return dt.date.fromisoformat(day), int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def after_cursor(queryset: QuerySet, position: tuple[dt.date, int], *, prefix: str = "") -> QuerySet:
    """Rows after `position` (a decoded cursor) in (due_at, id) order; `prefix` reaches the case through a
    relation ("case__" from a record behind a case), so a capability's queue pages with the engine's cursor."""
    due, pk = position
    # A row comparison, (due_at, id) > (due, pk): PostgreSQL enters the open-queue index exactly at the
    # cursor, where the OR it replaces sought to the due date and read and dropped the rows tied on it
    # (many: due_at is a date). SQLite gets the same OR back from Django (no row values there), so the
    # redundant due_at >= bound stays for it to seek on. Through a prefix the id is the record's own case
    # column, so PostgreSQL applies the comparison while joining: the bound still seeks.
    return queryset.filter(**{f"{prefix}due_at__gte": due}).filter(
        TupleGreaterThan(Tuple(F(f"{prefix}due_at"), F(f"{prefix}id")), (due, pk)))


def before_cursor(queryset: QuerySet, position: tuple[dt.date, int], *, prefix: str = "") -> QuerySet:
    """Rows before `position` in (due_at, id) order (read them in the reverse order for a previous page)."""
    due, pk = position
    return queryset.filter(**{f"{prefix}due_at__lte": due}).filter(
        TupleLessThan(Tuple(F(f"{prefix}due_at"), F(f"{prefix}id")), (due, pk)))


def queue_page(
    *, user: Any, team: Team, filters: QueueFilters, cursor: str = "", per_page: int = QUEUE_PAGE_SIZE,
    on: dt.date | None = None,
) -> QueuePage:
    """One page of a team's open queue, soonest due first, with counts per SLA state.

    The counts honour every filter except the SLA state itself, so the
    state tabs say how many each would show. The caller has already checked
    the user may see the team (get_team_for_user).
    """
    return _page(_filtered(team, filters, user), filters=filters, cursor=cursor, per_page=per_page, on=on,
                 related=("service", "assignee", "division", *owner_relations()))


def division_cases_page(
    *, user: Any, filters: QueueFilters = QueueFilters(), cursor: str = "", per_page: int = QUEUE_PAGE_SIZE,
    on: dt.date | None = None,
) -> QueuePage:
    """A councillor's view: open cases in their division that they may see (no special
    category data unless the case is shared with them), soonest due first, with counts."""
    division_id = getattr(user, "member_division_id", None)
    if not division_id or not getattr(user, "is_authenticated", False) or not user.has_permission(Permission.MEMBER_AREA):
        return QueuePage(cases=[], next_cursor="", counts={state: 0 for state in rules.SlaState.FILTERABLE})
    base = Case.objects.for_user(user).filter(division_id=division_id).exclude(status=Status.CLOSED)
    if filters.service_id:
        base = base.filter(service_id=filters.service_id)
    return _page(base, filters=filters, cursor=cursor, per_page=per_page, on=on,
                 related=("service", "team", *owner_relations()))


def _page(base: QuerySet[Case], *, filters: QueueFilters, cursor: str, per_page: int, on: dt.date | None,
          related: tuple[str, ...]) -> QueuePage:
    """Counts per SLA state (one bounded query, sla_counts) and one keyset page on (due_at, id) (one query)."""
    on = on or rules.today()
    per_page = max(1, min(int(per_page), 200))
    counts = sla_counts(base, on=on)
    page = base
    if filters.sla:
        page = page.filter(sla_q(filters.sla, on))
    position = decode_cursor(cursor)
    if position is not None:
        page = after_cursor(page, position)
    rows = list(page.select_related(*related).order_by("due_at", "id")[: per_page + 1])
    next_cursor = encode_cursor(rows[per_page - 1]) if len(rows) > per_page else ""
    cases = rows[:per_page]
    for case in cases:
        case.sla_state = rules.case_sla_state(case, on=on)
    return QueuePage(cases=cases, next_cursor=next_cursor, counts=counts,
                     capped=frozenset(k for k, n in counts.items() if n >= COUNT_CAP))


def sla_counts(base: QuerySet[Case], *, on: dt.date, cap: int | None = None) -> dict[str, int]:
    """How many cases of `base` are in each SLA state, each counted up to `cap` (one query).

    Each state is its own LIMITed subquery, so the database reads at most `cap` entries of the
    open-queue index per state (a range of due dates for the running states, the paused ones by
    their own index) instead of every open case of the team.
    """
    cap = cap or COUNT_CAP
    parts, params = [], []
    for i, state in enumerate(rules.SlaState.FILTERABLE):
        sql, sub_params = base.filter(sla_q(state, on)).order_by().values("id")[:cap].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) sla_{i})")
        params.extend(sub_params)
    with connections[base.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {state: int(n or 0) for state, n in zip(rules.SlaState.FILTERABLE, row)}


def public_timeline(case: Case, *, limit: int = 50) -> list[CaseEvent]:
    """What a councillor (or anyone) may see of a case's history: public events only."""
    return list(case.events.filter(visibility=CaseEvent.Visibility.PUBLIC).order_by("-occurred_at", "-id")[:limit])


def customer_timeline(case: Case, *, limit: int = 50) -> list[CaseEvent]:
    """What the case's own customer may see: public events and what passed between us and them
    (our questions, their replies, decisions with reasons), never staff notes."""
    return list(case.events.exclude(visibility=CaseEvent.Visibility.STAFF).order_by("-occurred_at", "-id")[:limit])


def member_enquiries(user: Any, *, limit: int = 100) -> list[Case]:
    """The enquiries a councillor raised, newest first (one query)."""
    if not getattr(user, "is_authenticated", False) or not user.has_permission(Permission.MEMBER_AREA):
        return []
    return list(Case.objects.filter(raised_by=user).select_related("service", "team")
                .order_by("-received_at", "-id")[:limit])


def qa_queue(team: Team, *, limit: int = 50) -> list[QaCheck]:
    """Pending quality checks of `team`, oldest first (one query)."""
    return list(QaCheck.objects.filter(team=team, result=QaCheck.Result.PENDING)
                .select_related("case", "case__service", "closed_by").order_by("sampled_at", "id")[:limit])


def get_qa_check(team: Team, check_id: int) -> QaCheck:
    try:
        return QaCheck.objects.select_related("case", "case__service", "case__customer", "closed_by").get(
            team=team, pk=check_id
        )
    except QaCheck.DoesNotExist:
        raise Http404("No quality check found") from None


# --- workload -----------------------------------------------------------------------------

@dataclass
class OfficerLoad:
    officer: Any
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    paused: int = 0


def team_workload(team: Team, *, on: dt.date | None = None) -> tuple[list[OfficerLoad], OfficerLoad]:
    """Open cases per officer of `team` (and the unassigned pile), in two queries whatever the queue size.

    Cases assigned to someone who has since left the team are shown under
    their name too, so nothing disappears from the leader's view.
    """
    on = on or rules.today()
    rows = (
        Case.objects.filter(team=team).exclude(status=Status.CLOSED)
        .values("assignee_id")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=sla_q(rules.SlaState.OVERDUE, on)),
            due_soon=Count("id", filter=sla_q(rules.SlaState.DUE_SOON, on)),
            paused=Count("id", filter=sla_q(rules.SlaState.PAUSED, on)),
        )
        .order_by()
    )
    by_assignee = {row["assignee_id"]: row for row in rows}
    officers = {u.pk: u for u in team_officers(team)}
    from django.contrib.auth import get_user_model

    missing = [pk for pk in by_assignee if pk is not None and pk not in officers]
    if missing:
        officers.update({u.pk: u for u in get_user_model().objects.filter(pk__in=missing)})
    loads = []
    for pk, officer in officers.items():
        row = by_assignee.get(pk, {})
        loads.append(OfficerLoad(officer=officer, open=row.get("open", 0), overdue=row.get("overdue", 0),
                                 due_soon=row.get("due_soon", 0), paused=row.get("paused", 0)))
    loads.sort(key=lambda load: (-load.open, str(load.officer).lower()))
    none = by_assignee.get(None, {})
    unassigned = OfficerLoad(officer=None, open=none.get("open", 0), overdue=none.get("overdue", 0),
                             due_soon=none.get("due_soon", 0), paused=none.get("paused", 0))
    return loads, unassigned


# --- the case page ---------------------------------------------------------------------------

def case_timeline(case: Case, *, limit: int = TIMELINE_LIMIT) -> list[CaseEvent]:
    """The latest events, newest first (one query)."""
    return list(case.events.select_related("actor").order_by("-occurred_at", "-id")[:limit])


def other_open_cases(user: Any, case: Case, *, limit: int = 10) -> list[Case]:
    """The customer's other open cases that `user` may see (the requesting colleague's, for a staff request)."""
    same = (Q(customer_id=case.customer_id) if case.customer_id is not None
            else Q(customer__isnull=True, requested_by_id=case.requested_by_id))
    return list(
        Case.objects.for_user(user)
        .filter(same)
        .exclude(pk=case.pk)
        .exclude(status=Status.CLOSED)
        .select_related("service", *owner_relations())
        .order_by("due_at", "id")[:limit]
    )


PRIORITY_LABELS = dict(Priority.choices)


# --- the customer's own cases (/account/cases/) ----------------------------------------------

CUSTOMER_CASES_LIMIT = 100


def customer_cases(customer: Any, *, limit: int = CUSTOMER_CASES_LIMIT) -> list[Case]:
    """A customer's cases, those waiting for them first, then newest first (one query)."""
    if customer is None:
        return []
    from django.db import models as m

    # Cases waiting for the customer's reply come first: that is what they need to act on.
    waiting_first = m.Case(m.When(status=Status.AWAITING_CUSTOMER, then=m.Value(0)), default=m.Value(1),
                           output_field=m.IntegerField())
    return list(Case.objects.filter(customer=customer).select_related("service", *owner_relations())
                .order_by(waiting_first, "-received_at", "-id")[:limit])


def get_customer_case(customer: Any, reference: str) -> Case:
    """One of `customer`'s own cases by reference; Http404 for anyone else's (and for no customer)."""
    reference = (reference or "").strip().upper()
    if customer is None or not reference or len(reference) > MAX_REFERENCE_LENGTH:
        raise Http404("No case found")
    try:
        return Case.objects.select_related("service", "team", "parent__service", "stage", *owner_relations()).get(customer=customer,
                                                                                     reference=reference)
    except Case.DoesNotExist:
        raise Http404("No case found") from None


# --- requests made by members of staff -------------------------------------------------------

MY_REQUESTS_LIMIT = 100


def requests_made_by(user: Any, *, limit: int = MY_REQUESTS_LIMIT) -> list[Case]:
    """The cases `user` asked for as a member of staff, newest first (one query)."""
    if not _signed_in(user):
        return []
    return list(Case.objects.filter(requested_by=user).select_related("service", "team")
                .order_by("-received_at", "-id")[:limit])


def get_request_for_requester(user: Any, reference: str) -> Case:
    """One of `user`'s own staff requests; 404 for any other case (whether or not it exists)."""
    reference = (reference or "").strip().upper()
    if not _signed_in(user) or not reference or len(reference) > MAX_REFERENCE_LENGTH:
        raise Http404("No request found")
    try:
        return Case.objects.select_related("service", "team", "parent").get(reference=reference, requested_by=user)
    except Case.DoesNotExist:
        raise Http404("No request found") from None


def case_links(case: Case, *, user: Any = None, customer: Any = None) -> dict[str, Any]:
    """The case this one follows and the follow-on cases it has, as far as the reader may see them.

    Staff (`user`) get the follow-ons they may open (Case.objects.for_user) and the parent, with
    `parent_visible` saying whether its page would open for them; the case's own customer
    (`customer`) gets only their own cases, both ways. Two queries at most, whatever the links.
    """
    follow_ons = case.follow_ons.select_related("service", *owner_relations()).order_by("received_at", "id")
    parent = case.parent if case.parent_id else None
    parent_visible = parent is not None
    if customer is not None:
        follow_ons = follow_ons.filter(customer=customer)
        if parent is not None and parent.customer_id != customer.pk:
            parent, parent_visible = None, False
    elif user is not None:
        follow_ons = follow_ons.filter(pk__in=Case.objects.for_user(user).values("pk"))
        if parent is not None:
            parent_visible = Case.objects.for_user(user).filter(pk=parent.pk).exists()
    return {"parent": parent, "parent_visible": parent_visible, "follow_ons": list(follow_ons)}


def case_tasks(case: Case) -> list[Any]:
    from .models import CaseTask

    return list(CaseTask.objects.filter(case=case).select_related("assignee", "done_by").order_by("done_at", "due_on", "id"))


MY_TASKS_SHOWN = 25


def open_tasks_for(user: Any, *, limit: int = MY_TASKS_SHOWN) -> list[Any]:
    """`user`'s open tasks across the cases they may see, soonest due first (undated last)."""
    from django.db.models import F

    from .models import CaseTask

    if not _signed_in(user):
        return []
    return list(CaseTask.objects.filter(assignee=user, done_at__isnull=True, case__in=Case.objects.for_user(user))
                .select_related("case", "case__service")
                .order_by(F("due_on").asc(nulls_last=True), "id")[:limit])


def timeline_case_details(user: Any, ids: list[str]) -> dict[str, dict[str, Any]]:
    """For the customer timeline: the cases among `ids` that `user` may open, each with its answers as
    its owner renders them for staff (oxtom.cases.owners.case_answers_many), in a constant number of queries."""
    pks = [int(i) for i in ids if str(i).isascii() and str(i).isdigit()]
    if not pks:
        return {}
    cases = list(Case.objects.for_user(user).filter(pk__in=pks)
                 .select_related("service", "team", *owner_relations()))
    answers = owners.case_answers_many(cases, audience=owners.STAFF, user=user)
    return {str(case.pk): {"case": case, "answers": answers[case.pk]} for case in cases}
