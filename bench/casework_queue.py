#!/usr/bin/env python
"""Casework at county scale: queue page, case page and "get next" throughput.

    .venv/bin/python bench/casework_queue.py        # 100,000 open, 1,000,000 closed, 10,000 to claim, 8 claimers

Builds its own database (default: a SQLite file, var/bench/casework.sqlite3,
recreated each run; DATABASE_URL is honoured, e.g. a PostgreSQL database of
your own), migrates it, bulk-inserts teams, officers, divisions, customers
and N open (and optionally M closed) cases with a few timeline events each,
then:
- requests the team queue page (several filters, and pages deep in the
  keyset) and the case page through Django's test client as a team officer,
  printing median / p95 ms and the number of queries per page;
- seeds a separate team with --claim-cases unassigned cases and lets
  --claimers threads call case_claim_next until the queue is empty, printing
  claims per second and checking that no case was claimed twice.

Not part of the test suite: it takes minutes at full size. BENCH_QUICK=1
(or --quick) uses small sizes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import percentile, use_bench_database  # noqa: E402

TEAMS = 5
OFFICERS_PER_TEAM = 10
DIVISIONS = 69
CUSTOMERS = 20_000



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=100_000, help="open cases in the queues")
    parser.add_argument("--closed", type=int, default=1_000_000, help="closed cases (history the queries must ignore)")
    parser.add_argument("--claim-cases", type=int, default=10_000, help="unassigned cases for the get-next run")
    parser.add_argument("--claimers", type=int, default=8, help="concurrent get-next threads")
    parser.add_argument("--requests", type=int, default=60, help="requests per page kind")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--quick", action="store_true", help="small sizes (also BENCH_QUICK=1)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure an already seeded benchmark database (the get-next cases are reset first)")
    args = parser.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK") == "1":
        args.open, args.closed, args.claim_cases, args.requests = 3000, 2000, 500, 20

    use_bench_database("casework", keep=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ.setdefault("DEBUG", "true")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from oxtom.cases.models import OPEN_STATUSES, Case, CaseEvent, Service, Status
    from oxtom.cases.services import case_claim_next
    from oxtom.accounts.models import Team, TeamMembership, User
    from oxtom.customers.models import Customer
    from oxtom.places.models import BoundarySet, Division

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    today = timezone.localdate()
    now = timezone.now()
    if Case.objects.exists():
        if not args.reuse:
            sys.exit("The benchmark database already has cases; point DATABASE_URL at an empty database or pass --reuse.")
        teams = list(Team.objects.filter(slug__startswith="bench-team-").order_by("id"))
        claim_team = teams[-1]
        divisions = list(Division.objects.filter(boundary_set__slug="bench").order_by("id"))
        services = list(Service.objects.filter(code__startswith="bench-").order_by("id"))
        queue_services = [s for s in services if s.team_id != claim_team.pk]
        officers = {t.pk: [m.user for m in TeamMembership.objects.filter(team=t).select_related("user").order_by("id")]
                    for t in teams}
        reset = Case.objects.filter(team=claim_team).update(assignee=None, status=Status.NEW, version=1)
        args.claim_cases = reset
        print(f"reusing {Case.objects.count():,} cases; {reset:,} get-next cases reset to unassigned")
    else:

        # --- reference data -------------------------------------------------------------------
        boundary = BoundarySet.objects.create(name="Bench divisions", slug="bench", in_force_from=dt.date(2025, 5, 1),
                                              is_current=True)
        divisions = Division.objects.bulk_create(
            [Division(boundary_set=boundary, name=f"Division {i:02d}", slug=f"division-{i:02d}") for i in range(DIVISIONS)]
        )
        teams = Team.objects.bulk_create([Team(name=f"Bench team {i}", slug=f"bench-team-{i}") for i in range(TEAMS + 1)])
        claim_team = teams[-1]
        services = []
        for i, team in enumerate(teams):
            for j in range(2):
                # The get-next team's services don't message customers, so the figure is the claim itself
                # (publishing to the broker is the outbox's cost, measured by notify's own benchmarks).
                services.append(Service.objects.create(code=f"bench-{i}-{j}", name=f"Bench service {i}.{j}",
                                                       kind="report", team=team, reference_prefix="BN",
                                                       notify_customer_on_change=team != claim_team))
        officers: dict[int, list] = {}
        for team in teams:
            officers[team.pk] = []
            for k in range(OFFICERS_PER_TEAM):
                user = User.objects.create_user(f"officer{team.pk}-{k}@example.org", None, roles=["officer"],
                                                full_name=f"Officer {team.pk}-{k}")
                TeamMembership.objects.create(team=team, user=user)
                officers[team.pk].append(user)
        Customer.objects.bulk_create(
            [Customer(reference=f"CB{i:08d}", first_name="Bench", last_name=f"Customer{i}",
                      email=f"bench{i}@example.org", division=divisions[i % DIVISIONS]) for i in range(CUSTOMERS)],
            batch_size=args.batch_size,
        )
        customer_ids = list(Customer.objects.values_list("id", flat=True))

        # --- cases --------------------------------------------------------------------------------
        queue_services = [s for s in services if s.team_id != claim_team.pk]
        open_statuses = [s for s in OPEN_STATUSES]

        def make_cases(n: int, *, closed: bool, start: int, team_services, unassigned: bool = False):
            made = 0
            while made < n:
                batch = []
                for i in range(start + made, start + min(n, made + args.batch_size)):
                    service = rng.choice(team_services)
                    status = Status.CLOSED if closed else rng.choice(open_statuses)
                    if unassigned:
                        status = rng.choice([Status.NEW, Status.ACCEPTED])
                    assigned = status not in (Status.NEW, Status.ACCEPTED) and not unassigned
                    due = today + dt.timedelta(days=rng.randint(-30, 60))
                    batch.append(Case(
                        reference=f"BN-2026-{i:08d}", service_id=service.pk, customer_id=rng.choice(customer_ids),
                        team_id=service.team_id, status=status, priority=rng.randint(1, 4), title="Bench case",
                        division=rng.choice(divisions), answers={"description": "A pothole outside number 12"},
                        channel="web", received_at=now - dt.timedelta(days=rng.randint(0, 90)), due_at=due,
                        paused_on=today if status == Status.AWAITING_CUSTOMER else None,
                        assignee=rng.choice(officers[service.team_id]) if assigned else None,
                        outcome="completed" if closed else "", closed_at=now if closed else None,
                    ))
                Case.objects.bulk_create(batch, batch_size=args.batch_size)
                made += len(batch)
            return made

        started = time.perf_counter()
        make_cases(args.open, closed=False, start=0, team_services=queue_services)
        make_cases(args.closed, closed=True, start=args.open, team_services=queue_services)
        claim_services = [s for s in services if s.team_id == claim_team.pk]
        make_cases(args.claim_cases, closed=False, start=args.open + args.closed, team_services=claim_services,
                   unassigned=True)
        # Three timeline events per open case (created, note, status change), inserted in id ranges.
        events = 0
        last_id = 0
        while True:
            ids = list(Case.objects.filter(id__gt=last_id).exclude(status=Status.CLOSED).order_by("id")
                       .values_list("id", flat=True)[: args.batch_size])
            if not ids:
                break
            last_id = ids[-1]
            rows = []
            for case_id in ids:
                rows += [
                    CaseEvent(case_id=case_id, kind="created", occurred_at=now, visibility="public", text="Received"),
                    CaseEvent(case_id=case_id, kind="note", occurred_at=now, text="Checked the location"),
                    CaseEvent(case_id=case_id, kind="status_changed", occurred_at=now, visibility="public",
                              from_status="new", to_status="accepted"),
                ]
            CaseEvent.objects.bulk_create(rows, batch_size=args.batch_size)
            events += len(rows)
        seeded = time.perf_counter() - started
        total = args.open + args.closed + args.claim_cases
        print(f"seeded {total:,} cases ({args.open:,} open, {args.closed:,} closed, {args.claim_cases:,} to claim) "
              f"and {events:,} events in {seeded:.1f}s")
    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM too, as autovacuum would have on a live table; without the visibility
        # map a freshly bulk-loaded table cannot use index-only scans for the SLA counts.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    # --- pages --------------------------------------------------------------------------------
    team = teams[0]
    officer = officers[team.pk][0]
    client = Client()
    client.force_login(officer)
    queue_url = f"/staff/queues/{team.slug}/"

    def timed(url: str, who=None) -> tuple[float, int, int]:
        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            response = (who or client).get(url)
            elapsed = (time.perf_counter() - t) * 1000
        return elapsed, len(queries), response.status_code

    client.get(queue_url)  # warm up
    team_open = Case.objects.filter(team=team).exclude(status=Status.CLOSED)
    print(f"queue of {team.name}: {team_open.count():,} open cases")

    # Deep keyset pages: the cursor for the case at position ~k.
    from oxtom.cases.selectors import encode_cursor

    deep = list(team_open.order_by("due_at", "id").values_list("due_at", "id")[::max(1, team_open.count() // 20)])

    def cursor_url(row) -> str:
        fake = Case(due_at=row[0], id=row[1])
        return f"{queue_url}?after={encode_cursor(fake)}"

    page_kinds = {
        "queue (first page)": lambda: queue_url,
        "queue (deep page)": lambda: cursor_url(rng.choice(deep)),
        "queue (overdue, urgent)": lambda: f"{queue_url}?sla=overdue&priority=1",
        "queue (division + assigned to me)": lambda: f"{queue_url}?division={rng.choice(divisions).pk}&assigned=me",
        "queue (service, unassigned)": lambda: f"{queue_url}?service={queue_services[0].pk}&assigned=unassigned",
    }
    sample_refs = list(team_open.order_by("?").values_list("reference", flat=True)[: args.requests]) \
        if connection.vendor == "postgresql" else \
        [r for r in team_open.filter(id__in=[rng.randint(1, args.open) for _ in range(args.requests * 10)])
         .values_list("reference", flat=True)[: args.requests]]
    refs = iter(sample_refs * 2)
    page_kinds["case page"] = lambda: f"/staff/cases/{next(refs)}/"

    # A councillor's division (open cases of every team there) and a customer's own cases.
    councillor, _ = User.objects.get_or_create(
        email="bench.councillor@example.org",
        defaults={"full_name": "Bench Councillor", "member_division": divisions[0], "roles": ["councillor"]})
    member_client = Client()
    member_client.force_login(councillor)
    busiest = (Case.objects.values("customer_id").annotate(n=Count("id")).order_by("-n").values_list("customer_id", flat=True)
               .first())
    resident = Customer.objects.get(pk=busiest)
    if resident.user_id is None:
        resident.user = User.objects.create_user(f"bench.resident.{resident.pk}@example.org", None, full_name="Bench Resident")
        resident.save(update_fields=["user"])
    resident_client = Client()
    resident_client.force_login(resident.user)
    resident_refs = list(Case.objects.filter(customer=resident).values_list("reference", flat=True)[:20])
    others = {
        "members division cases": (member_client, lambda: "/members/cases/"),
        "members division cases (overdue)": (member_client, lambda: "/members/cases/?sla=overdue"),
        "account cases list": (resident_client, lambda: "/account/cases/"),
        "account case page": (resident_client, lambda: f"/account/cases/{rng.choice(resident_refs)}/"),
    }
    print(f"councillor of {divisions[0].name}: "
          f"{Case.objects.filter(division=divisions[0]).exclude(status=Status.CLOSED).count():,} open cases; "
          f"busiest customer: {Case.objects.filter(customer=resident).count():,} cases")

    failed = False
    all_kinds = {name: (None, url_for) for name, url_for in page_kinds.items()} | others
    for name, (who, url_for) in all_kinds.items():
        times, counts, statuses = [], [], Counter()
        for _ in range(args.requests):
            ms, n, status = timed(url_for(), who)
            times.append(ms)
            counts.append(n)
            statuses[status] += 1
        if set(statuses) != {200}:
            failed = True
        key = name.split(" (")[0].replace(" ", "_") + ("" if "(" not in name else "." + name.split("(")[1].rstrip(")").replace(" ", "_").replace(",", "").replace("+", "and"))
        print(f"{name:38s} median {statistics.median(times):7.1f} ms  p95 {percentile(times, 95):7.1f} ms  "
              f"queries {min(counts)}-{max(counts)}  statuses {dict(statuses)}")
        print(f"BENCH casework_queue.{connection.vendor}.{key}.median_ms {statistics.median(times):.1f} ms")
        print(f"BENCH casework_queue.{connection.vendor}.{key}.p95_ms {percentile(times, 95):.1f} ms")
        print(f"BENCH casework_queue.{connection.vendor}.{key}.queries {max(counts)} queries")

    # --- scale independence: the big queue against a 20-case queue, requests interleaved -----------
    # The machine is shared, so absolute milliseconds drift with its load; alternating the two
    # pages exposes both to the same load, and their ratio says what the queue's size costs.
    small, _ = Team.objects.get_or_create(slug="bench-small-team", defaults={"name": "Bench small team"})
    TeamMembership.objects.get_or_create(team=small, user=officer)
    small_service, _ = Service.objects.get_or_create(
        code="bench-small", defaults={"name": "Bench small service", "kind": "report", "team": small,
                                      "reference_prefix": "BS"})
    if not Case.objects.filter(team=small).exists():
        some_customer = Customer.objects.order_by("id").values_list("id", flat=True).first()
        Case.objects.bulk_create([
            Case(reference=f"BS-2026-{i:08d}", service=small_service, customer_id=some_customer, team=small,
                 status=Status.ACCEPTED, priority=3, title="Bench case", division=divisions[0], answers={},
                 channel="web", received_at=now, due_at=today + dt.timedelta(days=i)) for i in range(20)])
    big_times, small_times = [], []
    for _ in range(args.requests):
        big_times.append(timed(queue_url)[0])
        small_times.append(timed(f"/staff/queues/{small.slug}/")[0])
    ratio = statistics.median(big_times) / statistics.median(small_times)
    print(f"queue page, {team_open.count():,} open cases vs 20, interleaved: median {statistics.median(big_times):.1f} ms "
          f"vs {statistics.median(small_times):.1f} ms: {ratio:.2f}x")
    print(f"BENCH casework_queue.{connection.vendor}.queue.size_cost_ratio {ratio:.2f} x")

    # --- get next -----------------------------------------------------------------------------
    connections.close_all()
    claimers = officers[claim_team.pk][: args.claimers]
    claimed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(claimers) + 1)

    def claim_loop(user) -> None:
        try:
            barrier.wait()
            while True:
                case = case_claim_next(officer=user, team=claim_team)
                if case is None:
                    return
                with lock:
                    claimed.append(case.pk)
        except BaseException as exc:  # reported after the run
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim_loop, args=(u,)) for u in claimers]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    doubles = sum(1 for _, n in Counter(claimed).items() if n > 1)
    left = Case.objects.filter(team=claim_team, assignee__isnull=True).count()
    path = "select_for_update(skip_locked)" if connection.features.has_select_for_update_skip_locked else "conditional UPDATE"
    print(f"get next ({path}): {len(claimed):,} claims by {len(claimers)} concurrent officers in {elapsed:.1f}s: "
          f"{len(claimed) / elapsed:,.0f} claims/s; double claims {doubles}; unclaimed left {left}; errors {len(errors)}")
    if errors:
        print("first error:", repr(errors[0]))
    print(f"BENCH casework_queue.{connection.vendor}.get_next.claims_per_second {len(claimed) / elapsed:.0f} claims/s")
    print(f"BENCH casework_queue.{connection.vendor}.get_next.double_claims {doubles} cases")
    if doubles or errors or left or len(claimed) != args.claim_cases or failed:
        sys.exit("FAILED: double claims, errors, unclaimed cases or non-200 pages")


if __name__ == "__main__":
    main()
