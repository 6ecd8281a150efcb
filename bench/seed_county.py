#!/usr/bin/env python
"""Benchmark: seed county-sized customer data (`seed_demo --scale county`) and report rows/s.

Runs against a separate bench database, never the demo one:
  default  SQLite file var/bench/seed.sqlite3 (recreated on every run)
  or       DATABASE_URL, if set (PostgreSQL: point it at an empty throwaway database)

    .venv/bin/python bench/seed_county.py                    # 730,000 customers
    .venv/bin/python bench/seed_county.py --customers 50000  # quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oxtom_bench .venv/bin/python bench/seed_county.py

Prints `BENCH <name> <value> <unit>` lines, which bench/run_all.py collects.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "var" / "bench" / "seed.sqlite3"
DEMO_SQLITE = ROOT / "var" / "oxtom.sqlite3"


def manage(args: list[str], env: dict[str, str]) -> tuple[str, float]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed (exit {proc.returncode})")
    return proc.stdout, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    quick = os.environ.get("BENCH_QUICK") == "1"
    parser.add_argument("--customers", type=int, default=20_000 if quick else 730_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="reuse the SQLite bench file instead of recreating it")
    opts = parser.parse_args()

    env = dict(os.environ)
    url = env.get("DATABASE_URL")
    if url:
        if DEMO_SQLITE.as_posix() in url:
            raise SystemExit("DATABASE_URL points at the demo database; use a separate bench database")
        where = re.sub(r"//[^@/]*@", "//***@", url)  # never print a password
    else:
        DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
        if not opts.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{DEFAULT_SQLITE}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{DEFAULT_SQLITE}"
        where = str(DEFAULT_SQLITE.relative_to(ROOT))
    env.setdefault("DEBUG", "true")
    print(f"seed_county: {opts.customers:,} customers into {where}", flush=True)

    _, migrate_s = manage(["migrate", "--noinput", "-v0"], env)
    print(f"  migrate: {migrate_s:.1f}s", flush=True)
    out, seed_s = manage(["seed_demo", "--customers", str(opts.customers), "--batch-size", str(opts.batch_size),
                          "--allow-demo-passwords"], env)
    sys.stdout.write("".join(f"  {line}\n" for line in out.splitlines()))
    match = re.search(r"Inserted ([\d,]+) customers in ([\d.]+)s: ([\d,]+) rows/s \((\w+)\)", out)
    if not match:
        print("  no customers were inserted: the bench database already had enough (run without --keep, "
              "or point DATABASE_URL at an empty database)")
        return 1
    inserted, seconds, rate, engine = (int(match[1].replace(",", "")), float(match[2]),
                                       int(match[3].replace(",", "")), match[4])
    print(f"BENCH seed_county.{engine}.rows_per_second {rate} rows/s")
    print(f"BENCH seed_county.{engine}.customers_inserted {inserted} rows")
    print(f"BENCH seed_county.{engine}.insert_seconds {seconds:.1f} s")
    print(f"BENCH seed_county.{engine}.total_seconds {seed_s + migrate_s:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
