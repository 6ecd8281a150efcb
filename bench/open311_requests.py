#!/usr/bin/env python
"""Open311 GET requests.json (and servicerequestupdates.json) over N street reports.

    .venv/bin/python bench/open311_requests.py --reports 100000

Builds its own database (default: a SQLite file, var/bench/open311.sqlite3,
recreated each run; DATABASE_URL is honoured), migrates it (which seeds the
report types), bulk-inserts customers, N cases with their street reports
spread over the last year (so about a quarter fall in the default 90-day
window) and two public timeline events each, then requests through Django's
test client:
- requests.json with no parameters (the spec's default: last 90 days, at
  most 1000), with status=closed, with one service_code, and over one day;
- a single request by id;
- servicerequestupdates.json over the last day;
printing median / p95 ms, rows returned and queries per request.

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

CUSTOMERS = 20_000
DIVISIONS = 69
SPREAD_DAYS = 365



def main() -> None:  # noqa: C901 - one linear script reads best
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="requests per kind")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--quick", action="store_true", help="small sizes (also BENCH_QUICK=1)")
    args = parser.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK") == "1":
        args.reports, args.requests = 5000, 10

    use_bench_database("open311")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from oxtom.cases.models import Case, CaseEvent
    from oxtom.customers.models import Customer
    from oxtom.places.models import BoundarySet, Division
    from portal.models import CLOSED_REPORT_STATUSES, OPEN_REPORT_STATUSES, ReportType, StreetReport

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if StreetReport.objects.exists():
        sys.exit("The benchmark database already has reports; point DATABASE_URL at an empty database.")
    rng = random.Random(args.seed)
    now = timezone.now()
    started = time.perf_counter()

    boundary = BoundarySet.objects.create(name="Bench divisions", slug="bench", in_force_from=dt.date(2025, 5, 1),
                                          is_current=True)
    divisions = Division.objects.bulk_create(
        [Division(boundary_set=boundary, name=f"Division {i:02d}", slug=f"division-{i:02d}") for i in range(DIVISIONS)])
    Customer.objects.bulk_create(
        [Customer(reference=f"CB{i:08d}", first_name="Bench", last_name=f"Customer{i}", email=f"bench{i}@example.org")
         for i in range(CUSTOMERS)], batch_size=args.batch_size)
    customer_ids = list(Customer.objects.values_list("id", flat=True))
    types = list(ReportType.objects.select_related("service").order_by("id"))
    if not types:
        sys.exit("No report types: the portal migrations should have seeded them")
    open_statuses = [s.value for s in OPEN_REPORT_STATUSES]
    closed_statuses = [s.value for s in CLOSED_REPORT_STATUSES]

    made = 0
    while made < args.reports:
        size = min(args.batch_size, args.reports - made)
        cases, extras = [], []
        for i in range(made, made + size):
            report_type = rng.choice(types)
            when = now - dt.timedelta(seconds=rng.randint(0, SPREAD_DAYS * 86400))
            closed = rng.random() < 0.6
            status = rng.choice(closed_statuses if closed else open_statuses)
            cases.append(Case(
                reference=f"BN-{i:09d}", service_id=report_type.service_id, customer_id=rng.choice(customer_ids),
                team_id=report_type.service.team_id, status="closed" if closed else "new", priority=3,
                title=report_type.service.name, answers={"details": "A problem in the road"}, channel="web",
                received_at=when, due_at=when.date() + dt.timedelta(days=28),
                closed_at=min(now, when + dt.timedelta(days=5)) if closed else None,
                outcome="completed" if closed else "",
            ))
            extras.append((report_type, when, status, closed))
        Case.objects.bulk_create(cases, batch_size=args.batch_size)
        reports, events = [], []
        for case, (report_type, when, status, closed) in zip(cases, extras):
            lat, lon = 51.75 + rng.uniform(-0.3, 0.3), -1.25 + rng.uniform(-0.4, 0.4)
            reports.append(StreetReport(
                case_id=case.pk, report_type=report_type, latitude=lat, longitude=lon,
                division=rng.choice(divisions), public_status=status, reported_at=when,
                status_changed_at=min(now, when + dt.timedelta(days=2)), closed_at=case.closed_at,
                is_public=rng.random() < 0.97, description="Deep hole by the bus stop",
            ))
            events += [
                CaseEvent(case_id=case.pk, kind="created", occurred_at=when, visibility="public", text="Received"),
                CaseEvent(case_id=case.pk, kind="note", occurred_at=when, text="Private note"),
                CaseEvent(case_id=case.pk, kind="public_update", occurred_at=min(now, when + dt.timedelta(days=1)),
                          visibility="public", text="An inspector will visit"),
            ]
        StreetReport.objects.bulk_create(reports, batch_size=args.batch_size)
        CaseEvent.objects.bulk_create(events, batch_size=args.batch_size)
        made += size
    seeded = time.perf_counter() - started
    print(f"seeded {made:,} reports (and {made * 3:,} events) in {seeded:.1f}s "
          f"({made / seeded:,.0f} reports/s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    client = Client()
    day_ago = (now - dt.timedelta(days=1)).isoformat()
    sample = list(StreetReport.objects.filter(is_public=True).order_by("id")
                  .values_list("case__reference", flat=True)[:: max(1, made // (args.requests * 2))])
    refs = iter(sample * 3)
    kinds = {
        "requests.default": lambda: ("/open311/v2/requests.json", {}),
        "requests.closed": lambda: ("/open311/v2/requests.json", {"status": "closed"}),
        "requests.service_code": lambda: ("/open311/v2/requests.json", {"service_code": "street-light"}),
        "requests.one_day": lambda: ("/open311/v2/requests.json", {"start_date": day_ago}),
        "requests.xml": lambda: ("/open311/v2/requests.xml", {}),
        "request.single": lambda: (f"/open311/v2/requests/{next(refs)}.json", {}),
        "updates.one_day": lambda: ("/open311/v2/servicerequestupdates.json", {"start_date": day_ago}),
    }
    client.get("/open311/v2/requests.json")  # warm up
    failed = False
    for name, make in kinds.items():
        times, rows, queries = [], [], []
        for _ in range(args.requests):
            url, params = make()
            with CaptureQueriesContext(connection) as captured:
                t = time.perf_counter()
                response = client.get(url, params)
                elapsed = (time.perf_counter() - t) * 1000
            if response.status_code != 200:
                failed = True
                print(f"{name}: HTTP {response.status_code} {response.content[:200]!r}")
                break
            times.append(elapsed)
            queries.append(len(captured))
            rows.append(response.content.count(b"<request>") if url.endswith(".xml")
                        else len(response.json()))
        if not times:
            continue
        print(f"{name:24s} median {statistics.median(times):7.1f} ms  p95 {percentile(times, 95):7.1f} ms  "
              f"rows {max(rows)}  queries {max(queries)}")
        print(f"BENCH open311.{connection.vendor}.{name}.median_ms {statistics.median(times):.1f} ms")
        print(f"BENCH open311.{connection.vendor}.{name}.p95_ms {percentile(times, 95):.1f} ms")
        print(f"BENCH open311.{connection.vendor}.{name}.rows {max(rows)} rows")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
