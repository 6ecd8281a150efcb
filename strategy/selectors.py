"""Reads for the project office, the board and consultations, scoped to who is asking. Constant queries."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from oxtom.accounts.permissions import Permission

from . import benefits as rules
from .models import (
    Allocation, Benefit, BoardDecision, Consultation, ConsultationResponse, HighlightReport, PoolMember, Project, Question, Rag,
)
from .services.pmo import highlight_due_date, reporting_month

SUPPRESSION_THRESHOLD = 5


def sees_all_projects(user: Any) -> bool:
    return user.has_permission(Permission.PMO_WORK) or user.has_permission(Permission.BOARD_DECIDE)


def projects_for_user(user: Any) -> QuerySet[Project]:
    """The PMO and the board see every project; a project manager those they manage or proposed."""
    qs = Project.objects.all()
    if sees_all_projects(user):
        return qs
    return qs.filter(Q(project_manager=user) | Q(proposed_by=user) | Q(business_analyst=user))


def get_project_for_user(user: Any, reference: str) -> Project:
    project = (projects_for_user(user).select_related("project_manager", "business_analyst", "proposed_by",
                                                      "decided_by")
               .prefetch_related("benefits__measure", "benefits__realisations",
                                 Prefetch("risks", to_attr="all_risks"),
                                 Prefetch("highlights", queryset=HighlightReport.objects.select_related("submitted_by")),
                                 Prefetch("allocations", queryset=Allocation.objects.select_related("member__user")))
               .filter(reference=reference).first())
    if project is None:
        raise Http404
    return project


@dataclass
class PortfolioRow:
    project: Project
    latest: HighlightReport | None
    late: bool
    due: dt.date | None

    @property
    def exception(self) -> bool:
        return self.late or (self.latest is not None and self.latest.worst == Rag.RED)

    @property
    def worst(self) -> str:
        return self.latest.worst if self.latest else ""


def portfolio(*, today: dt.date | None = None, user: Any = None) -> list[PortfolioRow]:
    """Approved projects with their latest highlight report, exceptions (red or late) first (two queries)."""
    today = today or timezone.localdate()
    month = reporting_month(today)
    projects = projects_for_user(user) if user is not None else Project.objects.all()
    projects = list(projects.filter(status=Project.Status.APPROVED).select_related("project_manager"))
    latest: dict[int, HighlightReport] = {}
    for report in HighlightReport.objects.filter(project__in=[p.pk for p in projects]).order_by("project_id", "-month"):
        latest.setdefault(report.project_id, report)
    rows = []
    for p in projects:
        report = latest.get(p.pk)
        due = highlight_due_date(p, month)
        late = (report is None or report.month < month) and due < today
        rows.append(PortfolioRow(project=p, latest=report, late=late, due=due))
    order = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, "": 3}
    return sorted(rows, key=lambda r: (not r.exception, order[r.worst], r.project.reference))


@dataclass
class BenefitRow:
    """A benefit with its latest actual (the measure's county figure, or what the project recorded) and verdict."""

    benefit: Benefit
    actual: Any  # Decimal | None
    actual_month: dt.date | None
    note: str
    status: str
    progress: int | None

    @property
    def status_label(self) -> str:
        return rules.LABELS[self.status]

    @property
    def can_record(self) -> bool:
        """Actuals are recorded by the project only for a benefit with no measure."""
        return self.benefit.measure_id is None


def benefit_rows(benefits: list[Benefit], *, today: dt.date | None = None) -> list[BenefitRow]:
    """Judge each benefit (its measure and realisations prefetched): one query for every measure's latest figure."""
    from performance.selectors import latest_county_values

    today = today or timezone.localdate()
    measured = {b.measure_id for b in benefits if b.measure_id}
    latest = latest_county_values(measured, on=today) if measured else {}
    rows = []
    for b in benefits:
        if b.measure_id:
            month, actual = latest.get(b.measure_id, (None, None))
            note = ""
        else:
            recorded = b.latest
            month, actual, note = (recorded.month, recorded.value, recorded.note) if recorded else (None, None, "")
        polarity = b.measure.polarity if b.measure_id else None
        rows.append(BenefitRow(
            benefit=b, actual=actual, actual_month=month, note=note,
            status=rules.status(baseline=b.baseline, target=b.target, actual=actual, polarity=polarity,
                                target_date=b.target_date, today=today,
                                start=timezone.localtime(b.project.decided_at).date() if b.project.decided_at else None),
            progress=rules.progress(baseline=b.baseline, target=b.target, actual=actual)))
    return rows


def portfolio_benefits(*, today: dt.date | None = None) -> list[BenefitRow]:
    """Every benefit of the approved projects, off track first (four queries, whatever the number)."""
    benefits = list(Benefit.objects.filter(project__status=Project.Status.APPROVED)
                    .select_related("project", "measure").prefetch_related("realisations")
                    .order_by("project__reference", "id"))
    rows = benefit_rows(benefits, today=today)
    return sorted(rows, key=lambda r: (rules.ORDER[r.status], r.benefit.project.reference, r.benefit.pk))


def get_benefit_for_user(user: Any, reference: str, pk: int) -> Benefit:
    """A benefit of a project the user can see (404 otherwise)."""
    benefit = (Benefit.objects.filter(project__in=projects_for_user(user), project__reference=reference, pk=pk)
               .select_related("project", "measure").prefetch_related("realisations").first())
    if benefit is None:
        raise Http404
    return benefit


def proposals_waiting() -> list[Project]:
    return list(Project.objects.filter(status=Project.Status.PROPOSED).select_related("proposed_by")
                .order_by("created_at"))


def recent_decisions(limit: int = 20) -> list[BoardDecision]:
    return list(BoardDecision.objects.select_related("project", "recorded_by")[:limit])


@dataclass
class PoolRow:
    member: PoolMember
    allocations: list[Allocation]
    used: int

    @property
    def free(self) -> int:
        return self.member.capacity_days - self.used


def resource_pool() -> list[PoolRow]:
    """Everyone in the pool, what they are on and their free days a month (two queries)."""
    members = list(PoolMember.objects.select_related("user").prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.filter(project__status=Project.Status.APPROVED)
                 .select_related("project"))))
    return [PoolRow(member=m, allocations=list(m.allocations.all()),
                    used=sum(a.days for a in m.allocations.all())) for m in members]


# --- consultations -------------------------------------------------------------------------------


def public_consultations(today: dt.date | None = None) -> dict[str, list[Consultation]]:
    today = today or timezone.localdate()
    published = list(Consultation.objects.filter(status__in=[Consultation.Status.PUBLISHED,
                                                             Consultation.Status.CLOSED]))
    return {
        "open": [c for c in published if c.is_open_on(today)],
        "closed": [c for c in published if not c.is_open_on(today) and (c.status == Consultation.Status.CLOSED
                                                                       or c.closes_on < today)],
    }


def get_public_consultation(slug: str) -> Consultation:
    consultation = (Consultation.objects.filter(slug=slug, status__in=[Consultation.Status.PUBLISHED,
                                                                      Consultation.Status.CLOSED])
                    .prefetch_related("questions").first())
    if consultation is None:
        raise Http404
    return consultation


def get_consultation_for_staff(slug: str) -> Consultation:
    consultation = Consultation.objects.filter(slug=slug).prefetch_related("questions").first()
    if consultation is None:
        raise Http404
    return consultation


@dataclass
class QuestionResult:
    question: Question
    total: int = 0
    counts: list[tuple[str, int, str]] = field(default_factory=list)  # option, count, percent text
    texts: list[str] = field(default_factory=list)
    by_division: list[tuple[str, list[str]]] = field(default_factory=list)  # division name, cells


def _percent(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def _cell(count: int, total: int) -> str:
    """A division's count for one option: 1 to 4 are not shown (they could identify someone)."""
    if 0 < count < SUPPRESSION_THRESHOLD:
        return f"Fewer than {SUPPRESSION_THRESHOLD}"
    return f"{count} ({_percent(count, total)})"


def consultation_results(consultation: Consultation, *, with_texts: bool) -> tuple[int, list[QuestionResult]]:
    """Counts and percentages per question and by division (fewer than 5 suppressed). Two queries."""
    responses = list(ConsultationResponse.objects.filter(consultation=consultation, submitted_at__isnull=False)
                     .select_related("division").only("answers", "division__name"))
    results = []
    for q in consultation.questions.all():
        result = QuestionResult(question=q)
        answers = [(r.answers.get(str(q.pk)), r.division.name if r.division else "Not known") for r in responses]
        answers = [(a, d) for a, d in answers if a not in (None, "")]
        result.total = len(answers)
        if q.kind == Question.Kind.TEXT:
            result.texts = [a for a, _ in answers] if with_texts else []
        else:
            counts = Counter(a for a, _ in answers)
            result.counts = [(o, counts.get(o, 0), _percent(counts.get(o, 0), result.total)) for o in q.options]
            per: dict[str, Counter] = defaultdict(Counter)
            for answer, division in answers:
                per[division][answer] += 1
            for division in sorted(per):
                n = sum(per[division].values())
                if n < SUPPRESSION_THRESHOLD:
                    cells = [f"Fewer than {SUPPRESSION_THRESHOLD} responses"]
                else:
                    cells = [_cell(per[division].get(o, 0), n) for o in q.options]
                result.by_division.append((division, cells))
        results.append(result)
    return len(responses), results
