#!/usr/bin/env python
"""Apply for it: eligibility rule evaluations per second, and application_submit per second.

    .venv/bin/python bench/apply_rules.py          # 20,000 evaluations per service, 1,000 submissions
    BENCH_QUICK=1 .venv/bin/python bench/apply_rules.py

Builds its own database (default: a SQLite file, var/bench/apply.sqlite3,
recreated each run; DATABASE_URL is honoured), migrates it (which seeds the
three services), then:
- evaluates --evaluations varied answer sets per service with
  applications.rules.evaluate (a mix that approves, refers and
  refuses), with the database facts given (the pure rules) and, for the
  parking permit, looked up per evaluation (one COUNT on the household);
- submits --submissions applications through application_submit with a PDF
  of evidence each: permits (approved, waiting for payment), bus passes
  (approved and issued at once) and blue badges (a third referred to a case,
  a third refused, a third approved), timing the whole service call (rules,
  evidence file, rows, audit, timeline, case, outbox row). The outbox
  publish to the broker is stubbed out: that is notify's cost, not ours.
Prints per-second figures and the outcome mix; checks every submission made
exactly one application.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import use_bench_database  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NOTHING = {"walking_difficulty": "no", "both_arms": "no", "journey_distress": "no", "child_equipment": "no",
           "child_near_vehicle": "no", "terminal_illness": "no"}


def permit_answers(rng: random.Random, i: int) -> dict:
    postcode = rng.choice(["OX1 1AA", "OX4 1HP", "OX16 5AA", "OX10 0AA"])  # the last is outside every zone
    return {"address_line_1": f"{i % 400 + 1} Bench Road", "postcode": postcode, "lives_at_address": "yes",
            "vehicle_registration": f"AB{i % 90 + 10}CDE", "vehicle_kept_at_address": rng.choice(["yes"] * 9 + ["no"]),
            "vehicle_keeper": "me"}


def badge_answers(rng: random.Random, i: int) -> dict:
    kind = i % 3
    if kind == 0:
        return {"applying_for": "myself", "holder_date_of_birth": "1950-01-01", "awards": ["pip"],
                "pip_moving_around_points": rng.choice([8, 10, 12]), "pip_planning_descriptor": "a", **NOTHING}
    if kind == 1:
        return {"applying_for": "someone_else", "holder_first_name": "Ivy", "holder_last_name": "Bench",
                "relationship": "Mother", "holder_date_of_birth": "1940-02-02", "awards": ["none"],
                **NOTHING, "walking_difficulty": "yes"}
    return {"applying_for": "myself", "holder_date_of_birth": "1960-01-01", "awards": ["none"], **NOTHING}


def bus_answers(rng: random.Random, i: int) -> dict:
    if i % 2:
        return {"date_of_birth": f"{rng.randint(1940, 1958)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"}
    return {"date_of_birth": "1990-05-05", "disability_category": rng.choice(["walking", "blind", "learning"]),
            "disability_evidence": rng.choice(["dla_higher_mobility", "registered_sight_impaired", "other"])}


ANSWERS = {"parking-permit": permit_answers, "blue-badge": badge_answers, "bus-pass": bus_answers}
EVIDENCE = {"parking-permit": [("vehicle", PDF)], "blue-badge": [("photo", PDF), ("benefit", PDF)],
            "bus-pass": [("photo", PDF), ("identity", PDF)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evaluations", type=int, default=20_000, help="rule evaluations per service")
    parser.add_argument("--submissions", type=int, default=1_000, help="application_submit calls in all")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--quick", action="store_true", help="small sizes (also BENCH_QUICK=1)")
    args = parser.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK") == "1":
        args.evaluations, args.submissions = 2_000, 150

    use_bench_database("apply")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ.setdefault("DEBUG", "true")
    media = tempfile.mkdtemp(prefix="oxtom-bench-apply-")
    os.environ["MEDIA_ROOT"] = media

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    settings.MEDIA_ROOT = media
    from applications import rules, services
    from applications.models import Application, ApplicationService
    from oxtom.accounts.models import User
    from oxtom.customers.models import Channel, Customer
    from oxtom.notify import services as notify_services

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if Application.objects.exists():
        sys.exit("The benchmark database already has applications; point DATABASE_URL at an empty database.")
    notify_services.enqueue = lambda message_id: True  # the broker publish is notify's cost, not measured here
    rng = random.Random(args.seed)
    today = timezone.localdate()
    catalogue = {s.code: s for s in ApplicationService.objects.select_related("case_service")}

    # --- rule evaluations -------------------------------------------------------------------------------
    for code, make in ANSWERS.items():
        service = catalogue[code]
        sets = [make(rng, i) for i in range(args.evaluations)]
        facts = {"household_permits": 0} if code == "parking-permit" else {}
        outcomes: Counter = Counter()
        started = time.perf_counter()
        for answers in sets:
            outcomes[rules.evaluate(service, answers, today=today, facts=facts).outcome] += 1
        elapsed = time.perf_counter() - started
        rate = len(sets) / elapsed
        print(f"{code}: {len(sets):,} evaluations in {elapsed:.2f}s ({rate:,.0f}/s, "
              f"{elapsed / len(sets) * 1e6:.0f} µs each) outcomes {dict(outcomes)}")
        print(f"BENCH apply_rules.{code}.evaluations_per_second {rate:.0f} evals/s")
    service = catalogue["parking-permit"]
    sets = [permit_answers(rng, i) for i in range(max(200, args.evaluations // 10))]
    started = time.perf_counter()
    for answers in sets:
        rules.evaluate(service, answers, today=today)  # facts looked up: one COUNT per evaluation
    rate = len(sets) / (time.perf_counter() - started)
    print(f"parking-permit with the household look-up: {rate:,.0f}/s")
    print(f"BENCH apply_rules.parking-permit.evaluations_with_lookup_per_second {rate:.0f} evals/s")

    # --- application_submit --------------------------------------------------------------------------------
    Customer.objects.bulk_create([
        Customer(reference=f"CA{i:08d}", first_name="Bench", last_name=f"Applicant{i}", email=f"apply{i}@example.org",
                 address_line_1=f"{i % 400 + 1} Bench Road", postcode="OX4 1HP", date_of_birth=dt.date(1950, 1, 1))
        for i in range(args.submissions)
    ])
    customers = list(Customer.objects.filter(reference__startswith="CA").order_by("id"))
    adviser = User.objects.create_user("bench.adviser@example.org", None, roles=["adviser"], full_name="Bench Adviser")
    codes = list(ANSWERS)
    reverse("apply:application", args=["AP-WARMUP"])  # build the URL resolver once, outside the timing
    statuses: Counter = Counter()
    timings: list[float] = []
    started = time.perf_counter()
    for i, customer in enumerate(customers):
        code = codes[i % len(codes)]
        t0 = time.perf_counter()
        application = services.application_submit(
            service=catalogue[code], customer=customer, answers=ANSWERS[code](rng, i // len(codes)),
            evidence=EVIDENCE[code], channel=Channel.PHONE, by=adviser, submission_key=f"bench-{i}")
        timings.append(time.perf_counter() - t0)
        statuses[f"{code}:{application.status}"] += 1
    elapsed = time.perf_counter() - started
    made = Application.objects.count()
    rate = len(customers) / elapsed
    timings.sort()
    print(f"application_submit: {len(customers):,} in {elapsed:.2f}s ({rate:,.1f}/s; median "
          f"{timings[len(timings) // 2] * 1000:.1f} ms, p95 {timings[int(len(timings) * 0.95)] * 1000:.1f} ms)")
    print(f"outcomes: {dict(sorted(statuses.items()))}")
    print(f"BENCH apply_rules.application_submit_per_second {rate:.1f} submissions/s")
    if made != len(customers):
        sys.exit(f"expected {len(customers)} applications, found {made}")
    # Resubmitting with the same keys returns the first applications and adds nothing.
    for i, customer in enumerate(customers[:50]):
        code = codes[i % len(codes)]
        services.application_submit(service=catalogue[code], customer=customer, answers=ANSWERS[code](rng, i // len(codes)),
                                    evidence=EVIDENCE[code], channel=Channel.PHONE, by=adviser,
                                    submission_key=f"bench-{i}")
    if Application.objects.count() != made:
        sys.exit("resubmitting with the same submission keys created applications")
    print("idempotency: 50 repeated submissions created nothing")


if __name__ == "__main__":
    main()
