"""What every benchmark script shares: its own database, and percentiles.

Not a benchmark itself (run_all.py skips names starting with "_").
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def use_bench_database(name: str, *, keep: bool = False) -> Path | None:
    """Point Django at `var/bench/<name>.sqlite3`, unless DATABASE_URL already names a database.

    A benchmark never touches the demo database. The file starts empty
    unless `keep` (re-measuring a seeded database, or a child process of the
    same run). Returns the SQLite path, or None when DATABASE_URL is set.
    """
    if os.environ.get("DATABASE_URL"):
        return None
    path = ROOT / "var" / "bench" / f"{name}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return path


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank (p95 of 20 samples is the 19th)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
