#!/usr/bin/env python
"""The community directory at county scale: 20,000 services, 100,000 events.

    .venv/bin/python bench/community_directory.py          # 20,000 services, 100,000 events
    BENCH_QUICK=1 .venv/bin/python bench/community_directory.py   # 4,000 and 20,000

Builds its own database (var/bench/community_directory.sqlite3; DATABASE_URL is honoured),
bulk-inserts organisations, places clustered round the county's towns, services with needs and
opening times and their events, then measures:

(a) "near a postcode" search (community.selectors.search_services with a point and needs) at random
    points: median and p95 ms, and the query plan of its window query (must use sal_nearby);
(b) the find page and /openreferral/services through the test client: queries per page at page 1
    and page 200 (must be equal) and p95 ms;
(c) /openreferral/service_at_locations?postcode=&proximity= p95 ms.
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import percentile, use_bench_database  # noqa: E402

TOWNS = [(51.752, -1.258, 0.030), (52.062, -1.340, 0.015), (51.900, -1.153, 0.012), (51.785, -1.485, 0.012),
         (51.671, -1.283, 0.012), (51.607, -1.241, 0.012), (51.746, -1.096, 0.010), (51.599, -1.125, 0.008)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK"):
        args.services, args.events, args.probes = 4_000, 20_000, 150
    use_bench_database("community_directory")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from community.models import Event, Location, Organisation, Schedule, Service, ServiceAtLocation, TaxonomyTerm
    from community.selectors import METRES_PER_MILE, Filters, search_services
    from oxtom.places.services import postcode_centroids_load

    settings.ALLOWED_HOSTS = ["*"]
    vendor = connection.vendor
    print(f"database: {vendor}")
    call_command("migrate", verbosity=0)
    postcode_centroids_load()
    rng = random.Random(2026)
    now = timezone.now()
    terms = list(TaxonomyTerm.objects.all())
    t0 = time.perf_counter()
    orgs = Organisation.objects.bulk_create([Organisation(name=f"Group {i}", description="Bench group")
                                             for i in range(args.services // 4)])
    places = []
    for i in range(args.services // 2):
        lat, lon, spread = rng.choice(TOWNS)
        places.append(Location(organisation=rng.choice(orgs), name=f"Hall {i}", address_1="1 Road", city="Town",
                               postcode="OX1 1AA", latitude=rng.gauss(lat, spread), longitude=rng.gauss(lon, spread * 1.6)))
    places = Location.objects.bulk_create(places, batch_size=2000)
    services = Service.objects.bulk_create([
        Service(organisation=rng.choice(orgs), name=f"Service {i}", description="Bench service", confirmed_at=now,
                is_free=rng.random() < 0.7, minimum_age=rng.choice([None, 0, 18, 60]))
        for i in range(args.services)], batch_size=2000)
    through = Service.terms.through
    through.objects.bulk_create([through(service_id=s.pk, taxonomyterm_id=t.pk) for s in services
                                 for t in rng.sample(terms, 2)], batch_size=5000)
    sals = ServiceAtLocation.objects.bulk_create([
        ServiceAtLocation(service=s, location=loc, latitude=loc.latitude, longitude=loc.longitude)
        for s in services for loc in rng.sample(places, rng.choice([1, 1, 2]))], batch_size=5000)
    Schedule.objects.bulk_create([Schedule(service=s, weekday=rng.randrange(7), opens_at="10:00", closes_at="12:00")
                                  for s in services], batch_size=5000)
    import datetime as dt

    events = []
    for i in range(args.events):
        sal = rng.choice(sals)
        starts = now + dt.timedelta(hours=rng.randrange(1, 24 * 120))
        events.append(Event(service_id=sal.service_id, location_id=sal.location_id, title="Bench event",
                            starts_at=starts, ends_at=starts + dt.timedelta(hours=2), capacity=20))
    Event.objects.bulk_create(events, batch_size=5000)
    print(f"seeded {len(services):,} services at {len(sals):,} places, {len(events):,} events "
          f"in {time.perf_counter() - t0:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # (a) near a postcode, with needs
    def probe():
        lat, lon, spread = rng.choice(TOWNS)
        return Filters(point=(rng.gauss(lat, spread), rng.gauss(lon, spread)), radius_m=3 * METRES_PER_MILE,
                       needs=(rng.choice(terms).code,))

    with CaptureQueriesContext(connection) as captured:
        search_services(probe())
    window = [q["sql"] for q in captured.captured_queries if "flat_d2" in q["sql"] and "ORDER BY" in q["sql"]][0]
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN QUERY PLAN " if vendor == "sqlite" else "EXPLAIN ") + window)
        plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    print("near-me window query plan:\n  " + "\n  ".join(plan))
    print("uses sal_nearby:", any("sal_nearby" in line for line in plan))
    times = []
    for _ in range(args.probes):
        f = probe()
        t = time.perf_counter()
        search_services(f)
        times.append((time.perf_counter() - t) * 1000)
    print(f"BENCH community.{vendor}.near_search.p95_ms {percentile(times, 95):.1f} ms "
          f"(median {statistics.median(times):.1f})")

    # (b) constant queries per page
    client = Client()

    def page_cost(url):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            ms = (time.perf_counter() - t) * 1000
        assert response.status_code == 200, (url, response.status_code)
        return len(ctx), ms

    for base in ("/openreferral/services?per_page=50&page=", "/community/?q=Service&page="):
        q1, _ = page_cost(base + "1")
        q200, _ = page_cost(base + "200")
        ms = [page_cost(base + str(rng.randrange(1, 200)))[1] for _ in range(30)]
        print(f"BENCH community.{vendor}.{base.split('?')[0].strip('/').replace('/', '_')}.queries "
              f"page1={q1} page200={q200}; p95 {percentile(ms, 95):.0f} ms")
    ms = [page_cost("/openreferral/service_at_locations?postcode=OX4+1AB&proximity=3000")[1] for _ in range(30)]
    print(f"BENCH community.{vendor}.oruk_service_at_locations_near.p95_ms {percentile(ms, 95):.0f} ms")


if __name__ == "__main__":
    main()
