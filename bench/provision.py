#!/usr/bin/env python
"""The provision cycle at county scale: a year's spend import, the hub's reports over five years, OCDS.

    .venv/bin/python bench/provision.py            # 164,000 lines a year, 5 years, 5,000 contracts
    .venv/bin/python bench/provision.py --quick    # 20,000 lines a year (also BENCH_QUICK=1)

Builds its own database (var/bench/provision.sqlite3 unless DATABASE_URL names one), migrates it, adds
4,500 suppliers and 5,000 contracts through the services, imports five years of accounts-payable spend
through the real import (one file a year, as the finance system exports it), then times:
- the import of the latest year (rows/s, peak memory of the process);
- the dashboard and the off-contract report (median and p95 of 20 runs, and their query counts at 1 and
  5 years of spend, which must be equal);
- the OCDS release package for every contract, streamed (seconds, peak memory, bytes).
Prints BENCH lines.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import percentile, use_bench_database  # noqa: E402


def setup() -> None:
    use_bench_database("provision")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("OXTOM_VAR_DIR", tempfile.mkdtemp(prefix="oxtom-bench-provision-"))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # on only for the embedded defaults; query logging would distort the figures
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, runs: int = 20) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 95)


def year_file(year_start: dt.date, lines: int, suppliers: list, rng: random.Random, first_number: int) -> bytes:
    from provision import imports
    from provision.models import SpendKind

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.COLUMNS[SpendKind.PAYABLE])
    for i in range(lines):
        supplier = suppliers[min(int(rng.paretovariate(1.2)) - 1, len(suppliers) - 1)]
        invoice = year_start + dt.timedelta(days=rng.randint(0, 330))
        paid = invoice + dt.timedelta(days=rng.choice((10, 20, 28, 29, 35, 45, 70)))
        writer.writerow([f"AP{first_number + i}", invoice.isoformat(), paid.isoformat(), supplier.finance_id,
                         supplier.name, f"{rng.lognormvariate(7, 1.6):.2f}", "0.00", f"CC{rng.randint(1, 400)}",
                         rng.choice(("Adult Social Care", "Children's Services", "Environment and Highways",
                                     "Resources")), "Services", rng.choice(("", "", "", f"PO{rng.randint(1, 9000)}"))])
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    per_year = 20_000 if quick else 164_000
    n_suppliers, n_contracts = (900, 1_000) if quick else (4_500, 5_000)
    setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from oxtom.accounts.models import User
    from oxtom.customers.services import customer_bulk_create
    from oxtom.customers.models import Customer
    from provision import imports, publication, rules, selectors
    from provision.models import Category, Contract, PurchaseOrder, SpendKind, Supplier, name_block_of

    rng = random.Random(2025)
    hub = User.objects.create_user("bench.hub@example.org", roles=["provision_officer"])
    vendor = connection.vendor
    started = time.perf_counter()
    customer_bulk_create(rows=[{"kind": "organisation", "organisation_name": f"Bench Supplier {i} Ltd",
                                "email": f"s{i}@example.org", "postcode": f"OX{rng.randint(1, 29)} 1AA"}
                               for i in range(n_suppliers)])
    customers = list(Customer.objects.filter(organisation_name__startswith="Bench Supplier").order_by("id"))
    Supplier.objects.bulk_create([Supplier(customer=c, name=c.organisation_name, finance_id=f"B{i:05d}",
                                           name_block=name_block_of(c.organisation_name), postcode=c.postcode, is_sme=i % 3 == 0, is_vcse=i % 11 == 0)
                                  for i, c in enumerate(customers)], batch_size=2000)
    suppliers = list(Supplier.objects.order_by("id"))
    categories = list(Category.objects.all())
    today = timezone.localdate()
    contracts = []
    for i in range(n_contracts):
        start = today - dt.timedelta(days=rng.randint(30, 2500))
        end = start + dt.timedelta(days=rng.randint(365, 3000))
        value = int(rng.lognormvariate(12, 1.5)) * 100
        contracts.append(Contract(reference=f"BC-{i:05d}", title=f"Bench contract {i}", category=rng.choice(categories),
                                  directorate="Resources", route="open", awarded_value_pence=value,
                                  current_value_pence=value, start_date=start, end_date=end, original_end_date=end,
                                  cost_centres=[f"CC{rng.randint(1, 400)}"]))
    Contract.objects.bulk_create(contracts, batch_size=2000)
    contracts = list(Contract.objects.order_by("id"))
    through = Contract.suppliers.through
    through.objects.bulk_create([through(contract=c, supplier=suppliers[min(int(rng.paretovariate(1.2)) - 1,
                                                                               len(suppliers) - 1)])
                                 for c in contracts], batch_size=5000)
    PurchaseOrder.objects.bulk_create([PurchaseOrder(number=f"PO{i}", contract=rng.choice(contracts))
                                       for i in range(1, 9001)], batch_size=5000)
    print(f"set up {n_suppliers} suppliers and {n_contracts} contracts in {time.perf_counter() - started:.1f}s")

    def report_counts():
        with CaptureQueriesContext(connection) as dash:
            selectors.dashboard()
        with CaptureQueriesContext(connection) as off:
            selectors.off_contract_report(month=today.replace(day=1) - dt.timedelta(days=1))
        return len(dash), len(off)

    counts_at = {}
    for year in range(5, 0, -1):
        year_start = rules.add_months(today.replace(day=1), -12 * year)
        data = year_file(year_start, per_year, suppliers, rng, first_number=year * 1_000_000)
        memory_before = peak_mb()
        started = time.perf_counter()
        report = imports.spend_import(data=data, file_name=f"ap-{year_start.year}.csv", kind=SpendKind.PAYABLE, by=hub)
        elapsed = time.perf_counter() - started
        if year == 5:
            counts_at[1] = report_counts()
        if year == 1:
            print(f"BENCH provision.{vendor}.import.rows {report.stored} rows")
            print(f"BENCH provision.{vendor}.import.per_second {report.stored / elapsed:.0f} rows/s")
            print(f"BENCH provision.{vendor}.import.seconds {elapsed:.1f} s")
            print(f"BENCH provision.{vendor}.import.peak_memory {max(peak_mb(), memory_before):.0f} MB")
            print(f"BENCH provision.{vendor}.import.file_size {len(data) / 1e6:.1f} MB")
        else:
            print(f"imported year -{year}: {report.stored} lines in {elapsed:.1f}s")
    counts_at[5] = report_counts()
    print(f"BENCH provision.{vendor}.spend_lines_total {per_year * 5} rows")
    dash = timed(lambda: selectors.dashboard())
    off = timed(lambda: selectors.off_contract_report(month=today.replace(day=1) - dt.timedelta(days=1)))
    print(f"BENCH provision.{vendor}.dashboard.median {dash[0]:.0f} ms")
    print(f"BENCH provision.{vendor}.dashboard.p95 {dash[1]:.0f} ms")
    print(f"BENCH provision.{vendor}.off_contract.median {off[0]:.0f} ms")
    print(f"BENCH provision.{vendor}.off_contract.p95 {off[1]:.0f} ms")
    print(f"BENCH provision.{vendor}.queries_constant {int(counts_at[1] == counts_at[5])} bool "
          f"(dashboard, off-contract: {counts_at[1]} at 1 year, {counts_at[5]} at 5)")
    memory_before = peak_mb()
    started = time.perf_counter()
    size = sum(len(chunk.encode()) for chunk in publication.ocds_package_chunks())
    elapsed = time.perf_counter() - started
    print(f"BENCH provision.{vendor}.ocds.contracts {n_contracts} contracts")
    print(f"BENCH provision.{vendor}.ocds.seconds {elapsed:.1f} s")
    print(f"BENCH provision.{vendor}.ocds.megabytes {size / 1e6:.1f} MB")
    print(f"BENCH provision.{vendor}.ocds.peak_memory {max(peak_mb(), memory_before):.0f} MB")


if __name__ == "__main__":
    main()
