#!/usr/bin/env python
"""The weekly scoring of 100,000 MASH referrals, end to end through the database: seconds, memory, queries.

`bench/risk_model.py` scores a DataFrame in memory; this one runs what the Monday beat runs
(`insight.services.risk_scores_compute`) against referrals stored on the case engine. It seeds (once;
`--reuse` keeps them) 100,000 fictional referrals with their engine cases by bulk insert, over about
45,000 children with one to five referrals each, received in the last seven and a half weeks, nine in ten screened and
closed (so every one is open or closed within the scoring's eight weeks and all are scored). It trains a
small version on the synthetic generator, signs it off, then scores the week in a child process of its
own, twice: once plain (seconds, the child's peak resident size, queries) and once under tracemalloc
(peak traced Python and numpy memory). Each pass starts from an unscored week. Figures only; no timing
is asserted. Exits 1 if a pass did not score every referral.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oxtom_h4_bench .venv/bin/python bench/risk_scoring.py
    BENCH_QUICK=1 ... (10,000 referrals)          --reuse (keep the seeded referrals)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._support import use_bench_database  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
BATCH = 5000


def _django(keep: bool) -> None:
    use_bench_database("risk_scoring", keep=keep)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    import django

    django.setup()


def seed(n: int) -> None:
    import datetime as dt

    import numpy as np
    from django.db import connection
    from django.utils import timezone

    from insight import risk, services
    from insight.models import Referral, RiskModelVersion
    from oxtom.accounts.models import TeamMembership, User
    from oxtom.cases.models import Case, Outcome, Status

    from insight.services.mash import mash_service

    service = mash_service()
    maya, _ = User.objects.get_or_create(email="bench.maya@example.org", defaults={
        "full_name": "Bench Mash", "roles": ["mash_officer"]})
    lee, _ = User.objects.get_or_create(email="bench.lee@example.org", defaults={
        "full_name": "Bench Lee", "roles": ["safeguarding_manager"]})
    bi, _ = User.objects.get_or_create(email="bench.bi@example.org", defaults={
        "full_name": "Bench Analyst", "roles": ["bi_analyst"]})
    for user, leader in ((maya, False), (lee, True)):
        TeamMembership.objects.get_or_create(team=service.team, user=user, defaults={"is_leader": leader})
    if not RiskModelVersion.objects.filter(signed_off_at__isnull=False).exists():
        started = time.perf_counter()
        version = services.risk_model_train(
            df=risk.generate_referrals(20_000, unfair=False), hypothesis="History and partners' flags predict "
            "re-referral.", by=bi, grid={"max_depth": [3], "learning_rate": [0.1], "max_iter": [100]})
        # The bias checks are not what this bench measures: mark them passed so the version can run.
        RiskModelVersion.objects.filter(pk=version.pk).update(passed_bias_checks=True)
        version.refresh_from_db()
        services.risk_model_sign_off(version=version, by=lee)
        print(f"trained and signed off a version in {time.perf_counter() - started:.1f}s")
    have = Referral.objects.count()
    if have >= n:
        print(f"reusing {have:,} referrals")
        return
    rng = np.random.default_rng(17)
    now = timezone.now()
    today = timezone.localdate()
    started = time.perf_counter()
    made, child = have, have
    outcomes = [Referral.Screening.NO_FURTHER_ACTION, Referral.Screening.EARLY_HELP, Referral.Screening.ASSESSMENT]
    while made < n:
        cases, referrals = [], []
        while len(cases) < BATCH and made + len(cases) < n:
            child += 1
            visits = min(int(rng.integers(1, 6)) if child % 5 == 0 else int(rng.integers(1, 3)),
                         n - made - len(cases))
            born = today - dt.timedelta(days=int(rng.integers(365, 17 * 365)))
            decile, risky = int(rng.integers(1, 11)), child % 5 == 0
            for visit in range(visits):
                received = now - dt.timedelta(days=int(52 - 45 * (visit + 1) / (visits + 1)),
                                              hours=int(rng.integers(0, 24)))
                closed = rng.random() < 0.9
                i = made + len(cases)
                cases.append(Case(
                    reference=f"SGB-{i:09d}", service=service, team_id=service.team_id, requested_by=maya,
                    status=Status.CLOSED if closed else Status.NEW, priority=1, title="Safeguarding referral",
                    safeguarding=True, special_category=True, channel="phone", received_at=received,
                    due_at=received.date() + dt.timedelta(days=1), outcome=Outcome.COMPLETED if closed else "",
                    closed_at=received + dt.timedelta(days=int(rng.integers(1, 6))) if closed else None))
                referrals.append(dict(
                    referrer_name="Bench Referrer", referrer_agency="police", child_key=f"B-{child:08d}",
                    child_name="Bench Child", child_date_of_birth=born, child_sex=("female", "male")[child % 2],
                    child_ethnicity="ABCDE"[int(rng.choice(5, p=[0.7, 0.1, 0.08, 0.07, 0.05]))],
                    child_disability=bool(rng.random() < 0.08), deprivation_decile=decile,
                    concerns="A fictional concern for the bench.", police_flag=risky or bool(rng.random() < 0.1),
                    school_flag=bool(rng.random() < (0.4 if risky else 0.1)), health_flag=bool(rng.random() < 0.07),
                    screening_outcome=outcomes[visit % 3] if closed else "", screened_by=maya if closed else None,
                    screened_at=received if closed else None))
        Case.objects.bulk_create(cases, batch_size=BATCH)
        Referral.objects.bulk_create([Referral(case=c, **r) for c, r in zip(cases, referrals)], batch_size=BATCH)
        made += len(cases)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"seeded {made - have:,} referrals with their cases over {child - have:,} children in "
          f"{time.perf_counter() - started:.1f}s")


def score_once(traced: bool) -> dict:
    """Run in a child process: score this week from scratch and report what it cost."""
    import resource
    import tracemalloc

    from django.db import connection

    from insight import services
    from insight.models import Referral, ScoringRun

    from insight.models import RiskScore

    with connection.cursor() as cursor:  # an unscored week; in SQL, as the ORM's cascade would load every score
        cursor.execute(f"DELETE FROM {RiskScore._meta.db_table}")
        cursor.execute(f"DELETE FROM {ScoringRun._meta.db_table}")
    referrals = Referral.objects.count()
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        run = services.risk_scores_compute()
    seconds = time.perf_counter() - started
    peak_traced = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    return {"referrals": referrals, "scored": run.scored if run else 0, "flagged": run.flagged if run else 0,
            "seconds": seconds, "queries": queries, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_mb": base_rss / 1024, "traced_mb": peak_traced / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=10_000 if QUICK else 100_000)
    parser.add_argument("--reuse", action="store_true", help="keep the referrals already seeded")
    parser.add_argument("--child", choices=["plain", "traced"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _django(keep=True)
        print(json.dumps(score_once(args.child == "traced")))
        return
    path = use_bench_database("risk_scoring", keep=args.reuse)
    _django(keep=True)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(args.referrals)
    env = dict(os.environ)
    if path is None:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    results = {}
    for kind in ("plain", "traced"):
        out = subprocess.run([sys.executable, __file__, "--child", kind], env=env, check=True,
                             capture_output=True, text=True).stdout
        results[kind] = json.loads(out.strip().splitlines()[-1])
    plain, traced = results["plain"], results["traced"]
    print(f"scored {plain['scored']:,} of {plain['referrals']:,} referrals ({plain['flagged']:,} closed and flagged) "
          f"in {plain['seconds']:.1f}s ({plain['scored'] / plain['seconds']:,.0f}/s) with {plain['queries']} queries; "
          f"peak resident size {plain['rss_mb']:.0f} MB (Django loaded: {plain['rss_before_mb']:.0f} MB)")
    print(f"under tracemalloc: {traced['seconds']:.1f}s, peak traced memory {traced['traced_mb']:.0f} MB")
    print(f"BENCH risk_weekly_scoring_seconds {plain['seconds']:.1f} s")
    print(f"BENCH risk_weekly_scoring_queries {plain['queries']} queries")
    print(f"BENCH risk_weekly_scoring_peak_rss {plain['rss_mb']:.0f} MB")
    print(f"BENCH risk_weekly_scoring_peak_traced {traced['traced_mb']:.0f} MB")
    if plain["scored"] != plain["referrals"] or traced["scored"] != traced["referrals"]:
        print("not every referral was scored", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
