"""A year of demo activity, so a new user of `make run` sees a working council.

Without it the queues are empty, the public report pages show nothing and the
division figures are blank. Every report here is made through the same
services a resident and an officer use (`report_create`,
`report_change_status`, `report_feedback`), so the cases, timelines, audit
events and public pages are exactly what the real journeys produce. Only the
dates are moved back afterwards (a demo has no year of history to wait for),
and the notifications those services queue are marked as already sent: they
describe events "in the past" and must not land in the demo mail and SMS
sinks as if they had just happened.

Idempotent: it does nothing once any demo report exists. Registered as a demo
seeding step in PortalConfig.ready() (oxtom/core/demo.py).
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from oxtom.cases.models import Case
from oxtom.accounts.models import User
from oxtom.customers.models import Customer, Interaction
from oxtom.notify.models import OutboundMessage
from oxtom.places.models import PostcodeCentroid

from .models import ReportType, StreetReport
from .services import report_change_status, report_create, report_feedback

KEY_PREFIX = "demo-activity-"
DEFAULT_REPORTS = 240
# A quarter still open, so every queue filter (on track, due soon, overdue) has rows.
OPEN_SHARE = 0.25
_DETAILS = (
    "Near the bus stop, on the side of the road heading into town.",
    "Has been getting worse over the last few weeks.",
    "Opposite the primary school entrance.",
    "Cyclists are swerving round it into the traffic.",
    "At the junction, by the post box.",
    "",
)
# Public statuses a closed demo report ends in, weighted like a real year: most fixed.
_CLOSED_ENDINGS = ("fixed",) * 8 + ("not_fixed", "referred")



# What demo reporters say after a fix, by rating, so the teams' feedback list has comments to read.
FEEDBACK_COMMENTS = {
    5: ["Fixed within the week, thank you.", "Quick and tidy job, and you kept me told at each step."],
    4: ["Sorted, though it took a little longer than the date I was given.", "Good repair. The update texts helped."],
    3: ["It was fixed in the end but I had to chase it.", "Fine, but the patch already looks rough at the edge."],
    2: ["Took weeks and nobody told me the date had moved.", "The repair only covered half of the hole."],
    1: ["Closed as fixed but it is still there.", "Reported it three times before anyone came out."],
}

def _answers(questions: list[dict], rng: random.Random, *, meets: bool) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in questions:
        code, datatype = question["code"], question["datatype"]
        if datatype == "number":
            answers[code] = str(rng.randint(45, 120) if meets else rng.randint(10, 30)) if "mm" in code else "1"
        elif datatype in ("singlevaluelist", "multivaluelist"):
            answers[code] = rng.choice(question["values"])["key"]
        elif code == "details":
            answers[code] = rng.choice(_DETAILS)
    return answers


def _point(centroids: list[tuple[float, float]], rng: random.Random) -> tuple[float, float]:
    # ~100 m of jitter around a real postcode centre keeps every point inside the county.
    lat, lon = rng.choice(centroids)
    return round(lat + rng.uniform(-0.0009, 0.0009), 6), round(lon + rng.uniform(-0.0014, 0.0014), 6)


def seed_activity(*, officer: User | None, reports: int = DEFAULT_REPORTS,
                  seed: int = 2025, showcase_divisions: list[int] | None = None) -> int:
    """Make `reports` street reports over the last twelve months; returns how many were made (0 if present).

    `officer` works the reports: it must be able to work every report type's
    team (the demo administrator can). `showcase_divisions` (ids) get a good
    share of the recent reports, so the divisions a demo user looks at first
    have figures big enough to publish.
    """
    if Case.objects.filter(submission_key__startswith=KEY_PREFIX).exists():
        return 0
    types = list(ReportType.objects.select_related("service").filter(service__is_active=True).order_by("pk"))
    customers = list(Customer.objects.active().exclude(division=None).order_by("pk")[:400])
    centroids = list(PostcodeCentroid.objects.values_list("latitude", "longitude")[:2000])
    if officer is None or not types or not customers or not centroids:
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    started = now
    made = 0
    showcase = _showcase_homes(customers, showcase_divisions or [])
    for n in range(reports):
        report_type = rng.choice(types)
        # Older reports are closed; the newest quarter, from the last few weeks, is still being worked.
        still_open = n >= reports * (1 - OPEN_SHARE)
        closed_count = reports * (1 - OPEN_SHARE)
        age_days = 0 if still_open else int((1 - n / closed_count) * 340) + 15
        # Recent reports cluster where the demo councillor and resident live, so their division pages
        # have figures of 5 or more to show (smaller ones are suppressed) rather than "fewer than 5".
        if showcase and age_days <= SHOWCASE_DAYS and rng.random() < SHOWCASE_SHARE:
            (point_lat, point_lon), locals_ = rng.choice(showcase)
            customer = rng.choice(locals_ or customers)
            latitude = round(point_lat + rng.uniform(-0.0002, 0.0002), 6)
            longitude = round(point_lon + rng.uniform(-0.0003, 0.0003), 6)
        else:
            customer = rng.choice(customers)
            latitude, longitude = _point(centroids, rng)
        meets = rng.random() < 0.8
        by = customer.user if customer.user_id else None
        with transaction.atomic():
            report = report_create(
                report_type=report_type, customer=customer, latitude=latitude, longitude=longitude,
                answers=_answers(report_type.questions, rng, meets=meets), photos=[], by=by,
                location_text="", submission_key=f"{KEY_PREFIX}{n}", photos_optional=True,
                channel=rng.choice(["web"] * 7 + ["phone", "phone", "email"]),
            )
            steps = _steps(rng, still_open=still_open)
            for status in steps:
                report_change_status(
                    report=report, status=status, expected_version=report.case.version, by=officer,
                    public_text=_public_text(status),
                    scheduled_on=(now + dt.timedelta(days=rng.randint(3, 20))).date() if status == "scheduled" else None,
                )
                report.refresh_from_db()
                report.case.refresh_from_db()
            if steps and steps[-1] in ("fixed", "not_fixed", "referred") and by is not None and rng.random() < 0.5:
                rating = rng.choice([5, 5, 4, 4, 4, 3, 2, 1])
                # The service returns the row it locked and rated: _backdate reads its feedback_at (the old
                # object had none, so every demo rating lost its date and no measure or list counted it).
                report = report_feedback(report=report, rating=rating, by=by,
                                text=rng.choice(FEEDBACK_COMMENTS[rating]) if rng.random() < 0.7 else "")
            if still_open:
                age_days = _open_age(report, rng)
            _backdate(report, age_days=age_days, closed=not still_open, rng=rng)
        made += 1
    # History, not news: nothing queued while making it goes out now.
    OutboundMessage.objects.filter(created_at__gte=started, status=OutboundMessage.Status.PENDING).update(
        status=OutboundMessage.Status.SENT, sent_at=now)
    return made


SHOWCASE_DAYS = 75  # this month and the last complete one, whatever day of the month it is
SHOWCASE_SHARE = 0.6
# Where the open reports stand against their due date, so every queue filter has rows:
# (share, state), the rest on track.
_OPEN_STATES = ((0.3, "overdue"), (0.25, "due_soon"))


def _showcase_homes(customers: list[Customer], division_ids: list[int]) -> list[tuple[tuple[float, float], list]]:
    """For each division: a point well inside it, and the customers who live there (reporters near home)."""
    from shapely.geometry import shape

    from oxtom.places.models import Division

    places = []
    for division in Division.objects.filter(pk__in=division_ids).exclude(geometry=None):
        point = shape(division.geometry.get("geometry", division.geometry)).representative_point()
        places.append(((point.y, point.x), [c for c in customers if c.division_id == division.pk]))
    return places


def _open_age(report: Any, rng: random.Random) -> int:
    """How many days back to move an open report so its case is overdue, due soon or on track today."""
    from oxtom.cases import rules

    due = Case.objects.filter(pk=report.case_id).values_list("due_at", flat=True).get()
    today = timezone.localdate()
    roll, target = rng.random(), None
    for share, state in _OPEN_STATES:
        if roll < share:
            if state == "overdue":
                target = today - dt.timedelta(days=rng.randint(1, 12))
            else:
                target = rules.due_soon_limit(today) - dt.timedelta(days=rng.randint(0, 1))
            break
        roll -= share
    if target is None:
        return rng.randint(0, 6)
    return max(0, (due - target).days)


def _steps(rng: random.Random, *, still_open: bool) -> list[str]:
    if still_open:
        return rng.choice([[], [], ["accepted"], ["accepted", "scheduled"], ["in_progress"]])
    return rng.choice([["accepted"], ["accepted", "scheduled"], []]) + [rng.choice(_CLOSED_ENDINGS)]


def _public_text(status: str) -> str:
    return {
        "accepted": "Thank you. An inspector will look at this.",
        "scheduled": "A repair has been booked.",
        "in_progress": "Our contractor is on site.",
        "fixed": "This has been repaired.",
        "not_fixed": "Our inspector found this below our repair level; we will check it again on the next cycle.",
        "referred": "This is the responsibility of the district council; we have passed it to them.",
    }.get(status, "")


def _backdate(report: Any, *, age_days: int, closed: bool, rng: random.Random) -> None:
    """Move one report's dates back as if it had been made `age_days` ago and worked since."""
    from oxtom.cases.services.history import case_backdate

    case = Case.objects.get(pk=report.case_id)
    shift = dt.timedelta(days=age_days, minutes=rng.randint(0, 600))
    received = case.received_at - shift
    took = dt.timedelta(days=rng.randint(1, 30))
    closed_at = min(received + took, timezone.now()) if closed else None
    due = case.due_at - dt.timedelta(days=age_days)
    case_backdate(
        case=case, received_at=received, due_at=due, closed_at=closed_at or case.closed_at,
        decided_at=closed_at if case.decided_at else None,
        expected_date=(case.expected_date - dt.timedelta(days=age_days)) if case.expected_date and closed else
        case.expected_date, events_at=closed_at or received,
    )
    StreetReport.objects.filter(pk=report.pk).update(
        reported_at=received, status_changed_at=closed_at or received, closed_at=closed_at,
        feedback_at=closed_at if report.feedback_at else None,
    )
    Interaction.objects.filter(customer_id=case.customer_id, subject_reference=case.reference).update(
        occurred_at=received)


def seed_demo_step(context) -> int:
    """The demo seeding step (oxtom/core/demo.py): the demo administrator works the reports."""
    reports = context.options.get("reports", DEFAULT_REPORTS)
    if not reports:
        return 0
    return seed_activity(officer=context.user("admin"), reports=reports,
                         showcase_divisions=context.showcase_divisions)


# --- Open311: a client system's key and one request it filed, so an officer can see a case history
# that says which client sent it ("by fixmystreet-demo (Open311 client)").

DEMO_CLIENT = "fixmystreet-demo"
# Banbury, by the cross: inside the county and the demo's boundaries.
DEMO_POINT = (52.0607, -1.3398)


def seed_demo_open311() -> int:
    """Once: the demo client's key and a pothole it reported for a member of the public. Returns 1 or 0."""
    from .models import Open311Key
    from .open311 import Open311Error, open311_request_create
    from .open311_keys import open311_key_create

    if Open311Key.objects.filter(name=DEMO_CLIENT).exists():
        return 0
    key, _secret = open311_key_create(name=DEMO_CLIENT, by=None)
    data = {"service_code": "pothole", "lat": str(DEMO_POINT[0]), "long": str(DEMO_POINT[1]),
            "attribute[depth_mm]": "60", "attribute[width_mm]": "350", "attribute[position]": "road",
            "description": "Pothole in the bus lane, reported through FixMyStreet",
            "email": "pat.open311@fixmystreet.example", "first_name": "Pat", "last_name": "Reporter"}
    try:
        open311_request_create(key=key, data=data)
    except Open311Error:  # the demo's catalogue or boundaries changed: the key alone still shows the client
        return 0
    return 1


def open311_step(context) -> int:
    """Demo step (oxtom/core/demo.py)."""
    return seed_demo_open311()
