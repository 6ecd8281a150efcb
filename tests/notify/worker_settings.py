"""Settings for the real Celery worker the failure tests start (never used by the web app).

The project's settings, plus test-only knobs read from the environment: a
short claim lease, a fast retry base, and channel replacements (a slow SMS
sink to kill a worker mid-send, an email channel that always fails).
"""
import json
import os

from oxtom.settings import *  # noqa: F403

NOTIFY_LEASE_SECONDS = float(os.environ.get("NOTIFY_TEST_LEASE_SECONDS", NOTIFY_LEASE_SECONDS))  # noqa: F405
NOTIFY_RETRY_BASE_SECONDS = float(os.environ.get("NOTIFY_TEST_RETRY_BASE_SECONDS", "30"))
NOTIFY_CHANNEL_CLASSES = json.loads(os.environ.get("NOTIFY_TEST_CHANNELS", "{}"))

if os.environ.get("NOTIFY_TEST_BEAT_SWEEP_ONLY"):
    # An embedded beat that runs only the outbox sweeper, on the project's own interval.
    CELERY_BEAT_SCHEDULE = {"notify-sweep-outbox": CELERY_BEAT_SCHEDULE["notify-sweep-outbox"]}  # noqa: F405
