"""Reads for FOI: the staff queue and case page (constant queries), the public disclosure log search,
and trends. Drafts are never read by anything public: the log reads PublishedResponse only."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from oxtom.accounts.models import Team
from oxtom.cases import selectors as case_selectors
from oxtom.cases.clock import due_soon_limit
from oxtom.cases.models import Status
from oxtom.core.calendar import Calendar

from . import services
from .models import OPEN_STAGES, Allocation, FoiRequest, InternalReview, PublishedResponse, Stage

PAGE = 50
MAX_QUERY_CHARS = 200
_WORD = re.compile(r"[\w'-]{2,40}")


def _base() -> QuerySet[FoiRequest]:
    return FoiRequest.objects.select_related("case", "case__assignee", "drafted_by", "approved_by")


def queue_rows(*, stage: str = "", after: tuple[dt.date, int] | None = None,
               before: tuple[dt.date, int] | None = None, limit: int = PAGE) -> QuerySet[FoiRequest]:
    """The queue's one query: open requests, soonest due first (bench/foi_queue.py explains it).

    Read in the order of the engine's open-queue index (casework's case_team_open_due_v4: the
    information governance team's open cases by due date, then id) and stopped at the page, so it
    reads about a page of rows whatever the number open (a stage filter reads a page divided by that
    stage's share). Sorting by the request's own fields instead read and sorted every open request:
    121 ms at 20,000 open on PostgreSQL. So the queue is the team's open engine cases that are open
    requests: one whose case was closed or referred to another team through the engine is not in it.
    The team is a subquery (an InitPlan on PostgreSQL): the index is used with no query of its own.

    `after` / `before`: a decoded engine cursor (oxtom.cases.selectors.decode_cursor, the (due_at, case
    id) of a row): the rows after it, or the rows before it read backwards (soonest due last) for the
    previous page. Either way the index is entered at the cursor, so page 400 costs what page 1 does.
    """
    team = Team.objects.filter(slug=services.TEAM_SLUG).order_by().values("pk")[:1]
    rows = _base().filter(stage__in=[stage] if stage else OPEN_STAGES, case__team=Subquery(team)).exclude(
        case__status=Status.CLOSED)
    if before is not None:
        return case_selectors.before_cursor(rows, before, prefix="case__").order_by(
            "-case__due_at", "-case__id")[:limit]
    if after is not None:
        rows = case_selectors.after_cursor(rows, after, prefix="case__")
    return rows.order_by("case__due_at", "case__id")[:limit]


@dataclass
class QueuePage:
    rows: list[FoiRequest]
    next_cursor: str = ""  # the last row's (due_at, case id), when there are more after it
    previous_cursor: str = ""  # the first row's, when this is not the first page


def queue_page(*, stage: str = "", after: str = "", before: str = "") -> QueuePage:
    """One page of the queue (PAGE rows, one query) by the engine's keyset cursor.

    A cursor that is missing, malformed or tampered with gives the first page (decode_cursor answers
    None), never an error: it is only a position, and every row it could reach is the queue's anyway.
    """
    back = case_selectors.decode_cursor(before) if before else None
    forward = case_selectors.decode_cursor(after) if after and back is None else None
    if back is not None:
        rows = list(queue_rows(stage=stage, before=back, limit=PAGE + 1))
        more_before = len(rows) > PAGE
        rows = rows[:PAGE][::-1]
        if not rows:  # before the top of the queue (a cursor made up, or its rows all closed since)
            return queue_page(stage=stage)
        return QueuePage(rows=rows, next_cursor=case_selectors.encode_cursor(rows[-1].case) if rows else "",
                         previous_cursor=case_selectors.encode_cursor(rows[0].case) if more_before else "")
    rows = list(queue_rows(stage=stage, after=forward, limit=PAGE + 1))
    more_after = len(rows) > PAGE
    rows = rows[:PAGE]
    return QueuePage(
        rows=rows, next_cursor=case_selectors.encode_cursor(rows[PAGE - 1].case) if more_after else "",
        previous_cursor=(case_selectors.encode_cursor(rows[0].case) if rows else after) if forward else "")


def queue(user: Any, *, stage: str = "", after: str = "", before: str = "") -> QueuePage:
    """Open requests, soonest due first (stage filter optional), a page at a time; staff only (404 otherwise)."""
    if not services.is_foi_staff(user):
        raise Http404
    return queue_page(stage=stage, after=after, before=before)


def stage_counts() -> dict[str, int]:
    counts = dict(FoiRequest.objects.filter(stage__in=OPEN_STAGES).values_list("stage").annotate(n=Count("id"))
                  .values_list("stage", "n"))
    return {s: counts.get(s, 0) for s in OPEN_STAGES}


def due_soon_date() -> dt.date:
    return due_soon_limit(timezone.localdate(), Calendar.ANY_UK_NATION)


def request_for_staff(user: Any, reference: str) -> FoiRequest:
    if not services.is_foi_staff(user):
        raise Http404
    request = _base().select_related("case__service", "case__customer", "already_published").filter(
        case__reference=reference[:20]).first()
    if request is None:
        raise Http404
    return request


def case_page(request: FoiRequest) -> dict[str, Any]:
    """Everything the staff case page shows, in a fixed number of queries whatever the request holds."""
    return {
        "allocations": list(Allocation.objects.filter(request=request).select_related("team", "task", "replied_by")),
        "attachments": list(request.attachments.all()),
        "exemptions": list(request.exemptions.select_related("applied_by")),
        "hits": list(request.hits.select_related("attachment", "decided_by")),
        "reviews": list(InternalReview.objects.filter(request=request).select_related("case", "decided_by")),
        "events": list(request.case.events.select_related("actor")[:30]),
    }


def requests_of_resident(user: Any) -> list[FoiRequest]:
    """A signed-in resident's own requests (their customer record's), newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(FoiRequest.objects.filter(case__customer__user=user).select_related("case")
                .prefetch_related("reviews__case").order_by("-case__received_at")[:PAGE])


def request_for_customer(customer: Any, reference: str) -> FoiRequest:
    """One of `customer`'s own requests (the signed-in requester's, or the customer an adviser acts for).

    404 for a missing request and for anyone else's alike.
    """
    request = None
    if customer is not None:
        request = (FoiRequest.objects.select_related("case", "case__customer")
                   .filter(case__reference=reference[:20], case__customer=customer).first())
    if request is None:
        raise Http404
    return request


def reviews_waiting() -> list[InternalReview]:
    """Internal reviews not yet decided, soonest due first: the co-ordinator's review queue."""
    return list(InternalReview.objects.filter(result="").select_related("case", "request__case")
                .order_by("case__due_at", "id")[:PAGE])


# --- the disclosure log --------------------------------------------------------------------------


def clean_query(query: str) -> str:
    return " ".join((query or "").split())[:MAX_QUERY_CHARS]


def search_log(query: str, *, limit: int = 20) -> list[PublishedResponse]:
    """Published responses matching `query`, best first.

    PostgreSQL: full-text search (websearch syntax, English stemming) over the search document, using
    its stored tsvector's GIN index (migration 0004), ranked. SQLite: every word must appear (case-insensitive), newest first.
    """
    query = clean_query(query)
    rows = PublishedResponse.objects.defer("search_document", "attachment_text")
    if not query:
        return list(rows[:limit])
    if connection.vendor == "postgresql":
        condition = "search_vector @@ websearch_to_tsquery('english', %s)"
        return list(rows.extra(
            select={"rank": "ts_rank(search_vector, websearch_to_tsquery('english', %s))"},
            select_params=[query], where=[condition], params=[query]).order_by("-rank", "-published_on")[:limit])
    words = _WORD.findall(query)[:8]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= Q(search_document__icontains=word)
    return list(rows.filter(condition)[:limit])


def similar_to(text: str, *, limit: int = 5) -> list[PublishedResponse]:
    """Answered requests like this one: the longest words of `text`, any of them (for the request form)."""
    words = sorted(set(w.lower() for w in _WORD.findall(text or "") if len(w) > 4), key=len, reverse=True)[:6]
    if not words:
        return []
    if connection.vendor == "postgresql":
        return search_log(" or ".join(words), limit=limit)
    condition = Q()
    for word in words:
        condition |= Q(search_document__icontains=word)
    return list(PublishedResponse.objects.defer("search_document", "attachment_text").filter(condition)[:limit])


def published(reference: str) -> PublishedResponse:
    entry = PublishedResponse.objects.filter(reference=reference[:20]).first()
    if entry is None:
        raise Http404
    return entry


def trends(*, months: int = 12, at_least: int = 2) -> list[dict[str, Any]]:
    """Topics asked about repeatedly in the last `months` months, most asked first."""
    since = timezone.localdate() - dt.timedelta(days=months * 31)
    return list(FoiRequest.objects.filter(received_on__gte=since).exclude(topic="")
                .values("topic").annotate(n=Count("id")).filter(n__gte=at_least).order_by("-n", "topic")[:30])


def for_approval(user: Any) -> list[FoiRequest]:
    if not services.can_approve(user):
        return []
    return list(queue_rows(stage=Stage.AWAITING_APPROVAL))


# --- the holding services' allocations ---------------------------------------------------------------

HOLDER_PAGE = 100


def _holder_scope(user: Any) -> QuerySet[Allocation] | None:
    """Allocations asked of the teams `user` is an officer of (a member with case work there), or None.

    The membership is joined in the same query; who has case work where is read from the user's own roles
    and the team roles already loaded with them, so a page pays one query for the list."""
    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return None
    from oxtom.accounts.permissions import Permission

    rows = Allocation.objects.filter(team__memberships__user=user)
    if not user.has_permission(Permission.CASE_WORK):
        granting = user.team_ids_granting(Permission.CASE_WORK)
        if not granting:
            return None
        rows = rows.filter(team_id__in=granting)
    return rows.select_related("team", "task", "request__case", "replied_by")


def open_allocations_for(user: Any, *, limit: int = HOLDER_PAGE) -> list[Allocation]:
    """The open FOI allocations asked of `user`'s teams, soonest due first (one query, whatever the number)."""
    rows = _holder_scope(user)
    if rows is None:
        return []
    return list(rows.filter(task__done_at__isnull=True, request__stage__in=OPEN_STAGES)
                .order_by("task__due_on", "id")[:limit])


def allocation_for_holder(user: Any, pk: int) -> Allocation:
    """One allocation asked of `user`'s team (open or answered); 404 for any other, as if it did not exist."""
    rows = _holder_scope(user)
    allocation = rows.filter(pk=pk).first() if rows is not None else None
    if allocation is None:
        raise Http404("No allocation found")
    return allocation
