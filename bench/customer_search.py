#!/usr/bin/env python
"""Customer search at county scale: bulk-insert rate and search latency per kind of query.

    .venv/bin/python bench/customer_search.py --customers 700000

Builds its own database (default: a SQLite file, var/bench/customers.sqlite3,
recreated each run; DATABASE_URL is honoured, e.g. a PostgreSQL database of
your own), migrates it, inserts generated customers through
customers.services.customer_bulk_create, then times customers.selectors.
customer_search for each kind of query an adviser types. Prints rows/s for
the insert and median / p95 / max milliseconds per kind, and how often the
customer the query was made from is among the results.

Not part of the test suite: it takes minutes at full size.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import percentile, use_bench_database  # noqa: E402

# Fictional-but-realistic data: common British first names and surnames, weighted
# roughly by frequency (Smith is ~1.2% of the population), Oxfordshire postcodes.
FIRST_NAMES = (
    "Oliver George Harry Jack Jacob Noah Charlie Muhammad Thomas Oscar William James Henry Leo Alfie Joshua "
    "Freddie Archie Ethan Isaac Alexander Joseph Edward Samuel Max Daniel Arthur Lucas Mohammed Logan David "
    "John Michael Paul Peter Robert Richard Stephen Andrew Mark Christopher Anthony Ian Gary Kevin Simon "
    "Olivia Amelia Isla Ava Emily Isabella Mia Poppy Ella Lily Jessica Sophie Grace Evie Sophia Ruby Chloe "
    "Charlotte Freya Alice Florence Mary Margaret Susan Sarah Elizabeth Patricia Linda Karen Helen Julie "
    "Catherine Kathryn Claire Rachel Emma Hannah Laura Rebecca Amy Lucy Zara Aisha Priya Fatima Siobhan Niamh "
    "Rhys Dylan Owen Gareth Sian Megan Callum Fraser Ewan Morag"
).split()
SURNAMES = [
    ("Smith", 120), ("Jones", 80), ("Williams", 60), ("Taylor", 55), ("Brown", 55), ("Davies", 45), ("Evans", 40),
    ("Wilson", 35), ("Thomas", 35), ("Johnson", 35), ("Roberts", 32), ("Robinson", 25), ("Thompson", 25),
    ("Wright", 25), ("Walker", 24), ("White", 24), ("Edwards", 22), ("Hughes", 22), ("Green", 22), ("Hall", 21),
    ("Lewis", 21), ("Harris", 21), ("Clarke", 20), ("Patel", 20), ("Jackson", 19), ("Wood", 19), ("Turner", 18),
    ("Martin", 18), ("Cooper", 18), ("Hill", 18), ("Ward", 17), ("Morris", 17), ("Moore", 17), ("Clark", 17),
    ("Lee", 16), ("King", 16), ("Baker", 16), ("Harrison", 16), ("Morgan", 15), ("Allen", 15), ("James", 15),
    ("Scott", 14), ("Phillips", 14), ("Watson", 14), ("Davis", 14), ("Parker", 13), ("Price", 13),
    ("Bennett", 13), ("Young", 13), ("Griffiths", 13), ("Mitchell", 12), ("Kelly", 12), ("Cook", 12),
    ("Carter", 12), ("Richardson", 12), ("Bailey", 12), ("Collins", 12), ("Bell", 12), ("Shaw", 11),
    ("Murphy", 11), ("Miller", 11), ("Cox", 11), ("Richards", 11), ("Khan", 11), ("Marshall", 11),
    ("Anderson", 10), ("Simpson", 10), ("Ellis", 10), ("Adams", 10), ("Singh", 10), ("Begum", 10),
    ("Wilkinson", 10), ("Foster", 10), ("Chapman", 10), ("Powell", 9), ("Webb", 9), ("Rogers", 9),
    ("Gray", 9), ("Mason", 9), ("Ali", 9), ("Hunt", 9), ("Hussain", 9), ("Campbell", 9), ("Matthews", 9),
    ("Owen", 9), ("Palmer", 8), ("Holmes", 8), ("Mills", 8), ("Barnes", 8), ("Knight", 8), ("Lloyd", 8),
    ("Butler", 8), ("Russell", 8), ("Barker", 8), ("Fisher", 8), ("Stevens", 8), ("Jenkins", 8),
    ("Murray", 8), ("Dixon", 8), ("Harvey", 8), ("McDonald", 6), ("MacDonald", 3), ("Smyth", 2),
    ("O'Brien", 4), ("Smith-Jones", 1), ("Cunningham", 4), ("Fitzgerald", 3), ("Reid", 5), ("Reed", 4),
    ("Stephenson", 4), ("Stevenson", 4), ("Thomson", 4), ("Kowalski", 2), ("Nowak", 2), ("Okafor", 2),
    ("Adeyemi", 2), ("Chen", 3), ("Wang", 2), ("Nguyen", 2), ("Ahmed", 6), ("Rahman", 3), ("Das", 2),
]
# Surnames as an adviser might hear and type them: none is a stored spelling's prefix, all sound like
# common ones (the "Smyth", "Willson", "Yung" among them).
SOUND_ALIKES = ("Smyth", "Willson", "Yung", "Smithe", "Jonez", "Tailer", "Broun", "Davys", "Wrigt", "Thomsen",
                "Robertes", "Jonson", "Harriss", "Clerk", "Pattel", "Mooer", "Kinng", "Baiker")
OUTWARD = [f"OX{n}" for n in (*range(1, 19), 20, 25, 26, 27, 28, 29, 33, 39, 44, 49)]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
STREETS = "High Street|Church Lane|Station Road|Mill Lane|The Green|London Road|Banbury Road|Woodstock Road|Abingdon Road|Cowley Road|Iffley Road|Witney Road".split("|")
TOWNS = "Oxford|Banbury|Bicester|Witney|Abingdon|Didcot|Wantage|Henley-on-Thames|Thame|Wallingford|Carterton|Chipping Norton".split("|")
DOMAINS = ("example.org", "example.com", "example.net")


def make_rows(n: int, rng: random.Random):
    surnames, weights = zip(*SURNAMES)
    cumulative = []
    total = 0
    for w in weights:
        total += w
        cumulative.append(total)
    start = date(1925, 1, 1)
    span = (date(2008, 12, 31) - start).days
    for i in range(n):
        first = rng.choice(FIRST_NAMES)
        last = rng.choices(surnames, cum_weights=cumulative)[0]
        postcode = f"{rng.choice(OUTWARD)} {rng.randint(0, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        has_email, has_phone = rng.random() < 0.85, rng.random() < 0.75
        key = "".join(ch for ch in last.lower() if ch.isalpha())
        yield {
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{key}{i}@{rng.choice(DOMAINS)}" if has_email else "",
            # E.164 mobiles in a local, never-contacted benchmark database.
            "phone": f"+447{rng.choice('789')}{rng.randint(10000000, 99999999)}" if has_phone else "",
            "date_of_birth": start + timedelta(days=rng.randrange(span)) if rng.random() < 0.8 else None,
            "address_line_1": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
            "town": rng.choice(TOWNS),
            "postcode": postcode,
            "preferred_channel": "email" if has_email else ("sms" if has_phone else "post"),
        }


def misspell(name: str, rng: random.Random) -> str:
    """A 'sounds the same' spelling: swap a vowel after the first letter (Smith -> Smyth-like)."""
    letters = list(name)
    positions = [i for i, ch in enumerate(letters) if i > 0 and ch.lower() in "aeiouy"]
    if not positions:
        return name + "e"
    i = rng.choice(positions)
    letters[i] = rng.choice([v for v in "aeiouy" if v != letters[i].lower()])
    return "".join(letters)



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    quick = os.environ.get("BENCH_QUICK") == "1"  # run_all.py --quick: prove it still runs
    parser.add_argument("--customers", type=int, default=20_000 if quick else 700_000)
    parser.add_argument("--searches", type=int, default=30 if quick else 200, help="searches per kind")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20250501)
    parser.add_argument("--reuse", action="store_true", help="keep an existing benchmark database if it has rows")
    parser.add_argument("--no-migrate", action="store_true",
                        help="measure the reused database's indexes as they are (a before/after comparison)")
    parser.add_argument("--explain", action="store_true", help="print the query plan of one search per kind")
    args = parser.parse_args()

    use_bench_database("customers", keep=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from oxtom.accounts.models import User
    from oxtom.customers.models import Customer
    from oxtom.customers.selectors import customer_search
    from oxtom.customers.services import customer_bulk_create

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if not args.no_migrate:
        call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)

    existing = Customer.objects.count()
    if existing and not args.reuse:
        sys.exit(f"The benchmark database already has {existing} customers; point DATABASE_URL at an empty "
                 "database or pass --reuse.")
    if not existing:
        generating = [0.0]

        def timed_rows():
            """Generated rows, keeping the time spent generating them out of the insert figure."""
            source = make_rows(args.customers, rng)
            while True:
                t = time.perf_counter()
                row = next(source, None)
                generating[0] += time.perf_counter() - t
                if row is None:
                    return
                yield row

        if connection.vendor == "sqlite":
            # A bulk load touches seven B-tree indexes at random; SQLite's default 2 MB page
            # cache makes that disk-bound long before 700k rows. (seed_demo may do the same.)
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")  # 256 MB, this connection only
        started = time.perf_counter()
        inserted = customer_bulk_create(rows=timed_rows(), batch_size=args.batch_size)
        elapsed = time.perf_counter() - started
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -2000")  # searches run with the default cache
        inserting = elapsed - generating[0]
        print(f"inserted {inserted:,} customers in {inserting:.1f}s (+{generating[0]:.1f}s generating them): "
              f"{inserted / inserting:,.0f} rows/s through customer_bulk_create (batch size {args.batch_size})")
        print(f"BENCH customer_search.{connection.vendor}.insert_rows_per_second {inserted / inserting:.0f} rows/s")
    else:
        print(f"reusing {existing:,} customers")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE customers_customer")

    # Sample customers to build queries from (random ids, not a table scan).
    max_id = Customer.objects.order_by("-id").values_list("id", flat=True).first()
    ids = rng.sample(range(1, max_id + 1), min(args.searches * 3, max_id))
    sample = list(Customer.objects.filter(id__in=ids)[: args.searches])
    adviser = User(email="bench@example.org", roles=["adviser"])  # unsaved: search only checks roles

    def national(e164: str) -> str:
        return f"0{e164[3:7]} {e164[7:]}"

    kinds = {
        "name (first last)": lambda c: f"{c.first_name} {c.last_name}",
        "name (last only)": lambda c: c.last_name,
        "partial name": lambda c: f"{c.first_name[0]} {c.last_name[:3]}",
        "fuzzy name": lambda c: f"{c.first_name} {misspell(c.last_name, rng)}",
        # A surname alone that is spelt unlike any stored one but sounds like common ones: the
        # prefix branch finds little, so the phonetic branch has to fill the page in name order.
        "sound-alike surname": lambda c: rng.choice(SOUND_ALIKES),
        "misspelt surname": lambda c: misspell(c.last_name, rng),
        "name + postcode": lambda c: f"{c.first_name} {c.last_name} {c.postcode}",
        "name + outward": lambda c: f"{c.last_name} {c.postcode.split()[0]}",
        "name + DOB": lambda c: f"{c.last_name} {c.date_of_birth:%d/%m/%Y}" if c.date_of_birth else None,
        "postcode": lambda c: c.postcode.lower().replace(" ", ""),
        "outward postcode": lambda c: c.postcode.split()[0],
        "email": lambda c: c.email.upper() if c.email else None,
        "phone": lambda c: national(c.phone) if c.phone else None,
        "date of birth": lambda c: c.date_of_birth.strftime("%d/%m/%Y") if c.date_of_birth else None,
        "reference": lambda c: c.reference.lower(),
    }
    # Warm up (connections, caches, imports) so the first kind isn't penalised.
    for c in sample[:20]:
        customer_search(user=adviser, query=c.last_name)

    print(f"\n{'kind':<20}{'n':>5}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}{'found':>8}{'avg rows':>10}")
    worst_p95 = 0.0
    for kind, make_query in kinds.items():
        timings, found, rows = [], 0, 0
        for customer in sample:
            query = make_query(customer)
            if not query:
                continue
            started = time.perf_counter()
            result = customer_search(user=adviser, query=query)
            timings.append((time.perf_counter() - started) * 1000)
            rows += len(result.customers)
            found += any(r.pk == customer.pk for r in result.customers)
        if not timings:
            continue
        p95 = percentile(timings, 95)
        worst_p95 = max(worst_p95, p95)
        print(f"{kind:<20}{len(timings):>5}{statistics.median(timings):>11.2f}{p95:>9.2f}{max(timings):>9.2f}"
              f"{found / len(timings):>8.0%}{rows / len(timings):>10.1f}")
        slug = re.sub(r"[^a-z0-9]+", "_", kind.lower()).strip("_")
        print(f"BENCH customer_search.{connection.vendor}.{slug}.p95 {p95:.2f} ms")
        if args.explain:
            from django.test.utils import CaptureQueriesContext

            example = next(q for q in map(make_query, sample) if q)
            with CaptureQueriesContext(connection) as ctx:
                customer_search(user=adviser, query=example)
            for q in ctx.captured_queries:
                with connection.cursor() as cursor:
                    cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + q["sql"])
                    print("    ", " | ".join(str(r[-1] if connection.vendor == "sqlite" else r[0]) for r in cursor.fetchall()))
    print(f"\nworst p95: {worst_p95:.1f} ms (target < 200 ms at 700k)")
    print(f"BENCH customer_search.{connection.vendor}.customers {Customer.objects.count()} customers")
    print(f"BENCH customer_search.{connection.vendor}.worst_p95 {worst_p95:.2f} ms")
    print("'found' = share of searches whose source customer is in the first 20 results; name searches "
          "for common names (John Smith) legitimately have more than 20 matches.")


if __name__ == "__main__":
    main()
