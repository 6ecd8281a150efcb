"""The engine's task holders (owners.register_task_holder): an owner names who, outside the case's team, may mark
one task under it done; they mark only that task, once, on the timeline, and work nothing else on the case."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oxtom.cases import owners
from oxtom.cases import services as s
from oxtom.cases.models import CaseEvent

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(monkeypatch):
    """A holder rule for these tests only: the tasks titled "Asked of another team" belong to officer.out@."""
    monkeypatch.setattr(owners, "_task_holders", [])
    owners.register_task_holder(lambda user, task: task.title == "Asked of another team"
                                and getattr(user, "email", "") == "officer.out@example.org")


def test_a_named_holder_marks_that_task_done_and_nothing_else(asked, service, officer_in_team, officer_outside_team):
    case = CaseFactory(service=service)
    theirs = s.case_task_add(case=case, title="Asked of another team", by=officer_in_team)
    ours = s.case_task_add(case=case, title="Check the file", by=officer_in_team)
    s.case_task_complete(task=theirs, by=officer_outside_team)
    assert CaseEvent.objects.filter(case=case, kind="task_done", actor=officer_outside_team).count() == 1
    with pytest.raises(ValidationError, match="already been marked as done"):
        s.case_task_complete(task=theirs, by=officer_outside_team)
    for step in (lambda: s.case_task_complete(task=ours, by=officer_outside_team),
                 lambda: s.case_task_reopen(task=theirs, by=officer_outside_team),
                 lambda: s.case_task_add(case=case, title="More", by=officer_outside_team)):
        with pytest.raises(PermissionDenied):
            step()


def test_without_a_holder_rule_only_the_team_marks_tasks(service, officer_in_team, officer_outside_team, monkeypatch):
    monkeypatch.setattr(owners, "_task_holders", [])
    task = s.case_task_add(case=CaseFactory(service=service), title="Asked of another team", by=officer_in_team)
    with pytest.raises(PermissionDenied):
        s.case_task_complete(task=task, by=officer_outside_team)
