#!/usr/bin/env python
"""The pool of talent at scale: the co-ordinator's search over 50,000 candidates.

    .venv/bin/python bench/talent_pool.py            # 50,000 candidates, about 5 skills each
    .venv/bin/python bench/talent_pool.py --quick    # 5,000 (also BENCH_QUICK=1)

Builds its own database (var/bench/talent_pool.sqlite3 unless DATABASE_URL names one), migrates it, adds the
candidates in bulk (a fifth of them of appointable standard, a tenth with lapsed consent), then times
people.selectors.pool_search by role profile, by skills, and appointable only: median and p95 of 30 runs
each, the query count (one search is one query), and the query plan, which must use the pool's indexes.
Prints BENCH lines.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import percentile, use_bench_database  # noqa: E402

SKILLS = ["customer service", "telephone", "case management", "empathy", "administration", "minute taking",
          "microsoft office", "accuracy", "highways", "risk assessment", "driving licence", "digital skills",
          "working with children", "data analysis", "report writing", "safeguarding", "sql", "statistics",
          "assessment", "moving and handling", "social work england registration", "hcpc registration",
          "recruitment", "organisation", "data protection"] + [f"skill {n}" for n in range(200)]


def setup() -> None:
    use_bench_database("talent_pool")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("OXTOM_VAR_DIR", tempfile.mkdtemp(prefix="oxtom-bench-pool-"))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(fn, runs: int = 30) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 5_000 if args.quick or os.environ.get("BENCH_QUICK") == "1" else 50_000
    setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from oxtom.accounts.models import User
    from people import selectors
    from people.models import Candidate, CandidateSkill, RoleProfile

    rng = random.Random(14)
    coordinator = User.objects.filter(email="bench.recruitment@example.org").first() or User.objects.create_user(
        "bench.recruitment@example.org", roles=["recruitment_coordinator"])
    profiles = list(RoleProfile.objects.all())
    today = timezone.localdate()
    if Candidate.objects.count() < n:
        started = time.perf_counter()
        Candidate.objects.all().delete()
        Candidate.objects.bulk_create([
            Candidate(name=f"Bench Candidate {i}", email=f"bench.{i}@example.net", location="Oxford",
                      in_pool=True, appointable=i % 5 == 0,
                      appointable_for=profiles[i % len(profiles)] if i % 5 == 0 else None,
                      pool_consent_until=today + dt.timedelta(days=rng.randint(-40, 365)))
            for i in range(n)], batch_size=5000)
        ids = list(Candidate.objects.values_list("pk", flat=True))
        rows = []
        for pk in ids:
            for skill in set(rng.choices(SKILLS[:25], k=3) + rng.choices(SKILLS, k=2)):
                rows.append(CandidateSkill(candidate_id=pk, skill=skill))
        CandidateSkill.objects.bulk_create(rows, batch_size=10000)
        print(f"BENCH talent_pool seed candidates={n} skills={len(rows)} seconds={time.perf_counter() - started:.1f}")
    from people import pool_index
    from people.models import PoolMatch

    if not PoolMatch.objects.exists():  # bulk_create bypasses the services: build the ranking index once
        started = time.perf_counter()
        rows = pool_index.rebuild()
        print(f"BENCH talent_pool rebuild rows={rows} seconds={time.perf_counter() - started:.1f}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_candidate; ANALYZE people_candidateskill; ANALYZE people_poolmatch")
    profile = next(p for p in profiles if p.title == "Customer Service Adviser")
    searches = {
        "by-profile": dict(profile=profile),
        "by-skills": dict(skills=["safeguarding", "report writing"]),
        "appointable-for-profile": dict(profile=profile, appointable_only=True),
    }
    for name, kwargs in searches.items():
        with CaptureQueriesContext(connection) as queries:
            found = selectors.pool_search(coordinator, **kwargs)
        median, p95 = timed(lambda: selectors.pool_search(coordinator, **kwargs))
        sql = queries.captured_queries[-1]["sql"]
        with connection.cursor() as cursor:
            explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
            cursor.execute(explain + sql)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
        indexed = any(word in plan for word in ("candidate_pool_idx", "candidate_profile_idx", "unique_candidate_skill",
                                                "pool_match_rank_idx", "unique_pool_match"))
        print(f"BENCH talent_pool search={name} candidates={n} found={len(found)} queries={len(queries)} "
              f"median_ms={median:.1f} p95_ms={p95:.1f} uses_index={indexed} vendor={connection.vendor}")
        print(f"  plan: {plan[:600]}")


if __name__ == "__main__":
    main()
