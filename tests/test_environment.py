"""In CI (REQUIRE_SERVICES=1) the suite must be running on the real services."""
import os

import pytest
from django.conf import settings


@pytest.mark.skipif(os.environ.get("REQUIRE_SERVICES") != "1", reason="only enforced when REQUIRE_SERVICES=1")
def test_suite_runs_on_postgresql_and_redis():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
