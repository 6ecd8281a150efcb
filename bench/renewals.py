#!/usr/bin/env python
"""The nightly renewal run and 100,000 "YES" replies: time, and proof of no duplicates.

    .venv/bin/python bench/renewals.py --due 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oxtom_bench_renewals .venv/bin/python bench/renewals.py

Builds its own database (default: a SQLite file, var/bench/renewals.sqlite3,
recreated each run; DATABASE_URL is honoured - point it at an empty database
of your own), migrates it and bulk-inserts N customers (half preferring
text messages, half email) each with one entitlement expiring inside the
invitation window (60% bus passes, 30% parking permits, 10% blue badges).
Then:

1. the invitation run (applications.renewals.services.renewals_run), timed as the
   database phase (publishing to the broker is switched off and counted);
2. the outbox: a sample of the queued messages dispatched through notify's
   real claim/send/record path to the file sinks, giving messages per second
   and a projected end-to-end time for all of them on one worker;
3. the run again (nothing new), then everything the run wrote deleted and
   the run repeated in a child process that is SIGKILLed part-way, then
   resumed: the result must equal the clean run's, with zero duplicates;
4. N YES replies: recorded (one set-based UPDATE, as the inbound handler
   does one at a time) and acted on by renewals_apply_pending_replies in
   batches, timed as the database phase; then run again (nothing new);
5. the same per-reply path a real text takes (inbound_sms_receive -> the
   renewals handler) for a sample, for the row-by-row comparison.

Prints BENCH lines. BENCH_QUICK=1 (or --quick) uses 10,000.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import use_bench_database  # noqa: E402


def setup(args) -> None:
    use_bench_database("renewals", keep=args.child_run)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ.setdefault("DEBUG", "true")
    sinks = Path(os.environ.setdefault("OXTOM_VAR_DIR", tempfile.mkdtemp(prefix="oxtom-bench-renewals-")))
    sinks.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.conf import settings

    # DEBUG is on only so the embedded defaults load; query logging would distort every figure.
    settings.DEBUG = False


def no_publish():
    """Count publishes instead of talking to a broker (the bench has no worker)."""
    from oxtom.notify import services as notify_services

    published = []
    notify_services.enqueue = lambda message_id: published.append(message_id) or True
    return published


def seed(n: int, today: dt.date, batch: int = 5000) -> None:
    from django.utils import timezone

    from applications.models import Application, ApplicationService, Entitlement
    from oxtom.customers.models import Customer

    services = {s.code: s for s in ApplicationService.objects.all()}
    rng = random.Random(20261128)
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        Customer.objects.bulk_create([
            Customer(reference=f"RB{i:08d}", first_name="Bench", last_name=f"Renewer{i}",
                     email=f"renewer{i}@example.org", phone=f"+4477{i:08d}", address_line_1=f"{i} Bench Road",
                     town="Oxford", postcode="OX4 1AA", preferred_channel="sms" if i % 2 else "email")
            for i in range(start, stop)
        ], batch_size=batch)
        customers = dict(Customer.objects.filter(reference__gte=f"RB{start:08d}", reference__lt=f"RB{stop:08d}")
                         .values_list("reference", "pk"))
        codes = []
        applications = []
        for i in range(start, stop):
            roll = i % 10
            code = "bus-pass" if roll < 6 else "parking-permit" if roll < 9 else "blue-badge"
            codes.append(code)
            service = services[code]
            applications.append(Application(
                reference=f"BA{i:010d}", service=service, customer_id=customers[f"RB{i:08d}"],
                kind="new", answers={"vehicle_registration": "AB12 CDE"} if code == "parking-permit" else {},
                status="issued", decided_automatically=True, decided_at=now, submitted_at=now,
                fee_pence=service.fee_pence if code == "parking-permit" else 0,
            ))
        Application.objects.bulk_create(applications, batch_size=batch)
        app_ids = dict(Application.objects.filter(reference__gte=f"BA{start:010d}", reference__lt=f"BA{stop:010d}")
                       .values_list("reference", "pk"))
        entitlements = []
        for offset, i in enumerate(range(start, stop)):
            service = services[codes[offset]]
            expires = today + dt.timedelta(days=rng.randint(1, 20))
            entitlements.append(Entitlement(
                number=f"{service.number_prefix}-B{i:07d}", service=service, customer_id=customers[f"RB{i:08d}"],
                application_id=app_ids[f"BA{i:010d}"], status="active", starts_on=expires - dt.timedelta(days=364),
                expires_on=expires, details={}, issued_at=now,
            ))
        Entitlement.objects.bulk_create(entitlements, batch_size=batch)
    elapsed = time.perf_counter() - started
    print(f"seeded {n:,} customers, applications and entitlements due in {elapsed:.1f}s")


def snapshot() -> tuple[set, Counter]:
    from applications.renewals.models import RenewalInvitation
    from oxtom.notify.models import OutboundMessage

    invitations = set(RenewalInvitation.objects.values_list("entitlement_id", "state", "reminders_sent",
                                                            "invited_by_channel"))
    keys = Counter(OutboundMessage.objects.values_list("idempotency_key", flat=True))
    return invitations, keys


def duplicates() -> tuple[int, int]:
    from django.db.models import Count

    from applications.renewals.models import RenewalInvitation
    from oxtom.notify.models import OutboundMessage

    inv = RenewalInvitation.objects.values("entitlement_id").annotate(n=Count("id")).filter(n__gt=1).count()
    msg = OutboundMessage.objects.values("idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count()
    return inv, msg


def dispatch_sample(template: str, sample: int) -> float:
    """Send `sample` queued messages through notify's real dispatch path; messages per second."""
    from oxtom.notify.models import OutboundMessage
    from oxtom.notify.services import message_dispatch

    ids = list(OutboundMessage.objects.filter(template_code=template, status="pending")
               .values_list("pk", flat=True)[:sample])
    started = time.perf_counter()
    outcomes = Counter(message_dispatch(message_id=pk, worker="bench").outcome for pk in ids)
    elapsed = time.perf_counter() - started
    if outcomes.get("sent", 0) != len(ids):
        sys.exit(f"dispatch did not send every message: {dict(outcomes)}")
    return len(ids) / elapsed if elapsed else 0.0


def measure_publish(message_ids: list) -> float:
    """Publishes per second to a private redis-server through notify's real enqueue (0 if no Redis)."""
    import shutil
    import socket

    if not message_ids or not shutil.which("redis-server"):
        print("publish: no redis-server, not measured")
        return 0.0
    from oxtom.celery import app
    from oxtom.notify.tasks import enqueue_dispatch

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        app.conf.broker_url, app.conf.broker_transport_options = f"redis://127.0.0.1:{port}/0", {}
        started = time.perf_counter()
        ok = sum(enqueue_dispatch(message_id) for message_id in message_ids)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    if ok != len(message_ids):
        print(f"publish: only {ok} of {len(message_ids)} published")
    rate = ok / elapsed if elapsed else 0.0
    print(f"publish: {ok:,} dispatch tasks to Redis at {rate:,.0f}/s")
    return rate


def child_run(today: dt.date, batch: int) -> None:
    """The run the parent kills part-way (a real SIGKILL, no cleanup)."""
    from applications.renewals.services import renewals_run

    no_publish()
    renewals_run(today=today, batch_size=batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--due", type=int, default=100_000, help="entitlements due for renewal")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--dispatch-sample", type=int, default=3000, help="messages sent to measure the outbox")
    parser.add_argument("--per-reply-sample", type=int, default=500, help="texts handled one at a time")
    parser.add_argument("--quick", action="store_true", help="10,000 (also BENCH_QUICK=1)")
    parser.add_argument("--child-run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK") == "1":
        args.due, args.dispatch_sample, args.per_reply_sample = 10_000, 1000, 200
    setup(args)

    if args.child_run:
        child_run(dt.date.fromisoformat(args.child_run), args.batch_size)
        return

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from applications.models import Entitlement
    from applications.renewals.models import RenewalInvitation
    from applications.renewals.services import renewals_apply_pending_replies, renewals_run
    from oxtom.core.models import AuditEvent
    from oxtom.customers.models import Interaction
    from oxtom.notify.inbound import InboundPayload
    from oxtom.notify.models import OutboundMessage
    from oxtom.notify.services import inbound_sms_receive

    vendor = connection.vendor
    print(f"database: {vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if Entitlement.objects.exists():
        sys.exit("The benchmark database already has entitlements; point DATABASE_URL at an empty database.")
    today = timezone.localdate()
    n = args.due
    seed(n, today)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    published = no_publish()

    # --- 1. invitation run -----------------------------------------------------------------------
    started, cpu = time.perf_counter(), time.process_time()
    result = renewals_run(today=today, batch_size=args.batch_size)
    db_phase, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.invited != n:
        sys.exit(f"expected {n} invitations, got {result.invited}")
    print(f"invitation run: {result.invited:,} invitations and messages in {db_phase:.1f}s "
          f"({n / db_phase:,.0f}/s; this process's CPU {cpu:.1f}s), {result.batches} batches; "
          f"{len(published):,} publishes deferred")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"BENCH renewals.{vendor}.invite.db_seconds {db_phase:.1f} s")
    print(f"BENCH renewals.{vendor}.invite.per_second {n / db_phase:.0f} rows/s")
    clean = snapshot()
    channels = Counter(state[3] for state in clean[0])
    print(f"invited by channel: {dict(channels)}")

    # --- 2. outbox -------------------------------------------------------------------------------
    publish_rate = measure_publish(published[: args.dispatch_sample])
    publish_seconds = n / publish_rate if publish_rate else 0.0
    rate = dispatch_sample("renewal-invite", args.dispatch_sample)
    projected = db_phase + publish_seconds + n / rate
    print(f"outbox: {args.dispatch_sample:,} messages dispatched at {rate:,.0f}/s on one worker; "
          f"all {n:,} would take {n / rate:.0f}s (publishing {publish_seconds:.0f}s); "
          f"end to end {projected:.0f}s on one worker, {db_phase + publish_seconds + n / rate / 4:.0f}s on four")
    print(f"BENCH renewals.{vendor}.outbox.messages_per_second {rate:.0f} msg/s")
    print(f"BENCH renewals.{vendor}.invite.end_to_end_projected_seconds {projected:.0f} s")

    # --- 3. twice, and kill-and-resume --------------------------------------------------------------
    again = renewals_run(today=today, batch_size=args.batch_size)
    if again.invited or again.reminded:
        sys.exit(f"second run wrote more: {again.as_dict()}")
    print("second run: nothing new")
    # Start again from nothing, kill a run part-way for real, resume, compare with the clean run.
    OutboundMessage.objects.all().delete()
    RenewalInvitation.objects.all().delete()
    env = dict(os.environ)
    child = subprocess.Popen([sys.executable, __file__, "--child-run", today.isoformat(),
                              "--batch-size", str(args.batch_size)], env=env, cwd=ROOT, start_new_session=True)
    target = n // 3
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and child.poll() is None:
        if RenewalInvitation.objects.count() >= target:
            break
        time.sleep(0.05)
    if child.poll() is not None:
        sys.exit("the child run finished before it could be killed; use a larger --due")
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    at_kill = RenewalInvitation.objects.count()
    resumed = renewals_run(today=today, batch_size=args.batch_size)
    after = snapshot()
    inv_dups, msg_dups = duplicates()
    same = after[0] == clean[0] and set(after[1]) == set(clean[1])
    print(f"kill and resume: killed with {at_kill:,} invitations written, resumed with {resumed.invited:,} more; "
          f"same result as the clean run: {same}; duplicate invitations {inv_dups}, duplicate messages {msg_dups}")
    print(f"BENCH renewals.{vendor}.kill_resume.same_result {int(same)} bool")
    print(f"BENCH renewals.{vendor}.kill_resume.duplicates {inv_dups + msg_dups} rows")
    if not same or inv_dups or msg_dups:
        sys.exit("kill-and-resume did not give the clean run's result")

    # --- 4. YES replies, set-based -------------------------------------------------------------------
    sample_ids = list(RenewalInvitation.objects.order_by("?").values_list("pk", flat=True)[:args.per_reply_sample])
    started = time.perf_counter()
    recorded = RenewalInvitation.objects.filter(state__in=["invited", "reminded"], reply="").exclude(
        pk__in=sample_ids).update(reply="yes", reply_channel="sms", replied_at=timezone.now())
    record_phase = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    applied = 0
    while True:
        done = renewals_apply_pending_replies(limit=args.batch_size)
        if not done:
            break
        applied += done
    apply_phase, cpu = time.perf_counter() - started, time.process_time() - cpu
    states = Counter(RenewalInvitation.objects.values_list("state", flat=True))
    print(f"YES replies: {recorded:,} recorded in {record_phase:.1f}s, acted on in {apply_phase:.1f}s "
          f"({applied / apply_phase:,.0f}/s; this process's CPU {cpu:.1f}s): {dict(states)}")
    print(f"BENCH renewals.{vendor}.replies.db_seconds {record_phase + apply_phase:.1f} s")
    print(f"BENCH renewals.{vendor}.replies.per_second {applied / apply_phase:.0f} replies/s")
    reply_rate = dispatch_sample("renewal-renewed", args.dispatch_sample)
    reply_messages = OutboundMessage.objects.filter(template_code__in=["renewal-renewed", "renewal-pay",
                                                                       "renewal-reapply"]).count()
    reply_total = record_phase + apply_phase + reply_messages / reply_rate
    print(f"reply messages: {reply_messages:,} at {reply_rate:,.0f}/s; end to end {reply_total:.0f}s projected")
    print(f"BENCH renewals.{vendor}.replies.end_to_end_projected_seconds {reply_total:.0f} s")
    before = snapshot()
    rerun = renewals_apply_pending_replies(limit=args.batch_size)
    renewed_twice = Entitlement.objects.filter(status="active").values("customer_id").annotate(
        c=Count("id")).filter(c__gt=1).count()
    if rerun or snapshot() != before or renewed_twice:
        sys.exit("acting on the replies again changed something")
    print("replies acted on again: nothing new; customers with two active terms: 0")
    print(f"BENCH renewals.{vendor}.replies.renewed_twice {renewed_twice} customers")

    # --- 5. the per-reply path, one text at a time ---------------------------------------------------
    sample = list(RenewalInvitation.objects.filter(pk__in=sample_ids).select_related("entitlement__customer"))
    started = time.perf_counter()
    for i, invitation in enumerate(sample):
        payload = InboundPayload(id=f"bench-{i}", source_number=invitation.entitlement.customer.phone.lstrip("+"),
                                 destination_number="", message="YES", date_received=timezone.now())
        inbound_sms_receive(payload=payload)
    one_by_one = time.perf_counter() - started
    rate_one = len(sample) / one_by_one
    handled = RenewalInvitation.objects.filter(pk__in=sample_ids).exclude(state__in=["invited", "reminded"]).count()
    print(f"one text at a time (endpoint path): {len(sample)} in {one_by_one:.1f}s = {rate_one:,.0f}/s "
          f"({handled} acted on); set-based is {applied / apply_phase / rate_one:.1f}x faster")
    print(f"BENCH renewals.{vendor}.replies.one_at_a_time_per_second {rate_one:.0f} replies/s")
    print(f"BENCH renewals.{vendor}.replies.set_based_speedup {applied / apply_phase / rate_one:.1f} x")
    print(f"(audit events {AuditEvent.objects.count():,}, timeline entries {Interaction.objects.count():,})")


if __name__ == "__main__":
    main()
