"""Seeding for bench/mixed_load.py: the county-scale database the mixed read load runs against.

Not a benchmark itself (run_all.py skips names starting with "_"). Run in its own process with
DATABASE_URL set; `seed(args)` adds, on top of `seed_demo --customers N` (which makes the demo's
sign-ins, teams, services, divisions, a year of demo reports and the customers):
- street reports over five years with their cases (most closed; the last weeks' open),
  a third with a public photo row,
- more closed cases (history) and open cases spread over the demo's teams, so the demo
  officer's queue is county-sized,
- every computed measure for 60 months x (69 divisions + county),
- a TOTP authenticator with a known secret for the staff and councillor sign-ins the load uses.
A marker team (`bench-mixed`) says it has been done; a second run reuses the database.
"""
from __future__ import annotations

import datetime as dt
import random
import time

MARKER_TEAM = "bench-mixed"
MONTHS = 60
# The TOTP secret given to every privileged bench sign-in (base32): the load signs in through
# the real two-factor form with codes computed from it. A throwaway bench database only.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PRIVILEGED = ("officer", "councillor", "adviser")


def seed(*, reports: int, open_cases: int, closed_cases: int, queue_share: float = 0.28, batch_size: int = 5000,
         rng_seed: int = 20261202) -> None:
    """Top the database up to these sizes; each phase counts what is there first, so a run stopped
    part-way carries on where it was (at 2 shared cores a full seed takes most of an hour)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db import connection
    from django.utils import timezone

    from oxtom.cases.models import OPEN_STATUSES, Case, Service, Status
    from oxtom.accounts.models import Team, TeamMembership, User
    from oxtom.core.management.commands.seed_demo import DEMO_DOMAIN
    from oxtom.customers.models import Customer
    from oxtom.places.models import Division
    from oxtom.places.selectors import current_boundary_set
    from performance import services as performance
    from portal.models import ReportPhoto, ReportStatus, ReportType, StreetReport

    if Team.objects.filter(slug=MARKER_TEAM).exists():
        print("  mixed-load data already seeded: reusing it")
        return
    rng = random.Random(rng_seed)
    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    months = performance.months_back(today, MONTHS)
    first = dt.datetime.combine(months[0], dt.time.min, tzinfo=dt.timezone.utc)
    span = (now - first).total_seconds()
    division_ids = list(Division.objects.filter(boundary_set=current_boundary_set()).values_list("id", flat=True))
    customer_ids = list(Customer.objects.values_list("id", flat=True))
    types = list(ReportType.objects.select_related("service").filter(service__is_active=True, service__team__isnull=False))
    services = list(Service.objects.filter(team__isnull=False, is_active=True).exclude(kind="report"))
    if not (division_ids and customer_ids and types and services):
        raise SystemExit("seed_demo must run first (divisions, customers, report types and services)")
    officer_team = Team.objects.get(slug="highways-north")
    officers = {m.team_id: m.user_id for m in TeamMembership.objects.all()}
    centroids = [(51.75 + rng.uniform(-0.25, 0.3), -1.3 + rng.uniform(-0.3, 0.3)) for _ in range(2000)]
    open_values = [s for s in OPEN_STATUSES]
    serial = [0]

    def reference(prefix: str) -> str:
        serial[0] += 1
        return f"{prefix}-B{serial[0]:09d}"

    def case_row(*, service, received, closed_at, team_id, status) -> Case:
        assigned = status not in (Status.NEW, Status.ACCEPTED, Status.CLOSED) or closed_at is not None
        return Case(
            reference=reference(service.reference_prefix or "BM"), service_id=service.pk,
            customer_id=rng.choice(customer_ids), team_id=team_id, status=status, priority=rng.randint(1, 4),
            title=f"{service.name}", division_id=rng.choice(division_ids), answers={"description": "Bench case"},
            channel=rng.choice(["web", "web", "phone", "email"]), received_at=received,
            due_at=(received + dt.timedelta(days=rng.randint(5, 28))).date(),
            paused_on=today if status == Status.AWAITING_CUSTOMER else None,
            assignee_id=officers.get(team_id) if assigned else None,
            outcome="completed" if closed_at else "", closed_at=closed_at,
        )

    # --- street reports with their cases -------------------------------------------------------
    made_reports = made_open = made_closed = 0
    pending: list[tuple[Case, StreetReport]] = []

    def flush_reports() -> None:
        nonlocal pending
        if not pending:
            return
        cases = Case.objects.bulk_create([c for c, _ in pending], batch_size=batch_size)
        rows = []
        for case, report in zip(cases, (r for _, r in pending)):
            report.case_id = case.pk
            rows.append(report)
        saved = StreetReport.objects.bulk_create(rows, batch_size=batch_size)
        photos = [ReportPhoto(report_id=r.pk, token=f"{r.pk:032x}", image="bench/photo.jpg", content_type="image/jpeg",
                              width=1024, height=768) for r in saved if r.pk % 3 == 0]
        ReportPhoto.objects.bulk_create(photos, batch_size=batch_size)
        pending = []

    existing = StreetReport.objects.filter(case__reference__contains="-B").count()
    serial[0] = Case.objects.filter(reference__contains="-B").count()  # the references made before go 1..N
    for i in range(max(0, reports - existing)):
        received = first + dt.timedelta(seconds=rng.random() * span)
        report_type = rng.choice(types)
        age = now - received
        is_open = age < dt.timedelta(days=40) and rng.random() < 0.7
        closed_at = None if is_open else min(now, received + dt.timedelta(hours=rng.randint(2, 24 * 35)))
        status = rng.choice(open_values) if is_open else Status.CLOSED
        case = case_row(service=report_type.service, received=received, closed_at=closed_at,
                        team_id=report_type.service.team_id, status=status)
        lat, lon = rng.choice(centroids)
        fixed = closed_at is not None and rng.random() < 0.85
        rated = fixed and rng.random() < 0.2
        pending.append((case, StreetReport(
            report_type_id=report_type.pk, latitude=lat + rng.uniform(-0.01, 0.01), longitude=lon + rng.uniform(-0.01, 0.01),
            division_id=case.division_id, reported_at=received, status_changed_at=closed_at or received,
            public_status=(ReportStatus.FIXED if fixed else ReportStatus.NOT_FIXED) if closed_at else ReportStatus.OPEN,
            closed_at=closed_at, description="A bench report of a street problem",
            feedback_rating=rng.randint(1, 5) if rated else None, feedback_at=closed_at if rated else None)))
        made_reports += 1
        made_open += is_open
        made_closed += not is_open
        if len(pending) >= batch_size:
            flush_reports()
    flush_reports()
    print(f"  {made_reports:,} street reports ({made_open:,} open) in {time.perf_counter() - started:.0f}s", flush=True)

    # --- other cases: closed history and open work ----------------------------------------------
    def bulk_cases(n: int, *, is_open: bool) -> None:
        batch: list[Case] = []
        for _ in range(n):
            service = rng.choice(services)
            # Open work leans to the demo officer's team, so its queue is the size the issue measured.
            team_id = officer_team.pk if is_open and rng.random() < queue_share else service.team_id
            received = (now - dt.timedelta(days=rng.randint(0, 90))) if is_open else \
                first + dt.timedelta(seconds=rng.random() * span)
            closed_at = None if is_open else min(now, received + dt.timedelta(hours=rng.randint(2, 24 * 40)))
            batch.append(case_row(service=service, received=received, closed_at=closed_at, team_id=team_id,
                                  status=rng.choice(open_values) if is_open else Status.CLOSED))
            if len(batch) >= batch_size:
                Case.objects.bulk_create(batch)
                batch = []
        Case.objects.bulk_create(batch)

    closed_now = Case.objects.filter(status=Status.CLOSED).count()
    bulk_cases(max(0, closed_cases - closed_now), is_open=False)
    bulk_cases(max(0, open_cases - (Case.objects.count() - closed_now)), is_open=True)
    print(f"  cases: {Case.objects.exclude(status=Status.CLOSED).count():,} open, "
          f"{Case.objects.filter(status=Status.CLOSED).count():,} closed ({time.perf_counter() - started:.0f}s)",
          flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    # --- sixty months of figures ------------------------------------------------------------------
    from performance.models import Value

    if not Value.objects.filter(period__start=months[0], area_type="division").exists():
        run = performance.compute_measures(months=months)
        print(f"  figures: {run.values_written:,} values for {MONTHS} months in {run.seconds:.0f}s", flush=True)

    # --- two-factor for the privileged sign-ins the load uses -----------------------------------------
    for role in PRIVILEGED:
        user = User.objects.get(email=f"{role}@{DEMO_DOMAIN}")
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
        TOTP.activate(user, TOTP_SECRET)
    Team.objects.create(name="Bench mixed load (marker)", slug=MARKER_TEAM)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"  seeded in {time.perf_counter() - started:.0f}s", flush=True)
