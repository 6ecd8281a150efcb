"""Tasks under a case: a checklist (onboarding, pre-employment checks) worked by the case's team.

Each change is on the case's timeline (staff only) and audited. Tasks change no case field, so they
take no case version: two officers ticking different tasks never block each other; completing a task
that was completed meanwhile is refused with a clear message (a conditional UPDATE, so never twice).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record

from .. import owners
from ..models import Case, CaseTask
from ._common import Kind, _actor, _event, can_take_cases, can_work_case

MAX_TITLE = 200
MAX_TASKS_PER_CASE = 100
MAX_DUE_DAYS_AHEAD = 366 * 2


def _require(case: Case, by: Any) -> None:
    if not can_work_case(by, case):
        raise PermissionDenied("You cannot work on this case")


@transaction.atomic
def case_task_add(*, case: Case, title: str, by: Any, assignee: Any = None, due_on: dt.date | None = None) -> CaseTask:
    _require(case, by)
    if not case.is_open:
        raise ValidationError("This case is closed: reopen it before adding tasks", code="invalid_transition")
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Enter what needs to be done"})
    if len(title) > MAX_TITLE:
        raise ValidationError({"title": f"The task must be {MAX_TITLE} characters or fewer"})
    if assignee is not None and not can_take_cases(assignee, case.team_id):
        raise ValidationError({"assignee": f"Choose an officer in {case.team.name}"})
    today = timezone.localdate()
    if due_on is not None and due_on < today:
        raise ValidationError({"due_on": "The due date must be today or in the future"})
    if due_on is not None and due_on > today + dt.timedelta(days=MAX_DUE_DAYS_AHEAD):
        raise ValidationError({"due_on": "The due date must be within the next two years"})
    # Lock the case row so two adds at once cannot pass the limit together.
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).first()
    if CaseTask.objects.filter(case=case).count() >= MAX_TASKS_PER_CASE:
        raise ValidationError({"title": f"A case can have up to {MAX_TASKS_PER_CASE} tasks"})
    task = CaseTask.objects.create(case=case, title=title, assignee=assignee, due_on=due_on,
                                   created_at=timezone.now(), created_by=_actor(by))
    _event(case, Kind.TASK_ADDED, by, text=f"Task added: {title}" + (f" (for {assignee})" if assignee else ""),
           task=task.pk)
    audit_record(by=by, action="create", target=task, summary=f"Task added to {case.reference}",
                 case=case.reference, assignee=getattr(assignee, "pk", None))
    return task


@transaction.atomic
def case_task_complete(*, task: CaseTask, by: Any) -> CaseTask:
    """Mark `task` done: by whoever works the case, or whom the record's owner says the task was asked of
    (owners.register_task_holder: the service holding an FOI request's information)."""
    if not (can_work_case(by, task.case) or owners.holds_task(by, task)):
        raise PermissionDenied("You cannot work on this case")
    now = timezone.now()
    if CaseTask.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=now, done_by=_actor(by)) != 1:
        raise ValidationError("This task has already been marked as done", code="stale")
    task.done_at, task.done_by = now, _actor(by)
    _event(task.case, Kind.TASK_DONE, by, text=f"Task done: {task.title}", task=task.pk)
    audit_record(by=by, action="update", target=task, summary=f"Task done on {task.case.reference}")
    return task


@transaction.atomic
def case_task_reopen(*, task: CaseTask, by: Any) -> CaseTask:
    _require(task.case, by)
    if not task.case.is_open:
        raise ValidationError("This case is closed: reopen it first", code="invalid_transition")
    if CaseTask.objects.filter(pk=task.pk, done_at__isnull=False).update(done_at=None, done_by=None) != 1:
        raise ValidationError("This task is not done", code="stale")
    task.done_at, task.done_by = None, None
    _event(task.case, Kind.TASK_REOPENED, by, text=f"Task reopened: {task.title}", task=task.pk)
    audit_record(by=by, action="update", target=task, summary=f"Task reopened on {task.case.reference}")
    return task
