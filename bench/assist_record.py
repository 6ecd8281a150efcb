#!/usr/bin/env python
"""The adviser's whole-record page and search by case reference, at county-like sizes.

    .venv/bin/python bench/assist_record.py --cases 200000 --heavy-interactions 20000

Builds its own database (default: a SQLite file, var/bench/assist.sqlite3,
recreated each run; DATABASE_URL is honoured), migrates it, then creates:
- many cases spread over many customers (so the case table is big);
- one "light" customer (a few timeline entries, one case) and one "heavy"
  customer (tens of thousands of timeline entries, hundreds of cases,
  contacts and consents).
It times GET /staff/assist/customers/<ref>/ through the full Django stack
(middleware, audit write, template) for both and prints the heavy/light ratio
and the query counts, which should be equal: the page costs the same whatever
the record holds. It also times customer_search by case reference.

Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import use_bench_database  # noqa: E402


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    quick = os.environ.get("BENCH_QUICK") == "1"
    parser.add_argument("--cases", type=int, default=5_000 if quick else 200_000)
    parser.add_argument("--customers", type=int, default=2_000 if quick else 50_000)
    parser.add_argument("--heavy-interactions", type=int, default=2_000 if quick else 20_000)
    parser.add_argument("--heavy-cases", type=int, default=50 if quick else 300)
    parser.add_argument("--requests", type=int, default=10 if quick else 40)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()

    use_bench_database("assist")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from oxtom.cases.models import Case, Service
    from oxtom.accounts.models import Team, User
    from oxtom.customers import services
    from oxtom.customers.assist_defaults import seed_contact_reasons
    from oxtom.customers.models import ContactReason, Customer, Interaction
    from oxtom.customers.selectors import customer_search

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if Case.objects.exists():
        sys.exit("The benchmark database already has cases; point DATABASE_URL at an empty database.")
    rng = random.Random(args.seed)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if "oxtom.customers.middleware.AssistSessionMiddleware" not in settings.MIDDLEWARE:
        print("note: AssistSessionMiddleware is not in settings.MIDDLEWARE; timing without it")

    started = time.perf_counter()
    services.customer_bulk_create(rows=(
        {"first_name": f"Person{n}", "last_name": f"Bench{n % 997}", "postcode": "OX1 1DS",
         "email": f"bench{n}@example.org"} for n in range(args.customers)
    ))
    customer_ids = list(Customer.objects.values_list("pk", flat=True))
    team = Team.objects.create(name="Bench team", slug="bench-team")
    service = Service.objects.create(code="bench-permit", name="Parking permit", kind="application",
                                     reference_prefix="PP", team=team, sla_working_days={"normal": 10})
    alphabet = "ACDEFGHJKLMNPQRTUVWXY3479"
    now = timezone.now()
    today = timezone.localdate()

    def case_rows(count: int, customer_id_for):
        for n in range(count):
            body = "".join(rng.choice(alphabet) for _ in range(6))
            yield Case(reference=f"PP-{2020 + n % 7}-{body}", service=service, customer_id=customer_id_for(n),
                       team=team, received_at=now - timedelta(days=n % 900), due_at=today)

    def insert_cases(count: int, customer_id_for) -> list[str]:
        references = []
        batch: list[Case] = []
        for case in case_rows(count, customer_id_for):
            batch.append(case)
            if len(batch) == 2000:
                with transaction.atomic():
                    Case.objects.bulk_create(batch, ignore_conflicts=True)
                references += [c.reference for c in batch]
                batch = []
        with transaction.atomic():
            Case.objects.bulk_create(batch, ignore_conflicts=True)
        return references + [c.reference for c in batch]

    references = insert_cases(args.cases, lambda n: rng.choice(customer_ids))

    adviser = User.objects.create_user(email="bench.adviser@example.org", password="x", roles=["adviser"])
    seed_contact_reasons(ContactReason)
    reason = ContactReason.objects.first()
    light = Customer.objects.get(pk=customer_ids[0])
    heavy = Customer.objects.get(pk=customer_ids[1])
    insert_cases(1, lambda n: light.pk)
    insert_cases(args.heavy_cases, lambda n: heavy.pk)
    entries = [
        Interaction(customer=heavy, occurred_at=now - timedelta(minutes=n), channel="phone", direction="inbound",
                    kind="contact.logged", summary=f"Bench entry {n}", actor=adviser, on_behalf_of=n % 3 == 0)
        for n in range(args.heavy_interactions)
    ]
    with transaction.atomic():
        Interaction.objects.bulk_create(entries, batch_size=2000)
    for n in range(min(200, args.heavy_interactions)):
        services.contact_log(customer=heavy, reason=reason, outcome="information", channel="phone",
                             first_contact_resolved=True, by=adviser)
        services.consent_record(customer=heavy, purpose="research", granted=n % 2 == 0, wording=f"w{n}",
                                channel="phone", by=adviser)
    for n in range(3):
        services.contact_log(customer=light, reason=reason, outcome="information", channel="phone",
                             first_contact_resolved=True, by=adviser)
    print(f"seeded in {time.perf_counter() - started:.1f}s: {Case.objects.count()} cases, "
          f"{Interaction.objects.count()} timeline entries")

    client = Client()
    client.force_login(adviser)

    def time_page(customer) -> tuple[list[float], int]:
        url = f"/staff/assist/customers/{customer.reference}/"
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url} answered {response.status_code}")
        samples = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - t0)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return samples, len(captured.captured_queries)

    light_samples, light_queries = time_page(light)
    heavy_samples, heavy_queries = time_page(heavy)
    light_med, light_p95 = _ms(light_samples)
    heavy_med, heavy_p95 = _ms(heavy_samples)
    vendor = connection.vendor
    print(f"record page, light customer: median {light_med:.1f} ms, p95 {light_p95:.1f} ms, {light_queries} queries")
    print(f"record page, heavy customer ({args.heavy_interactions} entries, {args.heavy_cases} cases): "
          f"median {heavy_med:.1f} ms, p95 {heavy_p95:.1f} ms, {heavy_queries} queries")
    print(f"BENCH assist_record.{vendor}.record_p95 {heavy_p95:.1f} ms")
    print(f"BENCH assist_record.{vendor}.heavy_to_light_median_ratio {heavy_med / light_med:.2f} x")
    print(f"BENCH assist_record.{vendor}.query_count_difference {heavy_queries - light_queries} queries")

    sample = rng.sample(references, min(len(references), 200 if not quick else 30))
    search_samples = []
    found = 0
    for reference in sample:
        t0 = time.perf_counter()
        result = customer_search(user=adviser, query=reference.lower().replace("-", " "))
        search_samples.append(time.perf_counter() - t0)
        found += bool(result.customers)
    med, p95 = _ms(search_samples)
    print(f"search by case reference over {Case.objects.count()} cases: median {med:.2f} ms, p95 {p95:.2f} ms, "
          f"found {found}/{len(sample)}")
    print(f"BENCH assist_record.{vendor}.case_reference_search_p95 {p95:.2f} ms")
    if heavy_queries != light_queries or found != len(sample):
        sys.exit("query counts differ between light and heavy records, or a case reference was not found")


if __name__ == "__main__":
    main()
