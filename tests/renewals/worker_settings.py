"""Settings for the real Celery worker + beat the renewal tests start (never used by the web app).

The notify test worker's settings, with a beat schedule that runs the
nightly renewal run every few seconds instead of once a night, and a small
batch so a run is still going when the test kills the worker.
"""
import os

from tests.notify.worker_settings import *  # noqa: F403

RENEWALS_BATCH_SIZE = int(os.environ.get("RENEWALS_TEST_BATCH_SIZE", "2000"))
CELERY_BEAT_SCHEDULE = {
    "renewals-nightly-run": {"task": "applications.renewals.tasks.nightly_run",
                             "schedule": float(os.environ.get("RENEWALS_TEST_RUN_EVERY", "3"))},
    "renewals-apply-replies": {"task": "applications.renewals.tasks.apply_replies", "schedule": 1.0},
    "notify-sweep-outbox": {"task": "oxtom.notify.tasks.sweep_outbox", "schedule": 2.0},
}
# A publish lost with a killed worker is found by the sweeper after this long (production: 120 s).
NOTIFY_SWEEP_GRACE_SECONDS = float(os.environ.get("RENEWALS_TEST_SWEEP_GRACE", "120"))
