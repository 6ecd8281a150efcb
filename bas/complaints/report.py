"""The annual complaints report (a financial year, April to March): for members in full, for the public
with small numbers suppressed by the rule the division pages use (performance's is_suppressed).

A constant number of queries: grouped counts in SQL, whatever the year's volume.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from performance.registry import is_suppressed

from .models import Complaint, ComplaintStage, LearningAction, OmbudsmanDecision, Outcome

SUPPRESSED = "Fewer than 5"


def financial_year(on: dt.date | None = None) -> int:
    on = on or timezone.localdate()
    return on.year if on.month >= 4 else on.year - 1


def year_label(year: int) -> str:
    return f"April {year} to March {year + 1}"


@dataclass
class Figure:
    value: int | None
    display: str


@dataclass
class Report:
    year: int
    public: bool
    by_service: list[tuple[str, Figure, Figure]] = field(default_factory=list)  # service, stage 1, stage 2
    timeliness: list[tuple[str, Figure, Figure, Figure]] = field(default_factory=list)  # stage, answered, on time, %
    acknowledgements: list[tuple[str, Figure, Figure, Figure]] = field(default_factory=list)
    outcomes: list[tuple[str, Figure, Figure]] = field(default_factory=list)  # outcome, stage 1, stage 2
    extensions: list[tuple[str, Figure]] = field(default_factory=list)
    # Members only: the service complained about, and the remedy. Not the complaint's reference: a councillor
    # reads the county's report, and a reference would lead to a resident's complaint outside their division.
    remedies: list[tuple[str, str]] = field(default_factory=list)
    remedies_count: Figure | None = None
    learning: list[tuple[str, Figure]] = field(default_factory=list)
    ombudsman: list[tuple[str, Figure]] = field(default_factory=list)
    converted: Figure | None = None

    @property
    def label(self) -> str:
        return year_label(self.year)


def _count(n: int, public: bool) -> Figure:
    if public and is_suppressed(base=None, value=Decimal(n), unit="count"):
        return Figure(None, SUPPRESSED)
    return Figure(n, f"{n:,}")


def _percent(part: int, whole: int, public: bool) -> Figure:
    if whole == 0:
        return Figure(None, "None answered")
    value = Decimal(part * 100) / Decimal(whole)
    if public and is_suppressed(base=whole, value=value, unit="percent"):
        return Figure(None, SUPPRESSED)
    return Figure(int(value.quantize(Decimal("1"))), f"{value.quantize(Decimal('0.1'))}%")


def _window(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 4, 1)


def build(year: int, *, public: bool) -> Report:
    start, end = _window(year)
    report = Report(year=year, public=public)
    received = ComplaintStage.objects.filter(received_on__gte=start, received_on__lt=end)
    rows = (received.values("complaint__about_service__name", "number").annotate(n=Count("pk"))
            .order_by("complaint__about_service__name", "number"))
    by_service: dict[str, dict[int, int]] = {}
    for row in rows:
        name = row["complaint__about_service__name"] or "Other or not said"
        by_service.setdefault(name, {1: 0, 2: 0})[row["number"]] = row["n"]
    totals = {1: sum(v[1] for v in by_service.values()), 2: sum(v[2] for v in by_service.values())}
    report.by_service = [(name, _count(v[1], public), _count(v[2], public)) for name, v in sorted(by_service.items())]
    report.by_service.append(("All services", _count(totals[1], public), _count(totals[2], public)))

    answered = ComplaintStage.objects.filter(responded_on__gte=start, responded_on__lt=end)
    stats = {row["number"]: row for row in answered.values("number").annotate(
        n=Count("pk"), on_time=Count("pk", filter=Q(responded_on__lte=models_f("response_due"))),
        extended=Count("pk", filter=~Q(extension_reason="")), remedy=Count("pk", filter=~Q(remedy="")),
        upheld=Count("pk", filter=Q(outcome=Outcome.UPHELD)),
        partly=Count("pk", filter=Q(outcome=Outcome.PARTLY_UPHELD)),
        not_upheld=Count("pk", filter=Q(outcome=Outcome.NOT_UPHELD))).order_by("number")}
    acks = {row["number"]: row for row in received.filter(acknowledged_on__isnull=False).values("number").annotate(
        n=Count("pk"), on_time=Count("pk", filter=Q(acknowledged_on__lte=models_f("acknowledge_due"))))
        .order_by("number")}
    empty = {"n": 0, "on_time": 0, "extended": 0, "remedy": 0, "upheld": 0, "partly": 0, "not_upheld": 0}
    s1, s2 = stats.get(1, empty), stats.get(2, empty)
    for number, label, target in ((1, "Stage 1", "10 working days"), (2, "Stage 2", "20 working days")):
        row = stats.get(number, empty)
        report.timeliness.append((f"{label} (target {target} from acknowledgement)", _count(row["n"], public),
                                  _count(row["on_time"], public), _percent(row["on_time"], row["n"], public)))
        ack = acks.get(number, {"n": 0, "on_time": 0})
        report.acknowledgements.append((f"{label} (target 5 working days)", _count(ack["n"], public),
                                        _count(ack["on_time"], public), _percent(ack["on_time"], ack["n"], public)))
        report.extensions.append((label, _count(row["extended"], public)))
    for key, outcome in (("upheld", Outcome.UPHELD), ("partly", Outcome.PARTLY_UPHELD),
                         ("not_upheld", Outcome.NOT_UPHELD)):
        report.outcomes.append((outcome.label, _count(s1[key], public), _count(s2[key], public)))
    report.remedies_count = _count(s1["remedy"] + s2["remedy"], public)
    if not public:
        report.remedies = [(service or "Other or not said", remedy) for service, remedy in
                           answered.exclude(remedy="").order_by("complaint__about_service__name", "responded_on", "id")
                           .values_list("complaint__about_service__name", "remedy")[:500]]
    learning = LearningAction.objects.filter(created_at__date__gte=start, created_at__date__lt=end).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(done_at__isnull=False)),
        overdue=Count("pk", filter=Q(done_at__isnull=True, due_on__lt=timezone.localdate())))
    report.learning = [("Learning actions agreed", _count(learning["total"], public)),
                       ("Completed", _count(learning["done"], public)),
                       ("Open and overdue", _count(learning["overdue"], public))]
    decisions = dict(Complaint.objects.filter(ombudsman_recorded_at__date__gte=start,
                                              ombudsman_recorded_at__date__lt=end)
                     .values_list("ombudsman_decision").annotate(n=Count("pk")).order_by())
    report.ombudsman = [(choice.label, _count(decisions.get(choice.value, 0), public)) for choice in OmbudsmanDecision]
    report.converted = _count(Complaint.objects.filter(state=Complaint.State.CONVERTED, created_at__date__gte=start,
                                                       created_at__date__lt=end).count(), public)
    return report


def models_f(name: str):
    from django.db.models import F

    return F(name)


def csv_rows(report: Report) -> list[list[str]]:
    """The report as CSV rows: section, item, then its figures (suppressed ones as the words shown)."""
    rows = [["section", "item", "stage 1", "stage 2"]]
    rows += [["Complaints received by service", name, a.display, b.display] for name, a, b in report.by_service]
    rows += [["Outcomes", name, a.display, b.display] for name, a, b in report.outcomes]
    rows.append(["section", "item", "count", "on time", "percentage on time"])
    rows += [["Acknowledged", name, a.display, b.display, c.display] for name, a, b, c in report.acknowledgements]
    rows += [["Answered", name, a.display, b.display, c.display] for name, a, b, c in report.timeliness]
    rows += [["Extensions used", name, a.display] for name, a in report.extensions]
    rows.append(["Remedies", "Responses with a remedy", report.remedies_count.display])
    rows += [["Learning actions", name, a.display] for name, a in report.learning]
    rows += [["Ombudsman decisions recorded", name, a.display] for name, a in report.ombudsman]
    rows.append(["Handled as service requests", "Complaints turned into service requests", report.converted.display])
    if not report.public:
        rows += [["Remedy", service, remedy] for service, remedy in report.remedies]
    return rows
