"""Settings for the real Celery worker the failure tests start (never used by the web app).

The project's settings, plus test-only knobs read from the environment: a
short claim lease, a fast retry base, and channel replacements (a slow SMS
sink to kill a worker mid-send, an email channel that always fails).
"""
import json
import os

from oxtom.settings import *  # noqa: F403

NOTIFY_LEASE_SECONDS = float(os.environ.get("NOTIFY_TEST_LEASE_SECONDS", "150"))
NOTIFY_RETRY_BASE_SECONDS = float(os.environ.get("NOTIFY_TEST_RETRY_BASE_SECONDS", "30"))
NOTIFY_CHANNEL_CLASSES = json.loads(os.environ.get("NOTIFY_TEST_CHANNELS", "{}"))
