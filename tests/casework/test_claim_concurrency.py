"""Get next: concurrent claimers never get the same case.

The threaded tests need PostgreSQL (real row locks and concurrent
connections): they skip on SQLite, and fail under REQUIRE_SERVICES=1.
"""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from oxtom.cases import services as s
from oxtom.cases.services import claim
from oxtom.cases.models import Case, Status
from tests import factories as f
from tests.conftest import require

from .factories import CaseFactory, ServiceFactory


def _claim_all(officers, team, *, rounds_per_officer: int) -> list[int]:
    """Each officer in its own thread claims until nothing is left; returns every claimed id."""
    claimed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(officers))

    def work(officer):
        try:
            start.wait()
            for _ in range(rounds_per_officer):
                case = s.case_claim_next(officer=officer, team=team)
                if case is None:
                    break
                with lock:
                    claimed.append(case.pk)
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return claimed


def _setup(n_cases: int, n_officers: int):
    team = f.TeamFactory(name="Claim Team", slug="claim-team")
    service = ServiceFactory(code="claim", team=team)
    customer = f.CustomerFactory()
    for i in range(n_cases):
        CaseFactory(service=service, customer=customer, reference=f"HW-2026-C{i:05d}", priority=1 + i % 4)
    officers = []
    for i in range(n_officers):
        user = f.UserFactory(email=f"claimer{i}@example.org", roles=["officer"])
        f.TeamMembershipFactory(team=team, user=user)
        officers.append(user)
    return team, officers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("skip_locked", [True, False], ids=["skip-locked", "conditional-update"])
def test_concurrent_claimers_never_share_a_case(monkeypatch, skip_locked):
    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "the concurrent get-next test needs PostgreSQL (set DATABASE_URL)")
    if not skip_locked:
        # Prove the fallback used on SQLite is also race-free under real concurrency.
        monkeypatch.setattr(connection.features.__class__, "has_select_for_update_skip_locked", False)
    team, officers = _setup(n_cases=60, n_officers=8)
    claimed = _claim_all(officers, team, rounds_per_officer=60)
    duplicates = [pk for pk, n in Counter(claimed).items() if n > 1]
    assert duplicates == []
    assert len(claimed) == 60
    assert Case.objects.filter(team=team, assignee__isnull=True).count() == 0
    assert Case.objects.filter(team=team, status=Status.IN_PROGRESS).count() == 60
    # Each claim bumped the version exactly once.
    assert set(Case.objects.filter(team=team).values_list("version", flat=True)) == {2}


@pytest.mark.django_db
def test_fallback_claim_moves_past_a_case_someone_else_just_took(monkeypatch, team, officer_in_team, other_officer_in_team):
    """Sequential version of the race: the candidate list is stale, the claim skips the taken case."""
    monkeypatch.setattr(connection.features.__class__, "has_select_for_update_skip_locked", False)
    service = ServiceFactory(code="stale", team=team)
    first = CaseFactory(service=service, priority=1)
    second = CaseFactory(service=service, priority=2)
    Case.objects.filter(pk=first.pk).update(assignee=other_officer_in_team)  # taken a moment ago
    stale = lambda team: Case.objects.filter(team=team).order_by("priority", "due_at", "id")  # noqa: E731
    monkeypatch.setattr(claim, "_claimable", stale)
    claimed = s.case_claim_next(officer=officer_in_team, team=team)
    assert claimed.pk == second.pk
    assert Case.objects.get(pk=first.pk).assignee == other_officer_in_team
