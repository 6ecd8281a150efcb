"""Renewals driven by Celery beat on a real worker, real PostgreSQL and a private Redis.

(a) beat runs the renewal run (every 3 s here, nightly in production): every
    entitlement due is invited once and every invitation text is sent once,
    however many times the run fires; YES replies (one through the inbound
    SMS path, the rest recorded in bulk) are acted on by the beat's reply job
    and every confirmation is sent once;
(b) the worker is SIGKILLed in the middle of a run (small batches) and a new
    one resumes: every entitlement invited once, every message sent once.

Needs PostgreSQL (DATABASE_URL) and redis-server; skipped without them, and
a failure under REQUIRE_SERVICES=1 (CI).
"""
from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from applications.models import ApplicationService, Entitlement
from applications.renewals.models import RenewalInvitation
from oxtom.notify.inbound import InboundPayload
from oxtom.notify.models import OutboundMessage
from oxtom.notify.services import inbound_sms_receive
from tests.notify.test_real_worker import (  # noqa: F401 - fixtures used by name
    Worker,
    _database_url,
    broker,
    redis,
    services_available,
    wait_for,
)
from tests.renewals.conftest import make_entitlement, seed_everything

pytestmark = [
    pytest.mark.xdist_group("worker"),
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BASE_DIR = Path(settings.BASE_DIR)
Status = OutboundMessage.Status


@pytest.fixture
def beat_workers(broker, tmp_path):  # noqa: F811 - the imported fixture, by name
    started: list[Worker] = []
    var_dir = tmp_path / "var"
    var_dir.mkdir()

    def start(**extra: str) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.renewals.worker_settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": broker.url,
            "OXTOM_VAR_DIR": str(var_dir),
            "DEBUG": "true",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
        worker = Worker(env, tmp_path, name="renewalstest", beat=True, start_timeout=60)
        started.append(worker)
        return worker

    start.var_dir = var_dir
    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def due(db):
    seed_everything()
    today = timezone.localdate()

    def make(n: int, code: str = "bus-pass") -> list[Entitlement]:
        service = ApplicationService.objects.get(code=code)
        return [make_entitlement(service, expires_on=today + dt.timedelta(days=10 + i % 10),
                                 preferred_channel="sms", phone=f"+4477008{i:05d}") for i in range(n)]

    return make


def assert_no_duplicates() -> None:
    per_term = Counter(RenewalInvitation.objects.values_list("entitlement_id", flat=True))
    assert max(per_term.values(), default=1) == 1, "one invitation per term"
    keys = Counter(OutboundMessage.objects.values_list("idempotency_key", flat=True))
    assert max(keys.values(), default=1) == 1


def sms_sink_ids(var_dir: Path) -> list[str]:
    folder = var_dir / "sms"
    return sorted(p.stem for p in folder.iterdir() if p.suffix == ".json") if folder.exists() else []


def sent(template: str) -> int:
    return OutboundMessage.objects.filter(template_code=template, status=Status.SENT).count()


def test_beat_invites_then_acts_on_yes_replies_each_once(due, beat_workers):
    ents = due(12)
    worker = beat_workers()
    wait_for(lambda: sent("renewal-invite") == 12, timeout=120, interval=0.5,
             what=f"every invitation text to be sent\n{worker.tail()}")
    assert RenewalInvitation.objects.count() == 12

    # One reply through the real inbound path (acted on at once), the rest recorded in bulk
    # (acted on by the beat's reply job in the worker).
    first = ents[0]
    inbound, _ = inbound_sms_receive(payload=InboundPayload(
        id="worker-yes-1", source_number=first.customer.phone.lstrip("+"), destination_number="", message="YES",
        date_received=timezone.now()))
    assert inbound.handled_by == ["renewals.reply-yes"]
    RenewalInvitation.objects.filter(reply="").update(reply="yes", reply_channel="sms", replied_at=timezone.now())

    wait_for(lambda: RenewalInvitation.objects.filter(state="renewed").count() == 12, timeout=120, interval=0.5,
             what=f"every reply to be acted on\n{worker.tail()}")
    wait_for(lambda: sent("renewal-renewed") == 12, timeout=120, interval=0.5,
             what=f"every confirmation to be sent\n{worker.tail()}")
    # Let beat fire the run a few more times: nothing new may appear.
    before = OutboundMessage.objects.count()
    wait_for(lambda: worker.tail(400).count("applications.renewals.tasks.nightly_run") >= 6, timeout=60,
             what="more runs of the renewal job")
    assert OutboundMessage.objects.count() == before
    assert Entitlement.objects.filter(pk__in=[e.pk for e in ents], status="superseded").count() == 12
    assert Entitlement.objects.filter(status="active").count() == 12
    assert_no_duplicates()
    files = sms_sink_ids(beat_workers.var_dir)
    assert len(files) == len(set(files)) == OutboundMessage.objects.filter(channel="sms").count() == 24


def test_worker_killed_mid_run_resumes_with_no_duplicates(due, beat_workers):
    due(150)
    slow = {"RENEWALS_TEST_BATCH_SIZE": "5", "RENEWALS_TEST_RUN_EVERY": "2", "RENEWALS_TEST_SWEEP_GRACE": "3",
            "NOTIFY_TEST_LEASE_SECONDS": "3"}
    first = beat_workers(**slow)
    wait_for(lambda: RenewalInvitation.objects.count() >= 20, timeout=120, interval=0.05,
             what=f"the run to be part-way\n{first.tail()}")
    first.kill()
    at_kill = RenewalInvitation.objects.count()
    assert at_kill < 150, "killed part-way through"

    second = beat_workers(**slow)

    def finished():
        return RenewalInvitation.objects.count() == 150 and sent("renewal-invite") == 150

    wait_for(finished, timeout=240, interval=1, what=f"the resumed run to finish\n{second.tail()}")
    assert_no_duplicates()
    files = sms_sink_ids(beat_workers.var_dir)
    assert len(files) == len(set(files)) == 150, "each text written to the sink once"
    assert set(files) == {str(pk) for pk in OutboundMessage.objects.values_list("pk", flat=True)}
