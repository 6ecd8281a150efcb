#!/usr/bin/env python
"""Weekly scoring of 100,000 synthetic safeguarding referrals: seconds and memory.

Generates 100,000 fictional referral histories (insight/risk.py), trains one version on a 20,000-row
sample (the lifecycle's 80/20 split and tuning), then scores all 100,000 as the weekly job would, and
prints the held-out fit, the bias checks' verdicts, the scoring time and the peak memory of the process.

    .venv/bin/python bench/risk_model.py        # BENCH_QUICK=1 for 20,000 rows
"""
from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from threadpoolctl import threadpool_limits  # noqa: E402

from insight import risk  # noqa: E402

ROWS = 20_000 if os.environ.get("BENCH_QUICK") == "1" else 100_000


def main() -> None:
    started = time.perf_counter()
    df = risk.generate_referrals(ROWS)
    print(f"generated {ROWS:,} referrals in {time.perf_counter() - started:.1f}s")
    with threadpool_limits(1):
        started = time.perf_counter()
        trained = risk.train(df.sample(n=min(20_000, ROWS), random_state=1),
                             grid={"max_depth": [3, 5], "learning_rate": [0.1], "max_iter": [100]})
        print(f"trained on 20,000 in {time.perf_counter() - started:.1f}s: held-out ROC AUC "
              f"{trained.metrics['roc_auc']}, precision {trained.metrics['precision']}, "
              f"recall {trained.metrics['recall']} at the top tenth")
        print("bias checks: " + ", ".join(f"{a} {'pass' if r['passed'] else 'FAIL'}"
                                          for a, r in trained.fairness.items()))
        started = time.perf_counter()
        scores = risk.score(trained.estimator, df)
        seconds = time.perf_counter() - started
    flagged = int((scores >= trained.threshold).sum())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scored {ROWS:,} in {seconds:.2f}s; {flagged:,} flagged; peak memory {peak_mb:.0f} MB")
    print(f"BENCH risk_score_seconds {seconds:.2f} s")
    print(f"BENCH risk_score_rows_per_second {ROWS / seconds:.0f} rows/s")
    print(f"BENCH risk_peak_memory {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
