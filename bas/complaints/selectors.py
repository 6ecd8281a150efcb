"""Reads for complaints, scoped to the reader (docs/CONVENTIONS.md §3.2): others' complaints are a 404."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.http import Http404

from oxtom.cases.models import Status

from .models import Complaint, ComplaintStage, LearningAction
from .services import can_handle_complaints

QUEUE_LIMIT = 100


def _with_stages(queryset):
    return queryset.select_related("customer", "about_service", "about_case", "converted_to").prefetch_related(
        Prefetch("stages", queryset=ComplaintStage.objects.select_related(
            "case", "case__assignee", "case__stage", "acknowledged_by", "responded_by").order_by("number")))


def complaint_for_staff(user: Any, reference: str) -> Complaint:
    if not can_handle_complaints(user):
        raise Http404("No such complaint")
    complaint = _with_stages(Complaint.objects.filter(reference=reference)).prefetch_related(
        Prefetch("learning_actions", queryset=LearningAction.objects.select_related("owner", "done_by"))).first()
    if complaint is None:
        raise Http404("No such complaint")
    return complaint


def complaint_for_customer(customer: Any, reference: str) -> Complaint:
    if customer is None:
        raise Http404("No such complaint")
    complaint = _with_stages(Complaint.objects.filter(reference=reference, customer=customer)).first()
    if complaint is None:
        raise Http404("No such complaint")
    return complaint


def complaints_for_customer(customer: Any) -> list[Complaint]:
    if customer is None:
        return []
    return list(_with_stages(Complaint.objects.filter(customer=customer))[:100])


@dataclass
class QueueRow:
    stage: ComplaintStage
    step: str  # what is waiting: "Acknowledge" or "Respond"
    due: dt.date


def queue(user: Any, *, mine: bool = False) -> list[QueueRow]:
    """Open complaint stages, soonest due first (a constant number of queries whatever the volume)."""
    if not can_handle_complaints(user):
        raise Http404
    stages = (ComplaintStage.objects.filter(responded_on__isnull=True).exclude(case__status=Status.CLOSED)
              .select_related("complaint", "complaint__about_service", "case", "case__assignee", "case__stage")
              .order_by("case__due_at", "case_id"))
    if mine:
        stages = stages.filter(case__assignee=user)
    rows = []
    for stage in stages[:QUEUE_LIMIT]:
        step = "Acknowledge" if not stage.is_acknowledged else ("Final response" if stage.number == 2 else "Respond")
        rows.append(QueueRow(stage=stage, step=step, due=stage.case.due_at))
    return rows


def open_learning_actions(user: Any) -> list[LearningAction]:
    if not can_handle_complaints(user):
        raise Http404
    return list(LearningAction.objects.filter(done_at__isnull=True).select_related("complaint", "owner")
                .order_by("due_on", "id")[:QUEUE_LIMIT])


@dataclass
class StageView:
    """A stage as the complainant reads it."""

    stage: ComplaintStage
    events: list = field(default_factory=list)
