"""Writes for the project office: proposals, the board's decisions, the resource pool, highlight reports, chasing.

The rules live here: only the board decides a proposal, and never one of its
own members' (the proposer cannot approve their own); a highlight report can
only be submitted for an approved project, by its project manager (or the
PMO), once per month; allocation never takes anyone past their capacity;
a late highlight report is chased once per month through the outbox.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.core.links import absolute_url
from oxtom.notify.services import notification_queue

from oxtom.core.hygiene import clean_free_text

from .. import benefits as rules
from ..models import (
    Allocation, Benefit, BenefitRealisation, BoardDecision, HighlightChase, HighlightReport, PoolMember, Project, Rag,
    Risk,
)

MAX_BENEFITS = 10
MAX_RISKS = 20
MAX_NOTE = 1000


def _require(by: Any, *permissions: Permission) -> None:
    if by is None or not getattr(by, "is_authenticated", False) or not any(by.has_permission(p) for p in permissions):
        raise PermissionDenied


def _next_reference() -> str:
    last = Project.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return f"PRJ-{last + 1:04d}"


@transaction.atomic
def project_propose(*, title: str, directorate: str, sponsor: str, cross_cutting: bool, objectives: str,
                    estimated_cost: Decimal, cost_notes: str = "", benefits: Iterable[dict] = (),
                    risks: Iterable[dict] = (), by: Any) -> Project:
    """A proposal on the PMO's template, for the board. Benefits name a measure where one exists."""
    _require(by, Permission.PROJECT_PROPOSE, Permission.PMO_WORK)
    benefits, risks = list(benefits), list(risks)
    errors: dict[str, str] = {}
    if not benefits:
        errors["benefits"] = "Name at least one benefit and how it will be measured"
    if len(benefits) > MAX_BENEFITS:
        errors["benefits"] = f"Name at most {MAX_BENEFITS} benefits"
    today = timezone.localdate()
    for number, b in enumerate(benefits, start=1):
        measure = b.get("measure")
        problems = rules.benefit_errors(baseline=b.get("baseline"), target=b.get("target"),
                                        target_date=b.get("target_date"), today=today,
                                        polarity=measure.polarity if measure is not None else None)
        if problems:
            errors["benefits"] = f"Line {number} ({b['description'][:60]}): " + "; ".join(problems.values())
            break
    if len(risks) > MAX_RISKS:
        errors["risks"] = f"Name at most {MAX_RISKS} risks"
    if estimated_cost is None or estimated_cost < 0:
        errors["estimated_cost"] = "Enter the estimated cost in pounds, 0 or more"
    if errors:
        raise ValidationError(errors)
    for attempt in range(3):
        try:
            with transaction.atomic():
                project = Project.objects.create(
                    reference=_next_reference(), title=title.strip(), directorate=directorate.strip(),
                    sponsor=sponsor.strip(), cross_cutting=cross_cutting, objectives=objectives.strip(),
                    estimated_cost=estimated_cost, cost_notes=cost_notes.strip(), proposed_by=by, created_by=by)
            break
        except IntegrityError:  # two proposals at once took the same reference: take the next
            if attempt == 2:
                raise
    Benefit.objects.bulk_create([Benefit(project=project, description=b["description"], measure=b.get("measure"),
                                         baseline=b.get("baseline"), target=b.get("target"),
                                         target_date=b.get("target_date")) for b in benefits])
    Risk.objects.bulk_create([Risk(project=project, description=r["description"], owner=r["owner"],
                                   kind=r.get("kind", Risk.Kind.RISK)) for r in risks])
    audit_record(by=by, action="create", target=project, summary=f"Proposed {project.reference}")
    return project


@transaction.atomic
def project_decide(*, project: Project, approve: bool, note: str, by: Any) -> Project:
    """The board approves or rejects a proposal. The proposer cannot decide their own."""
    _require(by, Permission.BOARD_DECIDE)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status != Project.Status.PROPOSED:
        raise ValidationError(f"{project.reference} has already been decided")
    if project.proposed_by_id == by.pk:
        raise ValidationError("You proposed this project: another board member must decide it")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "Enter why the board is rejecting the proposal"})
    project.status = Project.Status.APPROVED if approve else Project.Status.REJECTED
    project.decided_by, project.decided_at, project.decision_note = by, timezone.now(), note
    project.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "modified_at"])
    BoardDecision.objects.create(project=project, text=f"{'Approved' if approve else 'Rejected'}: {note}".rstrip(": "),
                                 decided_on=timezone.localdate(), recorded_by=by, recorded_at=timezone.now())
    audit_record(by=by, action="update", target=project,
                 summary=f"Board {'approved' if approve else 'rejected'} {project.reference}")
    return project


@transaction.atomic
def board_decision_record(*, text: str, project: Project | None, decided_on: dt.date, by: Any) -> BoardDecision:
    _require(by, Permission.BOARD_DECIDE)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Enter what the board decided"})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": "The date of the decision must be today or in the past"})
    decision = BoardDecision.objects.create(project=project, text=text, decided_on=decided_on, recorded_by=by,
                                            recorded_at=timezone.now())
    audit_record(by=by, action="create", target=decision, summary="Board decision recorded")
    return decision


def free_days(member: PoolMember, *, excluding: Project | None = None) -> int:
    used = member.allocations.exclude(project=excluding).filter(
        project__status=Project.Status.APPROVED).aggregate(n=Sum("days"))["n"] or 0
    return member.capacity_days - used


@transaction.atomic
def project_allocate(*, project: Project, member: PoolMember, days: int, by: Any) -> Allocation:
    """Put a pool member on an approved project; a project manager or analyst becomes its PM or BA."""
    _require(by, Permission.PMO_WORK)
    project = Project.objects.select_for_update().get(pk=project.pk)
    member = PoolMember.objects.select_for_update().select_related("user").get(pk=member.pk)
    if project.status != Project.Status.APPROVED:
        raise ValidationError("Only an approved project gets people from the pool")
    if days < 1:
        raise ValidationError({"days": "Enter the days a month, 1 or more"})
    available = free_days(member, excluding=project)
    if days > available:
        raise ValidationError({"days": f"{member.user.full_name} has {available} free days a month: "
                                       f"allocate {available} or fewer"})
    allocation, _ = Allocation.objects.update_or_create(
        member=member, project=project, defaults={"days": days, "allocated_by": by, "allocated_at": timezone.now()})
    field = "project_manager" if member.skill == PoolMember.Skill.PROJECT_MANAGER else "business_analyst"
    setattr(project, field, member.user)
    project.save(update_fields=[field, "modified_at"])
    audit_record(by=by, action="update", target=project, summary=f"{member.get_skill_display()} allocated")
    return allocation


def can_report(user: Any, project: Project) -> bool:
    return bool(user and user.is_authenticated and (
        user.has_permission(Permission.PMO_WORK) or project.project_manager_id == user.pk))


@transaction.atomic
def highlight_submit(*, project: Project, month: dt.date, rags: dict[str, str], summary: str,
                     decisions_needed: str = "", risks: Iterable[dict] = (), by: Any) -> HighlightReport:
    """A month's highlight report. Refused for a project the board has not approved, and twice for a month."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not can_report(by, project):
        raise PermissionDenied
    if project.status != Project.Status.APPROVED:
        raise ValidationError("A highlight report can only be submitted for a project the board has approved")
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": "You can only report on this month or earlier ones"})
    for key in ("time", "cost", "scope", "benefits"):
        if rags.get(key) not in Rag.values:
            raise ValidationError({f"rag_{key}": f"Choose red, amber or green for {key}"})
    if not (summary or "").strip():
        raise ValidationError({"summary": "Enter a summary of progress"})
    if HighlightReport.objects.filter(project=project, month=month).exists():
        raise ValidationError({"month": f"The highlight report for {month:%B %Y} has already been submitted"})
    report = HighlightReport.objects.create(
        project=project, month=month, rag_time=rags["time"], rag_cost=rags["cost"], rag_scope=rags["scope"],
        rag_benefits=rags["benefits"], summary=summary.strip(), decisions_needed=(decisions_needed or "").strip(),
        submitted_by=by, submitted_at=timezone.now())
    Risk.objects.bulk_create([Risk(project=project, highlight=report, description=r["description"], owner=r["owner"],
                                   kind=r.get("kind", Risk.Kind.RISK)) for r in risks])
    audit_record(by=by, action="create", target=report, summary=f"Highlight report {month:%Y-%m} for {project.reference}")
    return report


@transaction.atomic
def benefit_record(*, benefit: Benefit, month: dt.date, value: Decimal, note: str = "", by: Any) -> BenefitRealisation:
    """The project's actual for a benefit with no performance measure, for a month up to last month, with a note
    of where the figure came from. A second figure for the same month replaces the first (both audited)."""
    project = benefit.project
    if not can_report(by, project):
        raise PermissionDenied
    if project.status != Project.Status.APPROVED:
        raise ValidationError("Benefits are recorded for approved projects")
    if benefit.measure_id is not None:
        raise ValidationError("This benefit is measured by its performance measure: its actuals come from there")
    errors: dict[str, str] = {}
    month = month.replace(day=1)
    if month >= timezone.localdate().replace(day=1):
        errors["month"] = "Record a month that has ended: last month or earlier"
    if value is None or not value.is_finite() or abs(value) >= Decimal("1e12"):
        errors["value"] = "Enter the actual as a number"
    note = clean_free_text(note or "").strip()
    if not note:
        errors["note"] = "Enter where the figure came from"
    elif len(note) > MAX_NOTE:
        errors["note"] = f"The note must be {MAX_NOTE:,} characters or fewer"
    if errors:
        raise ValidationError(errors)
    realisation, created = BenefitRealisation.objects.update_or_create(
        benefit=benefit, month=month,
        defaults={"value": value.quantize(Decimal("0.01")), "note": note, "recorded_by": by,
                  "recorded_at": timezone.now()})
    audit_record(by=by, action="create" if created else "update", target=realisation,
                 summary=f"Benefit actual {month:%Y-%m} for {project.reference}", benefit=benefit.pk,
                 value=str(realisation.value))
    return realisation


def reporting_month(today: dt.date) -> dt.date:
    """The month a highlight report is owed for: last month."""
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def highlight_due_date(project: Project, month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following.replace(day=project.highlight_due_day)


def late_projects(today: dt.date) -> list[Project]:
    """Approved projects whose highlight report for last month is past its due date and missing (two queries)."""
    month = reporting_month(today)
    submitted = set(HighlightReport.objects.filter(month=month).values_list("project_id", flat=True))
    return [p for p in Project.objects.filter(status=Project.Status.APPROVED).select_related("project_manager")
            if p.pk not in submitted and highlight_due_date(p, month) < today]


def chase_late_highlights(*, today: dt.date | None = None) -> int:
    """Email each late project's manager once per month (through the outbox); returns how many were chased."""
    today = today or timezone.localdate()
    month = reporting_month(today)
    chased = 0
    for project in late_projects(today):
        manager = project.project_manager
        if manager is None or not manager.email:
            continue
        with transaction.atomic():
            chase, created = HighlightChase.objects.get_or_create(project=project, month=month,
                                                                  defaults={"chased_at": timezone.now()})
            if not created:
                continue
            notification_queue(
                customer=None, to=manager.email, template="staff-alert", by=None,
                subject=f"Highlight report overdue: {project.reference}",
                context={"subject": f"Highlight report overdue: {project.reference}",
                         "message": f"The highlight report for {project.title} for {month:%B %Y} was due on "
                                    f"{highlight_due_date(project, month):%-d %B %Y}. Submit it here: "
                                    + absolute_url(f"/staff/projects/{project.reference}/highlight/")},
                idempotency_key=f"pmo:chase:{project.pk}:{month:%Y-%m}",
            )
            chased += 1
    return chased
