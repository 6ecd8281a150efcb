"""A Redis outage residents never notice: reports and sign-ins go through while the cache is down.

A private redis-server on its own port (never the shared 6379) is the cache,
configured exactly as production configures it (settings.REDIS_CACHE); the
test stops it mid-test and drives the real report view and allauth's sign-in
and sign-up. Needs redis-server on PATH; skipped without it (a failure under
REQUIRE_SERVICES=1). Runs on PostgreSQL in CI.
"""
from __future__ import annotations

import logging
import shutil

import pytest
from django.core.cache import cache

from oxtom.core import cache as fail_soft
from oxtom.core.ratelimit import take, uses
from portal.models import StreetReport
from tests.conftest import require
from tests.factories import TEST_PASSWORD
from tests.notify.test_real_worker import PrivateRedis
from .test_journey import postcode, walk_to_details  # noqa: F401 - fixture used by name

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def private_redis(settings, tmp_path):
    if not shutil.which("redis-server"):
        require("REQUIRE_SERVICES", "the cache outage tests need redis-server on PATH")
    redis = PrivateRedis(tmp_path)
    redis.start()
    settings.CACHES = {"default": {**settings.REDIS_CACHE, "LOCATION": redis.url}}
    fail_soft.circuit.reset()
    try:
        yield redis
    finally:
        redis.stop()
        fail_soft.circuit.reset()


def _ready_street_light(client):
    walk_to_details(client, code="street-light")
    client.get("/report/already-reported/")
    client.post("/report/details/", {"fault": "out"})
    client.post("/report/photos/", {})


def test_reports_are_accepted_while_the_cache_is_down(client, catalogue, postcode, resident_a, private_redis,
                                                      caplog):
    client.force_login(resident_a)
    _ready_street_light(client)
    assert client.post("/report/check/")["Location"] == "/report/confirmation/"
    assert uses(f"report-submit:{resident_a.pk}", window_seconds=3600) == 1  # Redis really counts

    private_redis.stop()
    accepted = 0
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            _ready_street_light(client)
            response = client.post("/report/check/")
            accepted += response.status_code == 302 and response["Location"] == "/report/confirmation/"
    assert accepted == 5
    assert StreetReport.objects.count() == 6
    assert "cache unavailable" in caplog.text

    # Redis back: counting resumes (after the circuit's few seconds, here reset by hand).
    private_redis.start()
    fail_soft.circuit.reset()
    _ready_street_light(client)
    assert client.post("/report/check/")["Location"] == "/report/confirmation/"
    assert uses(f"report-submit:{resident_a.pk}", window_seconds=3600) == 1  # the restarted Redis is empty


def test_sign_in_and_sign_up_work_while_the_cache_is_down(client, resident_a, private_redis, caplog):
    private_redis.stop()
    with caplog.at_level(logging.WARNING):
        wrong = client.post("/accounts/login/", {"login": resident_a.email, "password": "not the password"})
        assert wrong.status_code == 200 and "<title>Error:" in wrong.content.decode()
        right = client.post("/accounts/login/", {"login": resident_a.email, "password": TEST_PASSWORD})
        assert right.status_code == 302 and right["Location"] == "/account/"
        assert client.get("/account/").status_code == 200
        client.logout()
        new = client.post("/accounts/signup/", {"full_name": "New Resident", "email": "new.resident@example.org",
                                                "password1": TEST_PASSWORD,
                                                "password2": TEST_PASSWORD})
        assert new.status_code == 302 and new["Location"] == "/accounts/confirm-email/"
    assert "cache unavailable" in caplog.text


def test_an_outage_costs_one_timeout_not_one_per_cache_call(private_redis):
    import time

    private_redis.stop()
    started = time.monotonic()
    for n in range(50):
        cache.get(f"k{n}")
        cache.add(f"lock{n}", True, 10)
    # Without the circuit each call waits for a refused connection (about 0.3 s): 100 calls, about 30 s.
    assert time.monotonic() - started < 5.0


def test_limits_fail_open_while_the_cache_is_down(private_redis):
    assert take("probe", limit=1, window_seconds=60) is not None
    assert take("probe", limit=1, window_seconds=60) is None  # the limit holds with Redis up
    private_redis.stop()
    assert take("probe", limit=1, window_seconds=60) is not None  # and fails open without it
