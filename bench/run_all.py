#!/usr/bin/env python
"""Run every benchmark script in bench/ in turn and print their figures.

Each bench/*.py (except this file and names starting with "_") runs as its
own process with the project's Python. Scripts print whatever they like;
lines of the form `BENCH <name> <value> <unit>` are collected into the
summary at the end. A script that fails is reported and the rest still run.

    .venv/bin/python bench/run_all.py                 # everything, full size
    .venv/bin/python bench/run_all.py --quick         # small sizes (BENCH_QUICK=1) for a smoke run
    .venv/bin/python bench/run_all.py --only seed     # scripts whose name contains "seed"
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIGURE = re.compile(r"^BENCH\s+(\S+)\s+(\S+)\s*(.*)$")


def scripts(only: str | None) -> list[Path]:
    found = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))
    return [p for p in found if not only or only in p.stem]


def run(script: Path, env: dict[str, str], timeout: int) -> tuple[int, float, list[tuple[str, str, str]]]:
    figures: list[tuple[str, str, str]] = []
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script)], cwd=HERE.parent, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(f"  {line}")
            sys.stdout.flush()
            match = FIGURE.match(line.strip())
            if match:
                figures.append((match[1], match[2], match[3]))
            if time.perf_counter() - started > timeout:
                proc.kill()
                sys.stdout.write(f"  (stopped after {timeout}s)\n")
                break
        code = proc.wait()
    except KeyboardInterrupt:
        proc.kill()
        raise
    return code, time.perf_counter() - started, figures


def main() -> int:
    parser = argparse.ArgumentParser(description="Run every bench/*.py and summarise its BENCH lines.")
    parser.add_argument("--quick", action="store_true", help="set BENCH_QUICK=1 so scripts use small sizes")
    parser.add_argument("--only", help="run only scripts whose name contains this")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per script")
    opts = parser.parse_args()
    env = dict(os.environ)
    if opts.quick:
        env["BENCH_QUICK"] = "1"
    todo = scripts(opts.only)
    if not todo:
        print("No benchmark scripts matched.")
        return 1
    summary = []
    for script in todo:
        print(f"== {script.name}", flush=True)
        code, seconds, figures = run(script, env, opts.timeout)
        summary.append((script.name, code, seconds, figures))
    print("\n== Summary")
    failed = 0
    for name, code, seconds, figures in summary:
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        failed += code != 0
        print(f"{name}: {status} in {seconds:.0f}s")
        for figure, value, unit in figures:
            print(f"  {figure:<48} {value:>14} {unit}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
