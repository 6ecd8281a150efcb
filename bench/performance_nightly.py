#!/usr/bin/env python
"""Performance measures at county scale: the nightly computation and the division page.

    .venv/bin/python bench/performance_nightly.py            # five years of operational data
    BENCH_QUICK=1 .venv/bin/python bench/performance_nightly.py

Builds its own database (default: a SQLite file, var/bench/performance.sqlite3,
recreated each run; DATABASE_URL is honoured), migrates it (which seeds the
measure registry), loads the 69 divisions, bulk-inserts five years of the data
the measures read: cases, street reports with their feedback, contacts on
customers' timelines, adviser contact logs and sent notifications, spread
over the divisions. Then it:

- computes every computed measure for all 60 months x (69 divisions + the
  county) in one run (a rebuild), and the nightly run (the last 13 months),
  printing seconds and values written;
- closes the oldest month and reruns the nightly job over it, checking the
  locked figures did not move;
- requests the public division page and the councillor's page for every
  division, printing median / p95 ms and the number of queries, and fails
  (exit 1) if the query count is not the same for every division.

Not part of the test suite. BENCH_QUICK=1 (or --quick) uses small sizes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import percentile, use_bench_database  # noqa: E402

MONTHS = 60
CUSTOMERS = 20_000



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=40_000, help="street reports a year")
    parser.add_argument("--cases", type=int, default=40_000, help="other cases a year (applications, requests...)")
    parser.add_argument("--contacts", type=int, default=300_000, help="contacts from customers a year")
    parser.add_argument("--contact-logs", type=int, default=60_000, help="adviser contact logs a year")
    parser.add_argument("--notifications", type=int, default=150_000, help="notifications sent a year")
    parser.add_argument("--requests", type=int, default=3, help="page requests per division")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--quick", action="store_true", help="small sizes (also BENCH_QUICK=1)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure an already seeded benchmark database (its figures are cleared first)")
    args = parser.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK") == "1":
        args.reports, args.cases, args.contacts, args.contact_logs, args.notifications = 800, 800, 6000, 1200, 3000
        args.requests = 1

    use_bench_database("performance", keep=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ.setdefault("DEBUG", "true")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from oxtom.cases.models import Case

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if Case.objects.exists():
        if not args.reuse:
            sys.exit("The benchmark database already has cases; point DATABASE_URL at an empty database or pass "
                     "--reuse.")
        return measure_all(args, reused=True)
    return seed(args) or measure_all(args, reused=False)


def seed(args) -> int:
    from django.db import connection
    from django.utils import timezone

    from oxtom.cases.models import Case, Service, Status
    from oxtom.accounts.models import Team
    from oxtom.customers.models import ContactLog, ContactReason, Customer, Interaction
    from oxtom.notify.models import OutboundMessage
    from oxtom.places import services as places
    from oxtom.places.models import Division
    from oxtom.places.selectors import current_boundary_set
    from performance import services
    from portal.models import ReportStatus, ReportType, StreetReport

    rng = random.Random(args.seed)
    # The 69 real divisions from the shipped CSV (no boundaries needed: the data carries its division).
    places.localities_load()
    places.boundary_set_make_current(boundary_set=places.divisions_load().boundary_set)
    boundary = current_boundary_set()
    divisions = list(Division.objects.filter(boundary_set=boundary).order_by("id"))
    if len(divisions) < 10:
        sys.exit(f"expected the seeded divisions, found {len(divisions)}")
    division_ids = [d.pk for d in divisions]
    today = timezone.localdate()
    months = services.months_back(today, MONTHS)
    start = dt.datetime.combine(months[0], dt.time.min, tzinfo=dt.timezone.utc)
    span = (timezone.now() - start).total_seconds()
    years = MONTHS / 12

    def moment() -> dt.datetime:
        return start + dt.timedelta(seconds=rng.random() * span)

    def division() -> int | None:
        return None if rng.random() < 0.03 else rng.choice(division_ids)  # a few with no location

    started = time.perf_counter()
    team = Team.objects.create(name="Bench highways", slug="bench-highways")
    service = Service.objects.create(code="bench-pothole", name="Bench pothole", kind="report", team=team,
                                     reference_prefix="BP")
    other = Service.objects.create(code="bench-request", name="Bench request", kind="request", team=team,
                                   reference_prefix="BR")
    report_type = ReportType.objects.create(service=service, group="Roads")
    Customer.objects.bulk_create(
        [Customer(reference=f"CP{i:08d}", first_name="Bench", last_name=f"Customer{i}", email=f"perf{i}@example.org",
                  division_id=rng.choice(division_ids)) for i in range(CUSTOMERS)], batch_size=args.batch_size)
    customers = list(Customer.objects.values_list("id", "division_id"))
    reason = ContactReason.objects.create(code="bench", label="Bench")

    def cases(n: int, svc, prefix: str) -> list[tuple]:
        """Insert n cases in batches; return (id, received, closed, division) of each, not the objects."""
        made: list[tuple] = []
        rows: list[Case] = []
        for i in range(n):
            received = moment()
            customer_id, _ = rng.choice(customers)
            closed = received + dt.timedelta(hours=rng.randint(2, 24 * 40))
            is_closed = closed < timezone.now() and rng.random() < 0.93
            rows.append(Case(
                reference=f"{prefix}-{i:09d}", service_id=svc.pk, customer_id=customer_id, team_id=team.pk,
                status=Status.CLOSED if is_closed else Status.IN_PROGRESS, title="Bench", division_id=division(),
                received_at=received, due_at=(received + dt.timedelta(days=rng.randint(5, 28))).date(),
                closed_at=closed if is_closed else None, channel="web",
            ))
            if len(rows) >= args.batch_size or i == n - 1:
                made += [(c.pk, c.received_at, c.closed_at, c.division_id) for c in Case.objects.bulk_create(rows)]
                rows = []
        return made

    report_cases = cases(int(args.reports * years), service, "BP")
    cases(int(args.cases * years), other, "BR")
    reports = []
    for case_id, received_at, closed_at, division_id in report_cases:
        fixed = closed_at is not None and rng.random() < 0.85
        rated = fixed and rng.random() < 0.2
        feedback_at = closed_at + dt.timedelta(days=rng.randint(0, 10)) if rated else None
        if feedback_at and feedback_at > timezone.now():
            feedback_at = None
        reports.append(StreetReport(
            case_id=case_id, report_type_id=report_type.pk, latitude=51.75, longitude=-1.25,
            division_id=division_id, reported_at=received_at, status_changed_at=received_at,
            public_status=ReportStatus.FIXED if fixed else (ReportStatus.NOT_FIXED if closed_at else
                                                           ReportStatus.OPEN),
            closed_at=closed_at, feedback_rating=rng.randint(1, 5) if feedback_at else None,
            feedback_at=feedback_at,
        ))
        if len(reports) >= args.batch_size:
            StreetReport.objects.bulk_create(reports)
            reports = []
    StreetReport.objects.bulk_create(reports)
    channels = ["web", "web", "web", "phone", "phone", "email", "webchat", "sms", "face_to_face", "post"]
    batch: list = []
    for i in range(int(args.contacts * years)):
        batch.append(Interaction(customer_id=rng.choice(customers)[0], occurred_at=moment(), channel=rng.choice(channels),
                                 direction="inbound", kind="contact.logged", summary="Bench contact"))
        if len(batch) >= args.batch_size:
            Interaction.objects.bulk_create(batch)
            batch = []
    Interaction.objects.bulk_create(batch)
    logs = [ContactLog(reason_id=reason.pk, outcome="resolved", channel="phone", first_contact_resolved=rng.random() < 0.7,
                       division_id=division(), recorded_at=moment()) for _ in range(int(args.contact_logs * years))]
    ContactLog.objects.bulk_create(logs, batch_size=args.batch_size)
    messages: list = []
    for i in range(int(args.notifications * years)):
        sent = moment()
        messages.append(OutboundMessage(customer_id=rng.choice(customers)[0], template_code="bench",
                                        channel=rng.choice(["email", "email", "sms", "letter"]), status="sent",
                                        next_attempt_at=sent, sent_at=sent, idempotency_key=f"bench-{i}"))
        if len(messages) >= args.batch_size:
            OutboundMessage.objects.bulk_create(messages)
            messages = []
    OutboundMessage.objects.bulk_create(messages)
    seeded = time.perf_counter() - started
    print(f"seeded {len(report_cases):,} street reports, {Case.objects.count():,} cases, "
          f"{Interaction.objects.count():,} contacts, {len(logs):,} contact logs, "
          f"{OutboundMessage.objects.count():,} notifications "
          f"over {MONTHS} months and {len(divisions)} divisions in {seeded:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return 0


def measure_all(args, *, reused: bool) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from oxtom.accounts.models import User
    from oxtom.places.models import Division
    from oxtom.places.selectors import current_boundary_set
    from performance import services
    from performance.models import CabinetReport, ComputationRun, Measure, Period, Value

    divisions = list(Division.objects.filter(boundary_set=current_boundary_set()).order_by("id"))
    months = services.months_back(timezone.localdate(), MONTHS)
    if reused:
        CabinetReport.objects.all().delete()
        Value.objects.all().delete()
        ComputationRun.objects.all().delete()
        Period.objects.update(status=Period.Status.OPEN, closed_at=None, closed_by=None)
        User.objects.filter(email="bench.councillor@example.org").delete()

    # --- the computation -------------------------------------------------------------------------------
    measures = Measure.objects.filter(source="computed", is_active=True).count()
    full = services.compute_measures(months=months)
    if full.errors:
        print("errors:", full.errors)
        return 1
    expected = measures * MONTHS * (len(divisions) + 1)
    print(f"all {measures} computed measures x {MONTHS} months x ({len(divisions)} divisions + county): "
          f"{full.values_written:,} values in {full.seconds:.1f}s")
    slowest = sorted(full.timings.items(), key=lambda kv: -kv[1])[:5]
    print("slowest: " + ", ".join(f"{code} {seconds:.2f}s" for code, seconds in slowest))
    print(f"BENCH performance_nightly.{connection.vendor}.rebuild_60_months_seconds {full.seconds:.1f} s")
    print(f"BENCH performance_nightly.{connection.vendor}.values_per_second {full.values_written / full.seconds:.0f} "
          "values/s")
    if full.values_written != expected:
        print(f"expected {expected:,} values, wrote {full.values_written:,}")
        return 1
    nightly = services.compute_measures(months=months[-13:])
    print(f"BENCH performance_nightly.{connection.vendor}.nightly_13_months_seconds {nightly.seconds:.1f} s")

    # Closing a month locks it: a rerun must leave it alone.
    oldest = Period.objects.get(start=months[-13])
    Period.objects.filter(pk=oldest.pk).update(status=Period.Status.CLOSED, closed_at=timezone.now())
    before = list(Value.objects.filter(period=oldest).order_by("pk").values_list("pk", "value", "recorded_at"))
    rerun = services.compute_measures(months=months[-13:])
    after = list(Value.objects.filter(period=oldest).order_by("pk").values_list("pk", "value", "recorded_at"))
    if before != after or rerun.skipped_locked != 1:
        print("a closed month's figures changed on a rerun")
        return 1
    print(f"rerun with {oldest.label} closed: {rerun.values_written:,} values in {rerun.seconds:.1f}s, locked month "
          "unchanged")

    # --- the pages ---------------------------------------------------------------------------------------
    client = Client()
    councillor = User.objects.create_user("bench.councillor@example.org", None, roles=["councillor"],
                                          full_name="Bench Councillor", member_division=divisions[0])

    def measure(paths: list[str], label: str, client: Client) -> int | None:
        timings, counts = [], set()
        for path in paths:
            for _ in range(args.requests):
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200:
                    print(f"{path}: HTTP {response.status_code}")
                    return None
                counts.add(len(ctx.captured_queries))
        print(f"{label}: {len(timings)} requests, median {statistics.median(timings):.1f} ms, "
              f"p95 {percentile(timings, 95):.1f} ms, queries {sorted(counts)}")
        print(f"BENCH performance_nightly.{connection.vendor}.{label}_median_ms {statistics.median(timings):.1f} ms")
        print(f"BENCH performance_nightly.{connection.vendor}.{label}_p95_ms {percentile(timings, 95):.1f} ms")
        if len(counts) != 1:
            print(f"{label}: the number of queries varies between requests: {sorted(counts)}")
            return None
        print(f"BENCH performance_nightly.{connection.vendor}.{label}_queries {counts.pop()} queries")
        return 0

    client.get(f"/divisions/{divisions[0].slug}/")  # warm the template and URL caches
    if measure([f"/divisions/{d.slug}/" for d in divisions], "division_page", client) is None:
        return 1
    if measure(["/divisions/"], "county_overview", client) is None:
        return 1
    member = Client()
    member.force_login(councillor)
    if measure(["/members/division/"] * 5, "member_division", member) is None:
        return 1
    if measure(["/members/division/briefing/"] * 5, "member_briefing", member) is None:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
