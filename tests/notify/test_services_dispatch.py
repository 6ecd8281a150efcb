"""Claiming, dispatch, backoff, dead-lettering and the sweeper, in-process."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from oxtom.customers.models import Interaction
from oxtom.notify import services
from oxtom.notify.channels import ChannelError, PermanentChannelError
from oxtom.notify.models import OutboundMessage
from oxtom.notify.services import (
    backoff_seconds, backoff_with_jitter, message_claim, message_dispatch, message_retry, notification_queue, outbox_sweep,
)
from tests import factories as f

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


def make(customer, context, key="k1", **kwargs):
    return notification_queue(customer=customer, template="generic-update", context=context, by=None,
                              idempotency_key=key, **kwargs)


class Failing:
    calls = 0

    def __init__(self, exc=ChannelError("provider unavailable")):
        self.exc = exc

    def send(self, message):
        Failing.calls += 1
        raise self.exc


@pytest.fixture
def failing_channel(monkeypatch):
    Failing.calls = 0

    def install(exc=ChannelError("provider unavailable")):
        monkeypatch.setattr(services, "channel_for", lambda name: Failing(exc))

    return install


def test_only_the_first_of_two_claimers_wins(templates, customer, context, enqueued):
    message = make(customer, context)
    first = message_claim(message_id=message.pk, worker="a")
    second = message_claim(message_id=message.pk, worker="b")
    assert first is not None and second is None
    message.refresh_from_db()
    assert (message.status, message.attempts, message.claimed_by) == (Status.SENDING, 1, "a")
    assert message.lease_expires_at > timezone.now()


def test_a_claim_whose_lease_ran_out_can_be_taken_over(templates, customer, context, enqueued):
    message = make(customer, context)
    assert message_claim(message_id=message.pk, worker="a")
    OutboundMessage.objects.filter(pk=message.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert message_claim(message_id=message.pk, worker="b") is not None
    message.refresh_from_db()
    assert (message.claimed_by, message.attempts) == ("b", 2)
    assert message.takeovers == 1, "a takeover is recorded: the first worker may have sent it"


def test_a_first_claim_and_a_retry_claim_are_not_takeovers(templates, customer, context, enqueued):
    message = make(customer, context)
    assert message_claim(message_id=message.pk, worker="a")
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.RETRYING, next_attempt_at=timezone.now())
    assert message_claim(message_id=message.pk, worker="b")
    message.refresh_from_db()
    assert (message.attempts, message.takeovers) == (2, 0)


def test_the_default_lease_is_short_enough_to_recover_within_a_minute(settings):
    from oxtom.notify.services import lease_seconds

    sweep = settings.CELERY_BEAT_SCHEDULE["notify-sweep-outbox"]["schedule"]
    assert lease_seconds() + sweep <= 45, "lease plus one sweep interval, with room for the send itself"


def test_sweeper_nudges_an_abandoned_claim_at_once_and_only_once_per_expiry(templates, customer, context, enqueued):
    message = make(customer, context)
    enqueued.clear()
    assert message_claim(message_id=message.pk, worker="killed")
    # Queued a second ago (inside the grace period), lease already run out: nudge it now.
    now = timezone.now()
    OutboundMessage.objects.filter(pk=message.pk).update(enqueued_at=now - timedelta(seconds=25),
                                                         lease_expires_at=now - timedelta(seconds=1))
    assert outbox_sweep().requeued == 1
    assert outbox_sweep().requeued == 0, "the nudge is not repeated every sweep while it waits in the queue"
    assert enqueued == [message.pk] and enqueued.urgent == [message.pk], "ahead of the everyday queue"


def test_urgent_dispatches_and_the_sweeper_jump_the_queue_on_redis(settings, monkeypatch):
    """kombu's Redis transport takes priority step 0 before the everyday step (6)."""
    from oxtom.notify import tasks

    sent = []
    monkeypatch.setattr(tasks.dispatch_message, "apply_async", lambda args, **options: sent.append(options))
    tasks.enqueue_dispatch(uuid.uuid4())
    tasks.enqueue_dispatch(uuid.uuid4(), urgent=True)
    assert "priority" not in sent[0] and sent[1]["priority"] == settings.URGENT_TASK_PRIORITY
    assert settings.CELERY_BEAT_SCHEDULE["notify-sweep-outbox"]["options"]["priority"] == settings.URGENT_TASK_PRIORITY
    from kombu.transport.redis import PRIORITY_STEPS

    step = lambda n: PRIORITY_STEPS[__import__("bisect").bisect(PRIORITY_STEPS, n) - 1]  # noqa: E731
    assert step(settings.URGENT_TASK_PRIORITY) < step(6), "urgent is a lane of its own, taken first"


class SlowChannel:
    """A provider call that takes several leases' worth of time."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.calls = 0

    def send(self, message):
        import time

        from oxtom.notify.channels import Delivery

        self.calls += 1
        time.sleep(self.seconds)
        return Delivery(provider_reference=str(message.id))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_heartbeat_keeps_a_slow_send_claimed_and_stops_when_it_ends(templates, customer, context, enqueued,
                                                                         settings, monkeypatch):
    """A live worker's claim never runs out mid-send, however slow the provider: another
    claimer tries all through a send three leases long and never gets in."""
    if connection.vendor != "postgresql":
        from tests.conftest import require

        require("REQUIRE_SERVICES", "the lease heartbeat test needs PostgreSQL (set DATABASE_URL)")
    settings.NOTIFY_LEASE_SECONDS = 0.6
    channel = SlowChannel(1.8)
    monkeypatch.setattr(services, "channel_for", lambda name: channel)
    message = make(customer, context, key="slow-1")
    stolen = []
    done = threading.Event()

    def rival():
        from django.db import connections

        try:
            while not done.is_set():
                token = message_claim(message_id=message.pk, worker="rival")
                if token:
                    stolen.append(token)
                done.wait(0.05)
        finally:
            connections.close_all()

    thread = threading.Thread(target=rival)
    thread.start()
    try:
        result = message_dispatch(message_id=message.pk, worker="slow")
    finally:
        done.set()
        thread.join()
    assert result.outcome == "sent" and stolen == [] and channel.calls == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.takeovers, message.lease_expires_at) == (Status.SENT, 1, 0, None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_heartbeat_gives_up_on_a_hung_send_so_the_message_is_not_held_forever(
        templates, customer, context, enqueued, settings, monkeypatch):
    if connection.vendor != "postgresql":
        from tests.conftest import require

        require("REQUIRE_SERVICES", "the lease heartbeat test needs PostgreSQL (set DATABASE_URL)")
    settings.NOTIFY_LEASE_SECONDS = 0.6
    settings.NOTIFY_MAX_SEND_SECONDS = 0.3
    monkeypatch.setattr(services, "channel_for", lambda name: SlowChannel(2.0))
    message = make(customer, context, key="hung-1")
    taken = []

    def rival():
        from django.db import connections

        try:
            import time

            time.sleep(1.3)
            taken.append(message_claim(message_id=message.pk, worker="rival"))
        finally:
            connections.close_all()

    thread = threading.Thread(target=rival)
    thread.start()
    result = message_dispatch(message_id=message.pk, worker="hung")
    thread.join()
    # Renewal stopped after 0.3 s and the lease ran out at about 0.9 s, so the rival
    # took the row over at 1.3 s; the hung call's late result is discarded.
    assert taken[0] is not None and result.outcome == "lost_claim"
    message.refresh_from_db()
    assert (message.claimed_by, message.takeovers) == ("rival", 1)


def test_sent_and_not_yet_due_messages_cannot_be_claimed(templates, customer, context, enqueued, sinks):
    message = make(customer, context)
    assert message_dispatch(message_id=message.pk).outcome == "sent"
    assert message_claim(message_id=message.pk) is None
    later = make(customer, context, key="k2")
    OutboundMessage.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert message_claim(message_id=later.pk) is None


def test_dispatch_sends_email_once_and_records_the_timeline(templates, customer, context, enqueued, sinks):
    message = make(customer, context)
    result = message_dispatch(message_id=message.pk, worker="w1")
    again = message_dispatch(message_id=message.pk, worker="w2")
    assert (result.outcome, again.outcome) == ("sent", "not_claimed")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["rose@example.org"] and sent.subject == "Your parking permit"
    message.refresh_from_db()
    assert message.status == Status.SENT and message.sent_at and message.claim_token is None
    assert str(message.pk) in message.provider_reference and "rose" not in message.provider_reference
    entry = Interaction.objects.get(customer=customer, kind="notification.sent")
    assert (entry.channel, entry.direction) == ("email", "outbound")
    assert entry.subject_id == str(message.pk)


def test_dispatch_writes_sms_to_the_file_sink(templates, context, enqueued, sinks):
    customer = f.CustomerFactory(preferred_channel="sms", phone="+447700900222")
    message = make(customer, context)
    assert message_dispatch(message_id=message.pk).outcome == "sent"
    written = json.loads((sinks / "sms" / f"{message.pk}.json").read_text())
    assert written["to"] == "+447700900222" and "Your permit is ready." in written["body"]
    assert Interaction.objects.get(customer=customer, kind="notification.sent").channel == "sms"


def test_dispatch_writes_letters_for_the_print_room(templates, context, enqueued, sinks):
    customer = f.CustomerFactory(preferred_channel="post", address_line_1="1 High St", postcode="OX28 6AA")
    message = make(customer, context)
    assert message_dispatch(message_id=message.pk).outcome == "sent"
    assert "1 High St" in (sinks / "letters" / f"{message.pk}.txt").read_text()
    assert Interaction.objects.get(customer=customer, kind="notification.sent").channel == "post"


def test_a_failed_attempt_is_scheduled_with_backoff(templates, customer, context, enqueued, failing_channel, settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    failing_channel()
    message = make(customer, context)
    before = timezone.now()
    result = message_dispatch(message_id=message.pk)
    assert result.outcome == "retry" and 30 <= result.retry_in <= 33
    message.refresh_from_db()
    assert message.status == Status.RETRYING and message.attempts == 1
    assert message.last_error == "ChannelError: provider unavailable"
    assert message.next_attempt_at >= before + timedelta(seconds=30)
    assert message.claim_token is None


def test_backoff_doubles_and_is_capped():
    assert [backoff_seconds(n, base=30) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(20, base=30, cap=3600) == 3600
    for n in range(1, 6):
        assert backoff_seconds(n, base=10) <= backoff_with_jitter(n, base=10) <= backoff_seconds(n, base=10) * 1.1


def test_after_max_attempts_the_message_is_dead_and_not_claimable(
    templates, customer, context, enqueued, failing_channel, settings
):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    failing_channel()
    message = make(customer, context)
    outcomes = []
    for _ in range(5):
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        outcomes.append(message_dispatch(message_id=message.pk).outcome)
    assert outcomes == ["retry", "retry", "dead", "not_claimed", "not_claimed"]
    assert Failing.calls == 3
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.DEAD, 3)
    assert Interaction.objects.filter(customer=customer, kind="notification.failed").count() == 1
    assert outbox_sweep(older_than_seconds=0).requeued == 0


def test_a_permanent_failure_is_dead_at_once(templates, customer, context, enqueued, failing_channel):
    failing_channel(PermanentChannelError("Notify rejected the request (400): not a UK mobile"))
    message = make(customer, context)
    assert message_dispatch(message_id=message.pk).outcome == "dead"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.DEAD, 1)


def test_a_late_finish_after_takeover_does_not_overwrite_the_new_claim(templates, customer, context, enqueued):
    message = make(customer, context)
    old = message_claim(message_id=message.pk, worker="slow")
    OutboundMessage.objects.filter(pk=message.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    new = message_claim(message_id=message.pk, worker="fresh")
    assert services._record_sent(message, old, "ref").outcome == "lost_claim"
    message.refresh_from_db()
    assert (message.status, message.claim_token) == (Status.SENDING, new)


def test_sweeper_requeues_stranded_and_abandoned_rows_only(templates, customer, context, enqueued, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 5
    long_ago = timezone.now() - timedelta(minutes=10)
    stranded = make(customer, context, key="stranded")           # broker was down at commit
    fresh = make(customer, context, key="fresh")                 # just queued: leave it to its own task
    abandoned = make(customer, context, key="abandoned")         # worker killed mid-send
    exhausted = make(customer, context, key="exhausted")         # killed mid-send on every attempt
    sent = make(customer, context, key="sent")
    OutboundMessage.objects.filter(pk=stranded.pk).update(next_attempt_at=long_ago, enqueued_at=long_ago)
    OutboundMessage.objects.filter(pk=abandoned.pk).update(
        status=Status.SENDING, attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=5), enqueued_at=long_ago)
    OutboundMessage.objects.filter(pk=exhausted.pk).update(
        status=Status.SENDING, attempts=5, lease_expires_at=timezone.now() - timedelta(seconds=5))
    OutboundMessage.objects.filter(pk=sent.pk).update(status=Status.SENT, next_attempt_at=long_ago, enqueued_at=long_ago)
    enqueued.clear()

    result = outbox_sweep()
    assert set(enqueued) == {stranded.pk, abandoned.pk}
    assert (result.requeued, result.expired_leases, result.dead_lettered) == (2, 1, 1)
    assert OutboundMessage.objects.get(pk=exhausted.pk).status == Status.DEAD
    assert fresh.pk not in enqueued

    enqueued.clear()
    assert outbox_sweep().requeued == 0, "a row just re-enqueued is left alone for the grace period"


def test_sweeper_query_count_is_constant(templates, context, enqueued, django_assert_max_num_queries):
    long_ago = timezone.now() - timedelta(minutes=10)
    for n in range(30):
        make(f.CustomerFactory(), context, key=f"bulk-{n}")
    OutboundMessage.objects.update(next_attempt_at=long_ago, enqueued_at=long_ago)
    with django_assert_max_num_queries(8):
        assert outbox_sweep().requeued == 30


def test_retry_of_a_dead_message_gives_fresh_attempts(templates, customer, context, enqueued, failing_channel,
                                                       administrator, django_capture_on_commit_callbacks):
    failing_channel(PermanentChannelError("bad"))
    message = make(customer, context)
    message_dispatch(message_id=message.pk)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = message_retry(message=OutboundMessage.objects.get(pk=message.pk), by=administrator)
    assert (message.status, message.attempts, message.last_error) == (Status.PENDING, 0, "")
    assert enqueued == [message.pk]


def test_retry_refuses_messages_that_are_not_dead(templates, customer, context, enqueued, administrator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        message_retry(message=make(customer, context), by=administrator)


def test_the_dispatch_task_runs_the_service_and_schedules_a_retry(templates, customer, context, enqueued, failing_channel):
    from celery.exceptions import Retry

    from oxtom.notify.tasks import dispatch_message

    failing_channel()
    message = make(customer, context)
    with pytest.raises(Retry):
        dispatch_message.run(str(message.pk))
    # The lease is short and renewed while sending; renewal stops at the hard time limit.
    assert dispatch_message.acks_late and dispatch_message.time_limit <= services.max_send_seconds()


def test_enqueue_dispatch_swallows_a_dead_broker(monkeypatch, caplog):
    from oxtom.notify import tasks

    def boom(*args, **kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(tasks.dispatch_message, "apply_async", boom)
    message_id = uuid.uuid4()
    assert tasks.enqueue_dispatch(message_id) is False
    assert str(message_id) in caplog.text and "sweeper" in caplog.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_claimers_on_postgresql_only_one_wins(templates, customer, context, enqueued):
    """Two threads, two database connections, one row: the conditional UPDATE lets one through."""
    if connection.vendor != "postgresql":
        from tests.conftest import require

        require("REQUIRE_SERVICES", "concurrent claiming needs PostgreSQL (set DATABASE_URL)")
    for round_ in range(10):
        message = make(customer, context, key=f"race-{round_}")
        barrier = threading.Barrier(2)
        tokens = []

        def claim(name):
            from django.db import connections

            try:
                barrier.wait()
                tokens.append(message_claim(message_id=message.pk, worker=name))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=claim, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(t is not None for t in tokens) == 1
        assert OutboundMessage.objects.get(pk=message.pk).attempts == 1


def test_publishing_suspended_queues_rows_for_the_sweeper_without_publishing(db, monkeypatch):
    from oxtom.notify import services as notify_services
    from oxtom.notify import tasks as notify_tasks

    published = []
    monkeypatch.setattr(notify_tasks, "enqueue_dispatch", lambda message_id: published.append(message_id) or True)
    with notify_services.publishing_suspended():
        assert notify_services.enqueue("a-message-id") is False
    assert published == []
    assert notify_services.enqueue("another-message-id") is True
    assert published == ["another-message-id"]


def test_a_publish_that_failed_is_swept_at_the_next_run_not_after_the_grace_period(templates, customer, context,
                                                                                   monkeypatch):
    """Broker down at commit: the row says so, and the first sweep after the broker is
    back publishes it (the grace period is for nudges that may still be in the broker)."""
    from oxtom.notify import tasks

    published = []
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda message_id: False)
    message = make(customer, context, key="broker-down")
    services.enqueue(message.pk)  # what the on_commit hook does
    message.refresh_from_db()
    assert message.enqueued_at is None
    monkeypatch.setattr(tasks, "enqueue_dispatch", lambda message_id: published.append(message_id) or True)
    assert outbox_sweep().requeued == 1 and published == [message.pk]
    assert outbox_sweep().requeued == 0, "published now: left to the broker for the grace period"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dropped_database_connection_after_the_send_is_reconnected_not_sent_twice(templates, customer, context,
                                                                                    enqueued, monkeypatch):
    """The provider accepted the message, then the database dropped our connection
    (restart, failover): the outcome is still recorded, so the lease never runs out
    into a second send."""
    if connection.vendor != "postgresql":
        from tests.conftest import require

        require("REQUIRE_SERVICES", "dropping a database connection needs PostgreSQL (set DATABASE_URL)")
    calls = []

    class DropsTheConnection:
        def send(self, message):
            from oxtom.notify.channels import Delivery

            calls.append(message.pk)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]

            def terminate():
                from django.db import connections

                try:
                    with connections["default"].cursor() as other:
                        other.execute("SELECT pg_terminate_backend(%s)", [pid])
                finally:
                    connections.close_all()

            killer = threading.Thread(target=terminate)
            killer.start()
            killer.join()
            return Delivery(provider_reference=str(message.pk))

    monkeypatch.setattr(services, "channel_for", lambda name: DropsTheConnection())
    message = make(customer, context, key="dropped-1")
    assert message_dispatch(message_id=message.pk, worker="w").outcome == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, calls) == (Status.SENT, 1, [message.pk])
    assert Interaction.objects.filter(kind="notification.sent", subject_id=str(message.pk)).count() == 1
