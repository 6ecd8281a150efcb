#!/usr/bin/env python
"""Book it: the times a resident is offered, 28 days ahead, with 10 officers and rooms and 2,000 bookings.

    .venv/bin/python bench/appointment_slots.py                      # 10 resources, 2,000 bookings
    .venv/bin/python bench/appointment_slots.py --resources 20 --bookings 4000
    BENCH_QUICK=1 .venv/bin/python bench/appointment_slots.py        # 10 resources, 500 bookings, 20 runs
    .venv/bin/python bench/appointment_slots.py --reuse              # the last run's SQLite file, migrated
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oxtom_bench .venv/bin/python bench/appointment_slots.py

Builds its own database (var/bench/appointment_slots.sqlite3, new each run unless --reuse; DATABASE_URL is
honoured; a rerun on the same database first removes the bench's own services and bookings), migrates, then makes four
appointment services with the same hours (9:00 to 17:00, 30-minute slots, 28 days ahead):

- "resources": N resources (officers working 9:00-12:30 and 13:30-17:00 Monday to Friday, rooms all day,
  rooms three mornings a week; one officer on a week's leave, one on a day's training, one away 10:00-12:00 one
  day and a room out of use one afternoon) and B bookings given
  to free resources over the 28 days;
- "resources, B/10": the same resources with a tenth of the bookings;
- "desks" and "desks, B/10": no resources, N desks, the same numbers of bookings.

It times community.services.appointments.slots (what the resident's booking page, the offer pages and the
move page call for the free times) for each, interleaved, R runs: median / p95 ms, queries per call
(CaptureQueriesContext) and the share of the time spent in SQL. The query count must not change with the
number of bookings: exit 1 if it does, or if a listing offers a time that is full.

On PostgreSQL it then books the last free resources of a time under concurrency: for times with 1, 2 and 3
resources free, C threads book the same time at once through appointment_book; exactly one booking per free
resource must be made and the rest refused ("just been taken"), else exit 1. Not part of the test suite.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import percentile, use_bench_database  # noqa: E402

PREFIX = "bench-slots-"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=10)
    parser.add_argument("--bookings", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--clients", type=int, default=8, help="threads booking the same time at once (PostgreSQL)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep the SQLite file (skips the minute of migrations)")
    args = parser.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK"):
        args.bookings, args.runs = min(args.bookings, 500), 20
    use_bench_database("appointment_slots", keep=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from community.models import Appointment, AppointmentResource, AppointmentService, ResourceAbsence, ResourceHours
    from community.services.appointments import appointment_book, slots
    from community.services.resources import resource_calendar
    from oxtom.accounts.models import User
    from oxtom.core.calendar import is_working_day
    from oxtom.customers.models import Customer

    vendor = connection.vendor
    print(f"database: {vendor} {connection.settings_dict['NAME']}")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - t0:.0f}s")
    rng = random.Random(args.seed)
    tz = timezone.get_current_timezone()
    # A fixed "now", the coming Monday at 07:00, so every run lists the same 28 days (bank holidays included).
    today = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    now = dt.datetime.combine(today, dt.time(7), tzinfo=tz)

    old = AppointmentService.objects.filter(code__startswith=PREFIX)
    if old.exists():
        Appointment.objects.filter(service__in=old).delete()
        AppointmentResource.objects.filter(service__in=old).delete()
        old.delete()
        print("removed the previous run's bench services and bookings")

    # --- customers and officers (kept between runs: the timeline and audit rows point at them) -------------
    wanted = max(args.bookings, 6 * args.clients) + 6 * args.clients
    have = set(Customer.objects.filter(reference__startswith="CS").values_list("reference", flat=True))
    Customer.objects.bulk_create([Customer(reference=f"CS{i:08d}", first_name="Bench", last_name=f"Booker{i}",
                                           email=f"slots{i}@example.org") for i in range(wanted)
                                  if f"CS{i:08d}" not in have], batch_size=2000)
    customer_ids = list(Customer.objects.filter(reference__startswith="CS").order_by("reference")
                        .values_list("id", flat=True)[:wanted])
    officers = []
    for i in range(args.resources):
        email = f"slots.officer{i}@example.org"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, None, roles=["officer"], full_name=f"Officer {i}")
        officers.append(user)

    # --- the four services ---------------------------------------------------------------------------------
    def make_service(code: str, desks: int) -> AppointmentService:
        return AppointmentService.objects.create(code=PREFIX + code, name=f"Bench {code}", description="Bench",
                                                 opens_at=dt.time(9), closes_at=dt.time(17), slot_minutes=30,
                                                 days_ahead=28, cutoff_hours=2, desks=desks, reminder_hours=0)

    with_res, with_res_small = make_service("resources", 1), make_service("resources-tenth", 1)
    desks, desks_small = make_service("desks", args.resources), make_service("desks-tenth", args.resources)
    weekdays = range(5)
    absences = {0: (today + dt.timedelta(days=7), today + dt.timedelta(days=11)),  # a week's leave
                1: (today + dt.timedelta(days=3), today + dt.timedelta(days=3))}   # a day's training
    part_days = {2: (today + dt.timedelta(days=4), dt.time(10), dt.time(12)),
                 3: (today + dt.timedelta(days=5), dt.time(13), dt.time(17))}

    def add_resources(service: AppointmentService) -> list[AppointmentResource]:
        made = []
        for i in range(args.resources):
            pattern = i % 5
            if pattern < 3:  # an officer, with a lunch hour
                r = AppointmentResource.objects.create(service=service, name=f"Officer {i}", kind="officer",
                                                       user=officers[i])
                spans = [(d, dt.time(9), dt.time(12, 30)) for d in weekdays] + \
                        [(d, dt.time(13, 30), dt.time(17)) for d in weekdays]
            elif pattern == 3:  # a room all day
                r = AppointmentResource.objects.create(service=service, name=f"Room {i}", kind="room")
                spans = [(d, dt.time(9), dt.time(17)) for d in weekdays]
            else:  # a booth three mornings a week
                r = AppointmentResource.objects.create(service=service, name=f"Booth {i}", kind="room")
                spans = [(d, dt.time(9), dt.time(13)) for d in (0, 2, 4)]
            ResourceHours.objects.bulk_create([ResourceHours(resource=r, weekday=d, starts_at=a, ends_at=b)
                                               for d, a, b in spans])
            if i in absences:
                ResourceAbsence.objects.create(resource=r, **ResourceAbsence.whole_days(absences[i][0], absences[i][1]),
                                               reason="leave" if i == 0 else "training")
            if i in part_days:  # part of a day: a dentist's appointment, an afternoon off
                day, a, b = part_days[i]
                ResourceAbsence.objects.create(resource=r, starts_at=dt.datetime.combine(day, a, tzinfo=tz),
                                               ends_at=dt.datetime.combine(day, b, tzinfo=tz), reason="appointment")
            made.append(r)
        return made

    resources = {with_res.pk: add_resources(with_res), with_res_small.pk: add_resources(with_res_small)}

    # Every (slot, resource or desk) a booking could take, from the same calendar the listing reads.
    def places(service: AppointmentService) -> list[tuple[dt.datetime, AppointmentResource | None, int]]:
        calendar = resource_calendar(service, today, today + dt.timedelta(days=28))
        out = []
        for t in slots(service, now=now):
            if calendar is None:
                out += [(t, None, desk) for desk in range(1, service.desks + 1)]
            else:
                out += [(t, r, 1) for r in calendar.free_at(t)]
        return out

    def book(service: AppointmentService, n: int) -> int:
        free = places(service)
        if n > len(free):
            sys.exit(f"{n} bookings do not fit: {service.code} has {len(free)} free places in 28 days")
        rows = [Appointment(reference=f"AS{service.pk % 100:02d}{i:06d}", service=service,
                            customer_id=customer_ids[i % len(customer_ids)], starts_at=t, desk=desk, resource=r,
                            submission_key=f"{PREFIX}{service.pk}-{i}", created_at=now - dt.timedelta(days=1))
                for i, (t, r, desk) in enumerate(rng.sample(free, n))]
        Appointment.objects.bulk_create(rows, batch_size=2000)
        return len(free)

    t0 = time.perf_counter()
    small = max(1, args.bookings // 10)
    capacity = {}
    for service, n in ((with_res, args.bookings), (with_res_small, small), (desks, args.bookings),
                       (desks_small, small)):
        capacity[service.pk] = book(service, n)
    working = sum(1 for d in range(29) if is_working_day(today + dt.timedelta(days=d)))
    print(f"seeded in {time.perf_counter() - t0:.1f}s: 4 services, {args.resources} resources or desks each, "
          f"{working} working days from {today} (now {now:%Y-%m-%d %H:%M}); resource places "
          f"{capacity[with_res.pk]:,} with {args.bookings:,} booked, {small:,} booked in the tenth; "
          f"desk places {capacity[desks.pk]:,}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # --- the listing ---------------------------------------------------------------------------------------
    variants = [("resources", with_res, args.bookings), ("resources_tenth", with_res_small, small),
                ("desks", desks, args.bookings), ("desks_tenth", desks_small, small)]
    queries, statements, offered = {}, {}, {}
    for name, service, _ in variants:
        slots(service, now=now)  # warm
        with CaptureQueriesContext(connection) as ctx:
            offered[name] = slots(service, now=now)
        queries[name] = len(ctx)
        statements[name] = [q["sql"] for q in ctx.captured_queries]

    def sql_alone(name: str) -> float:
        """The call's statements run and fetched by a bare cursor: what is left of a call is Python's."""
        t = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements[name]:
                cursor.execute(sql)
                cursor.fetchall()
        return (time.perf_counter() - t) * 1000
    times: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    sql_times: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for _ in range(args.runs):
        for name, service, _ in variants:  # interleaved: the machine is shared, so each sees the same load
            t = time.perf_counter()
            slots(service, now=now)
            times[name].append((time.perf_counter() - t) * 1000)
            sql_times[name].append(sql_alone(name))

    failed = []
    for name, service, n in variants:
        ms = times[name]
        print(f"slots(), 28 days, {name}: {n:,} bookings, {len(offered[name])} times offered: "
              f"median {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms, {queries[name]} queries, "
              f"its SQL alone {statistics.median(sql_times[name]):.1f} ms")
        print(f"BENCH appointment_slots.{vendor}.{name}.median_ms {statistics.median(ms):.1f} ms")
        print(f"BENCH appointment_slots.{vendor}.{name}.p95_ms {percentile(ms, 95):.1f} ms")
        print(f"BENCH appointment_slots.{vendor}.{name}.queries {queries[name]} queries")
    for big, tenth in (("resources", "resources_tenth"), ("desks", "desks_tenth")):
        ratio = statistics.median(times[big]) / statistics.median(times[tenth])
        print(f"BENCH appointment_slots.{vendor}.{big}.bookings_x10_cost_ratio {ratio:.2f} x")
        if queries[big] != queries[tenth]:
            failed.append(f"{big}: {queries[big]} queries with {args.bookings} bookings, {queries[tenth]} with {small}")
    ratio = statistics.median(times["resources"]) / statistics.median(times["desks"])
    print(f"BENCH appointment_slots.{vendor}.resources_vs_desks_cost_ratio {ratio:.2f} x")

    # Nothing full is offered, and every free place is: the listing agrees with the bookings.
    for name, service, _ in variants:
        booked: dict[dt.datetime, set] = {}
        for starts, resource_id in Appointment.objects.filter(service=service, status="booked").values_list(
                "starts_at", "resource_id"):
            booked.setdefault(starts, set()).add(resource_id)
        calendar = resource_calendar(service, today, today + dt.timedelta(days=28))
        for t in offered[name]:
            if calendar is None and len(booked.get(t, ())) >= service.desks:
                failed.append(f"{name}: {t} offered with every desk booked")
                break
            if calendar is not None and not [r for r in calendar.free_at(t) if r.pk not in booked.get(t, set())]:
                failed.append(f"{name}: {t} offered with every resource booked or away")
                break
        expected = len({t for t, _, _ in places(service)})
        if expected != len(offered[name]):
            failed.append(f"{name}: {len(offered[name])} times offered, {expected} have a free place")

    # --- the last free resources, booked at once (PostgreSQL) ----------------------------------------------
    if vendor != "postgresql":
        print("concurrent booking of the last free resources: skipped (needs PostgreSQL; set DATABASE_URL)")
    else:
        # One booking first, alone, so the rounds time booking and not the first call's imports and caches.
        warm = slots(with_res, now=now)[-1]
        appointment_book(service=with_res, customer=Customer.objects.get(pk=customer_ids[0]), starts_at=warm,
                         submission_key=f"{PREFIX}warm-up", by=None, now=now)
        calendar = resource_calendar(with_res, today, today + dt.timedelta(days=28))
        by_free: dict[int, list[dt.datetime]] = {}
        for t in slots(with_res, now=now):
            by_free.setdefault(len(calendar.free_at(t)), []).append(t)
        rounds = [(k, t) for k in (1, 2, 3) for t in by_free.get(k, [])[:2]]
        if not rounds:
            failed.append("concurrency: no time with 1 to 3 resources free")
        next_customer = iter(customer_ids[-6 * args.clients:])
        made_total = refused_total = expected_total = 0
        latencies: list[float] = []
        walls: list[float] = []
        connections.close_all()
        for k, starts in rounds:
            barrier = threading.Barrier(args.clients)
            results: list = [None] * args.clients
            took: list[float] = [0.0] * args.clients
            people = [Customer.objects.get(pk=next(next_customer)) for _ in range(args.clients)]

            def run(i: int) -> None:
                try:
                    barrier.wait(timeout=60)
                    t = time.perf_counter()
                    try:
                        results[i] = appointment_book(service=with_res, customer=people[i], starts_at=starts,
                                                      submission_key=f"{PREFIX}race-{starts:%m%d%H%M}-{i}",
                                                      by=None, now=now)
                    finally:
                        took[i] = (time.perf_counter() - t) * 1000
                except BaseException as exc:  # counted below
                    results[i] = exc
                finally:
                    connections.close_all()

            threads = [threading.Thread(target=run, args=(i,)) for i in range(args.clients)]
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join(timeout=120)
            walls.append((time.perf_counter() - t) * 1000)
            latencies += took
            made = [r for r in results if isinstance(r, Appointment)]
            refused = [r for r in results if isinstance(r, ValidationError) and "just been taken" in r.messages[0]]
            other = [r for r in results if r not in made and r not in refused]
            booked_now = Appointment.objects.filter(service=with_res, starts_at=starts, status="booked")
            held = list(booked_now.values_list("resource_id", flat=True))
            print(f"  {timezone.localtime(starts):%a %d %b %H:%M}, {k} free: {args.clients} at once -> "
                  f"{len(made)} booked, {len(refused)} refused, {len(other)} errors; "
                  f"{len(held)} booked then on {len(set(held))} resources")
            if other:
                print("    first error:", repr(other[0]))
            if len(made) != k or len(refused) != args.clients - k or other or len(held) != len(set(held)):
                failed.append(f"concurrency at {starts}: {k} free, {len(made)} booked, {len(refused)} refused")
            made_total += len(made)
            refused_total += len(refused)
            expected_total += k
        print(f"concurrent booking, {len(rounds)} times x {args.clients} threads: {made_total} booked "
              f"(free resources {expected_total}), {refused_total} refused; per call median "
              f"{statistics.median(latencies):.0f} ms, p95 {percentile(latencies, 95):.0f} ms; "
              f"burst median {statistics.median(walls):.0f} ms")
        print(f"BENCH appointment_slots.{vendor}.last_free.booked {made_total} bookings")
        print(f"BENCH appointment_slots.{vendor}.last_free.free_resources {expected_total} resources")
        print(f"BENCH appointment_slots.{vendor}.last_free.refused {refused_total} bookings")
        print(f"BENCH appointment_slots.{vendor}.last_free.p95_ms {percentile(latencies, 95):.0f} ms")

    if failed:
        sys.exit("FAILED: " + "; ".join(failed))


if __name__ == "__main__":
    main()
