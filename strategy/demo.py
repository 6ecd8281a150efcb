"""Demo data for the project office, the board and consultations (seed_demo calls it; idempotent).

The board has six approved projects in every state (red, amber, green, and
one whose highlight report is late and belongs to the demo project manager,
so they have one to write), a proposal from the project manager waiting for
the board, and a rejected one. The pool has two project managers and an
analyst with some free capacity. "Customer contact online" (managed by the demo project manager)
tracks two benefits against performance measures' county figures, one on track and one off track,
and one the project measures itself. "Waste site bookings online", approved eight months ago, has a benefit
the project measures that has moved the right way but far less than its straight line from the approval to
the target date asks: the board's one "Behind schedule". One consultation is open with responses
(enough in the demo councillor's division to show), one has closed with its
"we asked, you said, we did" published.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from oxtom.accounts.models import User
from oxtom.customers.models import Customer

from .models import Consultation, ConsultationResponse, PoolMember, Project
from .services import consultations as consult
from .services import pmo

PROJECTS = (
    # title, directorate, cross-cutting, cost, rag (None: no report for last month, so late)
    ("Digital street reporting", "Environment and Place", False, "420000", "green"),
    ("One customer record", "Customers and Organisational Development", True, "1250000", "amber"),
    ("Home to school transport review", "Children's Services", False, "310000", "red"),
    ("Libraries as community hubs", "Communities", True, "180000", "green"),
    ("Adult social care front door", "Adult Services", True, "760000", "amber"),
    ("Highways asset management system", "Environment and Place", False, "540000", None),
)
QUESTIONS = ("choice: Which change to library opening hours would suit you best? | Open on Sunday afternoons | "
             "Open later on weekday evenings | Keep the hours as they are\n"
             "scale: How often do you use your local library?\n"
             "text: Is there anything else you would like to tell us? (optional)")


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


BENEFITS_PROJECT = "Customer contact online"
BEHIND_PROJECT = "Waste site bookings online"
BEHIND_APPROVED_DAYS_AGO = 240  # about eight months: its benefit's clock started then
BEHIND_TARGET_DAYS_AHEAD = 180


def seed_demo_strategy(*, domain: str) -> int:
    seeded = Project.objects.filter(title__in=(BENEFITS_PROJECT, BEHIND_PROJECT)).count() == 2
    if seeded:  # one query on a rerun
        return 0
    people = {key: _user(f"{key}@{domain}") for key in (
        "pmo", "board", "board.2", "project.manager", "project.manager.2", "consultation", "bi.analyst.2")}
    if any(v is None for v in people.values()):
        return 0
    made = 0
    if not Project.objects.exists():
        made += _seed_projects(people)
        made += _seed_consultations(people["consultation"])
    if not Project.objects.filter(title=BENEFITS_PROJECT).exists():
        made += _seed_benefits(people)
    if not Project.objects.filter(title=BEHIND_PROJECT).exists():
        made += seed_behind_schedule(people)
    return made


def seed_behind_schedule(people: dict) -> int:
    """A project the board approved BEHIND_APPROVED_DAYS_AGO whose one benefit is behind its straight line.

    Baseline 20%, target 80% by BEHIND_TARGET_DAYS_AHEAD from today; its actuals (recorded by the project
    for the last three months) reach 26%: the right way, a tenth of the way, where the time elapsed (240 of
    420 days) asks for over half. Deterministic: dates are counted from today, the figures are fixed.
    `people` needs "pmo", "board" and "project.manager" (tests pass their own)."""
    from .models import BoardDecision

    today = timezone.localdate()
    office, manager = people["pmo"], people["project.manager"]
    project = pmo.project_propose(
        title=BEHIND_PROJECT, directorate="Environment and Place", sponsor="Director, Environment and Place",
        cross_cutting=False, estimated_cost=Decimal("140000"), by=office,
        objectives="Let residents book household waste recycling centre visits online instead of by phone.",
        benefits=[{"description": "Recycling centre visits booked online (%)", "baseline": Decimal("20"),
                   "target": Decimal("80"), "target_date": today + dt.timedelta(days=BEHIND_TARGET_DAYS_AHEAD)}],
        risks=[{"description": "Booking system supplier late with the online form", "owner": "Waste Services Manager"}])
    pmo.project_decide(project=project, approve=True, note="Approved with online booking as the default",
                       by=people["board"])
    # Back-date the approval: the demo's project has been running for months (the benefit's clock starts then).
    # Noon local time on the day, so the count of days holds across a clock change.
    approved = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=BEHIND_APPROVED_DAYS_AGO), dt.time(12)))
    Project.objects.filter(pk=project.pk).update(decided_at=approved)
    BoardDecision.objects.filter(project=project).update(decided_on=timezone.localtime(approved).date())
    member, _ = PoolMember.objects.get_or_create(user=manager, skill="pm", defaults={"capacity_days": 20})
    if pmo.free_days(member) >= 1:
        pmo.project_allocate(project=project, member=member, days=1, by=office)
    project = Project.objects.get(pk=project.pk)  # approved, back-dated and staffed
    benefit = project.benefits.get()
    month = pmo.reporting_month(today)
    for back, value in ((2, "23"), (1, "25"), (0, "26")):
        recorded = month
        for _ in range(back):
            recorded = (recorded - dt.timedelta(days=1)).replace(day=1)
        pmo.benefit_record(benefit=benefit, month=recorded, value=Decimal(value), by=office,
                           note="Booking system report: share of visits booked online")
    pmo.highlight_submit(
        project=project, month=month, rags={"time": "amber", "cost": "green", "scope": "green", "benefits": "amber"},
        summary="The online form is live but take-up is slow: the phone line still takes most bookings.",
        decisions_needed="Agree to end phone bookings for residents who can book online", by=office)
    return 1


def _demo_measures() -> list[tuple]:
    """Two measures with a latest county figure above 0, as (measure, latest): counts with a good direction
    first, then counts of demand (neutral: the target's side of the baseline says which way is good)."""
    from performance.selectors import latest_county_values, measures_for

    measures = {m.pk: m for m in measures_for(public=False)}
    latest = latest_county_values(measures)
    found = [(measures[pk], number) for pk, (_, number) in latest.items() if number and number > 0]
    return sorted(found, key=lambda mv: (mv[0].unit != "count", mv[0].polarity == "neutral", mv[0].code))[:2]


def _seed_benefits(people: dict) -> int:
    """An approved project with two benefits on measures (one on track, one off) and one measured by the project.

    The baselines and targets are set about the measures' latest figures so one has moved towards its target and
    the other away from it; the nightly figures may move them later, as they would a real project's."""
    measures = _demo_measures()
    if not measures:
        return 0  # no figures yet (the figures step has not run, or had no activity)
    measures = (measures * 2)[:2]  # one measure with figures: both benefits track it
    today = timezone.localdate()
    by_date = dt.date(today.year + 1, 3, 31)

    def figures(measure, latest: Decimal, on_track: bool) -> dict:
        good = 1 if measure.polarity == "higher" else -1
        step = max(latest * Decimal("0.2"), Decimal("1"))
        # On track: the baseline a step behind the latest figure, the target a step ahead of it.
        # Off track: the baseline a step ahead of it already, the target further on.
        baseline = latest - good * step if on_track else latest + good * step / 2
        target = latest + good * step if on_track else latest + good * 2 * step
        return {"measure": measure, "baseline": baseline.quantize(Decimal("1")),
                "target": target.quantize(Decimal("1")), "target_date": by_date}

    (first, a), (second, b) = measures
    second_name = second.name if second != first else f"{second.name} (at the later target)"
    manager, office = people["project.manager"], people["pmo"]
    project = pmo.project_propose(
        title=BENEFITS_PROJECT, directorate="Customers and Organisational Development",
        sponsor="Director, Customers", cross_cutting=True,
        objectives="Move routine contact online so advisers have time for the residents who need them.",
        estimated_cost=Decimal("350000"), by=office, benefits=[
            {"description": f"{first.name}: better than before the project", **figures(first, a, True)},
            {"description": f"{second_name}: better than before the project", **figures(second, b, False)},
            {"description": "Residents satisfied with online contact (survey, %)", "baseline": Decimal("62"),
             "target": Decimal("75"), "target_date": by_date}],
        risks=[{"description": "Residents without internet access left behind", "owner": "Head of Customer Services"}])
    pmo.project_decide(project=project, approve=True, note="Report benefits monthly", by=people["board"])
    member, _ = PoolMember.objects.get_or_create(user=manager, skill="pm", defaults={"capacity_days": 20})
    pmo.project_allocate(project=project, member=member, days=2, by=office)
    return 1


def _seed_projects(people: dict) -> int:
    office, board, manager, manager2 = people["pmo"], people["board"], people["project.manager"], people["project.manager.2"]
    pool = {
        "pm": PoolMember.objects.create(user=manager, skill="pm", capacity_days=20),
        "pm2": PoolMember.objects.create(user=manager2, skill="pm", capacity_days=20),
        "ba": PoolMember.objects.create(user=people["bi.analyst.2"], skill="ba", capacity_days=15),
    }
    month = pmo.reporting_month(timezone.localdate())
    made = 0
    for index, (title, directorate, cross, cost, rag) in enumerate(PROJECTS):
        project = pmo.project_propose(
            title=title, directorate=directorate, sponsor=f"Director, {directorate}", cross_cutting=cross,
            objectives=f"Deliver {title.lower()} so residents get a simpler, cheaper service.",
            estimated_cost=Decimal(cost), benefits=[{"description": "Fewer avoidable contacts", "baseline": Decimal("9000"),
                                                     "target": Decimal("6500"),
                                                     "target_date": dt.date(timezone.localdate().year + 1, 3, 31)}],
            risks=[{"description": "Supplier capacity", "owner": "Head of Procurement"}], by=office)
        pmo.project_decide(project=project, approve=True, note="Within budget", by=board)
        owner = pool["pm"] if rag is None or index % 2 == 0 else pool["pm2"]
        pmo.project_allocate(project=project, member=owner, days=3, by=office)
        if index < 3:
            pmo.project_allocate(project=project, member=pool["ba"], days=4, by=office)
        if rag is None:
            Project.objects.filter(pk=project.pk).update(highlight_due_day=1)  # last month's report is late
        else:
            pmo.highlight_submit(
                project=project, month=month, rags={"time": rag, "cost": "green" if rag != "red" else "amber",
                                                    "scope": "green", "benefits": rag},
                summary={"green": "On plan.", "amber": "Some slippage on delivery; recovery plan agreed.",
                         "red": "Behind plan and over budget: the contractor cannot staff the work."}[rag],
                decisions_needed="Approve £40,000 contingency" if rag == "red" else "",
                risks=[{"kind": "issue", "description": "Contractor short of staff", "owner": "Head of Transport"}]
                if rag == "red" else [], by=office if owner.user_id != manager.pk else manager)
        made += 1
    waiting = pmo.project_propose(
        title="Community transport pilot", directorate="Communities", sponsor="Director, Communities",
        cross_cutting=False, objectives="Trial demand-responsive buses in two rural divisions.",
        estimated_cost=Decimal("95000"), benefits=[{"description": "More trips by residents without a car"}],
        risks=[{"description": "Low take-up", "owner": "Transport Planning Manager"}], by=manager)
    rejected = pmo.project_propose(
        title="Bespoke intranet rebuild", directorate="Corporate Services", sponsor="Director, Corporate Services",
        cross_cutting=False, objectives="Replace the intranet.", estimated_cost=Decimal("600000"),
        benefits=[{"description": "Staff find things faster"}], by=office)
    pmo.project_decide(project=rejected, approve=False, note="Use the existing platform instead", by=board)
    return made + bool(waiting) + 1


def _seed_consultations(officer: User) -> int:
    today = timezone.localdate()
    open_one = consult.consultation_create(
        title="Library opening hours", purpose="We want opening hours that suit more people within the same budget.",
        audience="Everyone who lives, works or studies in Oxfordshire", opens_on=today - dt.timedelta(days=14),
        closes_on=today + dt.timedelta(days=28), questions=consult.parse_questions(QUESTIONS), by=officer)
    consult.consultation_publish(consultation=open_one, by=officer)
    closed = consult.consultation_create(
        title="Winter gritting routes", purpose="We asked which roads should be gritted first when it snows.",
        audience="Residents and businesses", opens_on=today - dt.timedelta(days=90),
        closes_on=today + dt.timedelta(days=1),
        questions=consult.parse_questions("choice: Which roads matter most to you? | Bus routes | Roads to schools | "
                                          "Roads to hospitals\nscale: How well did gritting work last winter?"),
        by=officer)
    consult.consultation_publish(consultation=closed, by=officer)
    rng = random.Random(2026)
    customers = list(Customer.objects.filter(division__isnull=False).select_related("division")
                     .order_by("pk")[:60])
    now = timezone.now()
    rows = []
    for consultation, count in ((open_one, 40), (closed, 60)):
        questions = list(consultation.questions.all())
        for i in range(count):
            customer = customers[i % len(customers)] if customers else None
            answers = {}
            for q in questions:
                if q.kind == "text":
                    if rng.random() < 0.3:
                        answers[str(q.pk)] = rng.choice(["Please keep the children's sessions.",
                                                         "Sunday opening would help working parents.",
                                                         "The library is a lifeline for older people here."])
                else:
                    answers[str(q.pk)] = rng.choice(q.options)
            rows.append(ConsultationResponse(consultation=consultation, answers=answers, guard=f"demo-{consultation.pk}-{i}",
                                             division=customer.division if customer else None, started_at=now,
                                             submitted_at=now - dt.timedelta(days=rng.randint(0, 10))))
    ConsultationResponse.objects.bulk_create(rows)
    closed = consult.consultation_close(consultation=closed, by=officer)
    consult.consultation_summary_publish(
        consultation=closed, by=officer,
        we_did="Most people put bus routes and roads to hospitals first. From this winter, those are gritted "
               "first, and we added 40 km of roads to schools to the secondary network.")
    return 2


def strategy_step(context) -> int:
    """Demo step (oxtom/core/demo.py): a project board with projects in every RAG state, consultations."""
    from oxtom.core.demo import DEMO_DOMAIN

    return seed_demo_strategy(domain=DEMO_DOMAIN)
