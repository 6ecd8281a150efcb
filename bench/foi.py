#!/usr/bin/env python
"""Disclosure log search over 50,000 published FOI responses, on PostgreSQL full-text search.

    DATABASE_URL=postgres://…/oxtom_bench .venv/bin/python bench/foi.py            # 50,000 responses
    DATABASE_URL=… .venv/bin/python bench/foi.py --responses 5000                   # quicker

Needs PostgreSQL (the GIN index is PostgreSQL's; SQLite searches with LIKE and is not what production
runs). Migrates the database, adds the responses in bulk (realistic words: topics, services, years,
figures), times the public search (bas/foi/selectors.search_log) for a set of queries residents type,
20 runs each (median and p95 over all), and prints the query plan, which must use the index
foi_published_search_vector (a GIN index on the stored tsvector). The rows it adds are removed at the end. Prints BENCH lines.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import percentile  # noqa: E402

TOPICS = ("potholes", "agency staff", "school transport", "air quality", "street lighting", "cyber security",
          "parking fines", "children in care", "gritting", "consultants", "libraries", "bus subsidies",
          "fly-tipping", "special educational needs", "adult social care", "care homes", "council tax",
          "highways maintenance", "road closures", "speed cameras", "electric vehicle charging", "flooding",
          "tree felling", "waste contracts", "IT contracts", "staff sickness", "senior salaries", "grants",
          "youth services", "fire service", "planning applications", "minerals and waste", "rights of way")
WORDS = ("number", "spend", "cost", "contract", "supplier", "year", "month", "district", "Oxford", "Banbury",
         "Witney", "Bicester", "Abingdon", "Didcot", "Henley", "Thame", "Wallingford", "repairs", "complaints",
         "budget", "staff", "vacancies", "overtime", "incidents", "reports", "inspections", "policy", "data",
         "figures", "total", "average", "per", "annual", "quarterly", "breakdown", "category", "service")
QUERIES = ("potholes 2024", "agency staff spend", "school transport SEND", "air quality nitrogen dioxide",
           "gritting routes", "consultants", "care homes Banbury", "speed cameras Witney", "\"senior salaries\"",
           "flooding -Didcot", "electric vehicle charging points", "waste contracts supplier")


def setup() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/foi.py needs DATABASE_URL pointing at a PostgreSQL database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("OXTOM_VAR_DIR", tempfile.mkdtemp(prefix="oxtom-bench-foi-"))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n: int, rng: random.Random) -> None:
    import datetime as dt

    from bas.foi.models import PublishedResponse
    from bas.foi.services import search_document

    today = dt.date.today()
    batch = []
    for i in range(n):
        topic = rng.choice(TOPICS)
        year = rng.randint(2015, 2026)
        request = (f"Please provide the {rng.choice(WORDS)} of {topic} in {year}, by {rng.choice(WORDS)}, and the "
                   f"{rng.choice(WORDS)} {rng.choice(WORDS)} for {rng.choice(WORDS)}.")
        vocabulary = rng.sample(WORDS, 8) + [topic]  # each response talks about a few things, not everything
        response = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(60, 220)))
        response += f" In {year} the figure was {rng.randint(10, 99999):,}."
        attachments = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 300)))
        title = f"{topic.capitalize()} {year}"
        batch.append(PublishedResponse(
            reference=f"BENCH-{i:07d}", regime="eir" if topic in ("air quality", "flooding", "gritting") else "foi",
            title=title, topic=topic, request_text=request, response_text=response, attachment_text=attachments,
            outcome="granted", published_on=today - dt.timedelta(days=rng.randint(0, 3650)),
            search_document=search_document(title, request, response, attachments)))
        if len(batch) == 5000:
            PublishedResponse.objects.bulk_create(batch)
            batch = []
    PublishedResponse.objects.bulk_create(batch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    setup()
    from django.db import connection

    from bas.foi import selectors
    from bas.foi.models import PublishedResponse

    PublishedResponse.objects.filter(reference__startswith="BENCH-").delete()
    started = time.perf_counter()
    seed(args.responses, random.Random(2026))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE foi_publishedresponse")
    print(f"BENCH foi seed responses={args.responses} seconds={time.perf_counter() - started:.1f}")
    try:
        samples, per_query = [], {}
        for query in QUERIES:
            selectors.search_log(query)  # warm
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                found = selectors.search_log(query)
                times.append((time.perf_counter() - t0) * 1000)
            per_query[query] = (statistics.median(times), len(found))
            samples += times
        for query, (median, hits) in per_query.items():
            print(f"BENCH foi search query={query!r} median_ms={median:.1f} results={hits}")
        print(f"BENCH foi search all_queries median_ms={statistics.median(samples):.1f} "
              f"p95_ms={percentile(samples, 95):.1f} runs={len(samples)}")
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN SELECT id FROM foi_publishedresponse WHERE search_vector "
                "@@ websearch_to_tsquery('english', %s) ORDER BY ts_rank(search_vector, "
                "websearch_to_tsquery('english', %s)) DESC LIMIT 20", ["senior salaries"] * 2)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(plan)
        print(f"BENCH foi search uses_gin_index={'foi_published_search_vector' in plan}")
    finally:
        PublishedResponse.objects.filter(reference__startswith="BENCH-").delete()


if __name__ == "__main__":
    main()
