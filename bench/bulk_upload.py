#!/usr/bin/env python
"""Bulk data uploads: checking a 50,000-row SEN pupil file against its declared schema (pandera).

    .venv/bin/python bench/bulk_upload.py                # 50,000 rows, checked 3 times
    .venv/bin/python bench/bulk_upload.py --store        # and stored once through dataset_upload
    BENCH_QUICK=1 .venv/bin/python bench/bulk_upload.py  # 5,000 rows

Generates a fictional SEN file (bas/intake/samples.py) as CSV bytes, then times
bas.intake.datasets.check_file on it: reading with pandas, every pandera check, the
duplicate-UPN check and the conversion to rows, the whole of what an upload does before
its one transaction. Runs it on a clean file and on the same file with an error in every
100th row (the report path). Prints rows per second (the best of --repeat runs), the peak
of Python-allocated memory during one check (tracemalloc, which also sees numpy's buffers)
and the process's peak resident size. With --store, a bench database is migrated and the
clean file is stored once through services.dataset_upload (checked, then inserted in bulk).
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import use_bench_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000 if os.environ.get("BENCH_QUICK") else 50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", action="store_true", help="also store the clean file in a bench database")
    args = parser.parse_args()
    if args.store:
        use_bench_database("bulk_upload")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    import django

    django.setup()
    from bas.intake import datasets, samples

    clean = samples.sen_csv(args.rows)
    rows = samples.sen_rows(args.rows)
    for n in range(0, len(rows), 100):
        rows[n][5] = "99"  # no such year group
    broken = samples.to_csv(samples.SEN_HEADER, rows)
    print(f"file: {args.rows:,} rows, {len(clean) / 1024 / 1024:.1f}MB CSV")

    for label, data, want_ok in (("clean", clean, True), ("1% errors", broken, False)):
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            checked = datasets.check_file(data, "sen_pupils")
            best = min(best, time.perf_counter() - started)
            assert checked.ok is want_ok, checked.problems[:3]
        tracemalloc.start()
        datasets.check_file(data, "sen_pupils")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rate = args.rows / best
        print(f"{label}: best {best:.2f}s, {rate:,.0f} rows/s, peak traced memory {peak / 1024 / 1024:.0f}MB"
              + ("" if want_ok else f", {len(checked.problems):,} problems reported"))
        key = "clean" if want_ok else "errors"
        print(f"BENCH bulk_upload_{key}_rows_per_s {rate:.0f} rows/s")
        print(f"BENCH bulk_upload_{key}_peak_mb {peak / 1024 / 1024:.0f} MB")

    if args.store:
        from django.core.management import call_command

        from bas.intake import services
        from bas.intake.models import SenPupilRecord

        call_command("migrate", verbosity=0)
        from oxtom.accounts.models import User

        officer, _ = User.objects.get_or_create(email="bench.bas@example.org", defaults={"roles": ["bas_officer"]})
        started = time.perf_counter()
        outcome = services.dataset_upload(dataset="sen_pupils", data=clean, file_name="bench.csv", by=officer)
        took = time.perf_counter() - started
        assert outcome.imported and SenPupilRecord.objects.filter(upload=outcome.upload).count() == args.rows
        print(f"stored: {args.rows:,} rows checked and inserted in {took:.2f}s ({args.rows / took:,.0f} rows/s)")
        print(f"BENCH bulk_upload_store_rows_per_s {args.rows / took:.0f} rows/s")

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident size of the process: {rss:.0f}MB")
    print(f"BENCH bulk_upload_peak_rss_mb {rss:.0f} MB")


if __name__ == "__main__":
    main()
