"""Who sees which case, and the queue: filters, counts, keyset pages, constant queries."""
from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from oxtom.cases import rules
from oxtom.cases.models import Case, Priority, Status
from oxtom.cases.selectors import (
    QueueFilters, decode_cursor, get_case_for_user, get_team_for_user, queue_page,
)
from tests import factories as f

from .factories import CaseFactory, ServiceFactory

MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def cases(service, other_team, resident_a, resident_b, division_a, division_b):
    """One case in each interesting position."""
    other_service = ServiceFactory(code="permit", team=other_team, reference_prefix="PK")
    return {
        "mine_a": CaseFactory(service=service, customer=resident_a.customer, division=division_a, reference="HW-2026-AAAAAA"),
        "special_a": CaseFactory(service=service, customer=resident_b.customer, division=division_a,
                                 special_category=True, reference="HW-2026-SPECIA"),
        "shared_a": CaseFactory(service=service, customer=resident_b.customer, division=division_a,
                                special_category=True, shared_with_councillor=True, reference="HW-2026-SHARED"),
        "b_in_b": CaseFactory(service=service, customer=resident_b.customer, division=division_b, reference="HW-2026-BBBBBB"),
        "other_team": CaseFactory(service=other_service, customer=resident_b.customer, division=division_a,
                                  reference="PK-2026-OTHERT"),
    }


def visible(user) -> set[str]:
    return set(Case.objects.for_user(user).values_list("reference", flat=True))


def test_visibility_by_role(cases, officer_in_team, officer_outside_team, team_leader, councillor_of_division,
                            councillor_elsewhere, resident_a, resident_b, administrator, adviser):
    refs = {k: c.reference for k, c in cases.items()}
    team_cases = {refs[k] for k in ("mine_a", "special_a", "shared_a", "b_in_b")}
    assert visible(officer_in_team) == team_cases
    assert visible(team_leader) == team_cases
    assert visible(officer_outside_team) == {refs["other_team"]}
    assert visible(councillor_of_division) == {refs["mine_a"], refs["shared_a"], refs["other_team"]}
    assert visible(councillor_elsewhere) == {refs["b_in_b"]}
    assert visible(resident_a) == {refs["mine_a"]}
    assert visible(resident_b) == {refs[k] for k in ("special_a", "shared_a", "b_in_b", "other_team")}
    assert visible(administrator) == set(refs.values())
    assert visible(adviser) == set()


def test_anonymous_and_inactive_see_nothing(cases, officer_in_team):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()
    officer_in_team.is_active = False
    assert visible(officer_in_team) == set()


def test_get_case_404_for_missing_and_forbidden_alike(cases, officer_outside_team, officer_in_team):
    ref = cases["mine_a"].reference
    assert get_case_for_user(officer_in_team, ref.lower()).pk == cases["mine_a"].pk
    for user, reference in [(officer_outside_team, ref), (officer_in_team, "HW-2026-NOSUCH"),
                            (officer_in_team, ""), (officer_in_team, "X" * 500), (officer_in_team, "' OR 1=1 --")]:
        with pytest.raises(Http404):
            get_case_for_user(user, reference)


def test_team_queue_only_for_members(team, other_team, officer_in_team, administrator, councillor_of_division):
    assert get_team_for_user(officer_in_team, team.slug) == team
    assert get_team_for_user(administrator, other_team.slug) == other_team
    for user, slug in [(officer_in_team, other_team.slug), (councillor_of_division, team.slug)]:
        with pytest.raises(Http404):
            get_team_for_user(user, slug)


# --- queue ---------------------------------------------------------------------------------


@pytest.fixture
def queue(service, officer_in_team, division_a, division_b):
    """Cases due over a range of days around MONDAY, one closed, one paused, one assigned."""
    made = []
    for i, offset in enumerate([-3, -1, 0, 1, 2, 3, 5, 8, 13, 21]):
        made.append(CaseFactory(service=service, due_at=MONDAY + dt.timedelta(days=offset),
                                priority=1 + i % 4, division=division_a if i % 2 else division_b))
    CaseFactory(service=service, due_at=MONDAY - dt.timedelta(days=30), status=Status.CLOSED)
    Case.objects.filter(pk=made[0].pk).update(paused_on=MONDAY, status=Status.AWAITING_CUSTOMER)
    Case.objects.filter(pk=made[4].pk).update(assignee=officer_in_team, status=Status.IN_PROGRESS)
    return made


def test_queue_counts_per_sla_state(queue, team, officer_in_team):
    page = queue_page(user=officer_in_team, team=team, filters=QueueFilters(), on=MONDAY)
    # Due soon = today up to 2 working days ahead (Wednesday 4 March).
    assert page.counts == {"on_track": 5, "due_soon": 3, "overdue": 1, "paused": 1}
    assert page.total == 10
    assert [c.due_at for c in page.cases] == sorted(c.due_at for c in page.cases)
    assert all(c.status != Status.CLOSED for c in page.cases)


@pytest.mark.parametrize(
    "filters,expected",
    [
        (QueueFilters(sla="overdue"), 1),
        (QueueFilters(sla="due_soon"), 3),
        (QueueFilters(sla="paused"), 1),
        (QueueFilters(priority=Priority.URGENT), 3),
        (QueueFilters(status=Status.IN_PROGRESS), 1),
        (QueueFilters(assigned="me"), 1),
        (QueueFilters(assigned="unassigned"), 9),
    ],
)
def test_queue_filters(queue, team, officer_in_team, filters, expected):
    page = queue_page(user=officer_in_team, team=team, filters=filters, on=MONDAY)
    assert len(page.cases) == expected


def test_queue_filter_by_division_and_service(queue, team, service, officer_in_team, division_a):
    other = ServiceFactory(code="gully", team=team)
    CaseFactory(service=other, due_at=MONDAY)
    assert len(queue_page(user=officer_in_team, team=team, filters=QueueFilters(division_id=division_a.pk), on=MONDAY).cases) == 5
    assert len(queue_page(user=officer_in_team, team=team, filters=QueueFilters(service_id=other.pk), on=MONDAY).cases) == 1


def test_keyset_pages_cover_everything_once_in_order(queue, team, officer_in_team):
    seen, cursor = [], ""
    for _ in range(10):
        page = queue_page(user=officer_in_team, team=team, filters=QueueFilters(), cursor=cursor, per_page=3, on=MONDAY)
        seen += page.cases
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == 10 and len({c.pk for c in seen}) == 10
    assert [(c.due_at, c.pk) for c in seen] == sorted((c.due_at, c.pk) for c in seen)


def test_keyset_pages_through_cases_tied_on_their_due_date(service, team, officer_in_team):
    """Seven cases due the same day: the row comparison (due_at, id) > cursor pages them by id, none twice."""
    tied = sorted(CaseFactory(service=service, due_at=MONDAY + dt.timedelta(days=4)).pk for _ in range(7))
    seen, cursor = [], ""
    for _ in range(5):
        page = queue_page(user=officer_in_team, team=team, filters=QueueFilters(), cursor=cursor, per_page=3, on=MONDAY)
        seen += [c.pk for c in page.cases]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == tied


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "x" * 100, "MjAyNi0xMy00MHwx"])
def test_tampered_cursor_starts_from_the_top(queue, team, officer_in_team, cursor):
    page = queue_page(user=officer_in_team, team=team, filters=QueueFilters(), cursor=cursor, per_page=3, on=MONDAY)
    assert page.cases[0].pk == min(queue, key=lambda c: (c.due_at, c.pk)).pk
    assert decode_cursor(cursor) is None


def test_queue_query_count_is_constant(queue, team, service, officer_in_team, django_assert_num_queries):
    with django_assert_num_queries(2):
        queue_page(user=officer_in_team, team=team, filters=QueueFilters(), on=MONDAY)
    for i in range(50):
        CaseFactory(service=service, due_at=MONDAY + dt.timedelta(days=i), assignee=officer_in_team)
    with django_assert_num_queries(2):
        page = queue_page(user=officer_in_team, team=team, filters=QueueFilters(sla="on_track"), on=MONDAY)
        # Touching each row's assignee, service and division costs nothing: loaded with the page.
        shown = [(c.assignee and c.assignee.email, c.service.name, c.division) for c in page.cases]
    assert len(shown) == 50 and any(email == officer_in_team.email for email, _, _ in shown)


def test_sla_q_matches_rules(queue, team):
    for case in Case.objects.filter(team=team).exclude(status=Status.CLOSED):
        state = rules.sla_state(status=case.status, due_at=case.due_at, paused_on=case.paused_on, on=MONDAY)
        from oxtom.cases.selectors import sla_q

        assert Case.objects.filter(sla_q(state, MONDAY), pk=case.pk).exists()


def test_sla_counts_stop_at_the_cap_and_say_so(queue, team, service, officer_in_team, monkeypatch):
    """Each state's count reads at most COUNT_CAP entries; a count at the cap is shown as "N or more"."""
    from oxtom.cases import selectors as case_selectors

    monkeypatch.setattr(case_selectors, "COUNT_CAP", 3)
    page = queue_page(user=officer_in_team, team=team, filters=QueueFilters(), on=MONDAY)
    assert page.counts == {"on_track": 3, "due_soon": 3, "overdue": 1, "paused": 1}
    assert page.capped == {"on_track", "due_soon"}
    assert page.shown == {"on_track": "3 or more", "due_soon": "3 or more", "overdue": "1", "paused": "1"}
    assert page.total_shown == "8 or more"
    # Below the cap the counts are exact, and so is what the page says.
    monkeypatch.setattr(case_selectors, "COUNT_CAP", 1000)
    page = queue_page(user=officer_in_team, team=team, filters=QueueFilters(), on=MONDAY)
    assert page.capped == frozenset() and page.total_shown == "10"
    # Filters narrow the counts as before (all but the SLA state itself).
    page = queue_page(user=officer_in_team, team=team, filters=QueueFilters(sla="overdue", assigned="unassigned"),
                      on=MONDAY)
    assert page.total == 9


def test_sla_counts_read_a_bounded_number_of_index_entries(queue, team, service, officer_in_team):
    """The counting query is one statement of LIMITed subqueries, each served by an index."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from oxtom.cases.selectors import COUNT_CAP

    with CaptureQueriesContext(connection) as ctx:
        queue_page(user=officer_in_team, team=team, filters=QueueFilters(), on=MONDAY)
    counting = ctx.captured_queries[0]["sql"]
    assert counting.count(f"LIMIT {COUNT_CAP}") == 4
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {counting}")
            plan = " ".join(str(r[-1]) for r in cursor.fetchall())
            assert "SCAN casework_case" not in plan.replace("USING INDEX", "").replace("USING COVERING INDEX", ""), plan
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(f"EXPLAIN {counting}")
            plan = " ".join(r[0] for r in cursor.fetchall())
            assert "Seq Scan on casework_case" not in plan, plan
