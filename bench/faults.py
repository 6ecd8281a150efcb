#!/usr/bin/env python
"""Faults a resident must never notice: Redis down, a worker killed, the database's connections dropped.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oxtom_faults .venv/bin/python bench/faults.py
    BENCH_QUICK=1 ...            # fewer submissions and messages
    ... bench/faults.py --reuse  # the database is already migrated and seeded (skips about 2 minutes)

Needs PostgreSQL (an empty database of its own: `createdb -h 127.0.0.1 -U postgres oxtom_faults`),
redis-server and gunicorn. It builds a production-like instance on this machine only:
gunicorn (2 workers, persistent database connections) on 127.0.0.1, a private
redis-server on a free port as cache and broker, two real `celery worker`
processes (one with beat), the demo data, and bench residents with passwords.
Every resident action goes over HTTP through the real views (CSRF, sessions,
submission keys); messages leave through a provider stand-in that records every
call it accepts (`tests.notify.channels_for_tests.RecordingProviderChannel`: no
de-duplication of its own, like SMTP), so lost and duplicated messages are counted
from what the "provider" received.

(a) Redis down: the private redis-server is stopped while residents sign in and
    submit street reports; Redis is started again (empty). Printed: submissions
    and sign-ins accepted during the outage, the slowest submission, seconds from
    Redis coming back until every message queued during the outage was sent.
(b) Worker killed: a batch of messages (500; 60 quick); one worker is SIGKILLed
    right after the provider accepted a message and before the worker recorded it,
    and restarted as a supervisor would. Printed: messages lost, duplicated, in
    flight at the kill, seconds until the killed worker's message was sent.
(c) Database connections dropped: every connection to the database but this
    script's is terminated (pg_terminate_backend) three times while residents
    submit and messages go. Printed: submissions accepted at the first try, after
    one retry of the same form (as a person pressing the button again would), the
    duplicates that made, seconds from a drop to the next accepted submission,
    and messages lost or duplicated.
(d) Double POSTs (workers stopped, so only the web writes): every POST form in
    the staff and members' areas the demo staff can reach (crawled; one per URL
    pattern of its action) is filled and sent three times at once, identically
    (same session and submission key), trying answers until one passes the
    form's checks: generic ones by field name (with a small table by route and
    field for formats a name cannot suggest), past dates and short text, every
    box ticked, then each other choice of each question; file inputs get a small
    clean PDF or PNG. Printed: forms found, those without a
    `{% submission_key %}`, exercised, refused every answer (each with the
    form's reason), accepted but writing nothing (searches), and duplicates
    (rows written twice; audit events recording only that staff viewed personal
    data are not writes of the action), with a control: three different keys on
    the case note form must show duplicates. See bench/_faults_web.py.
(e) Access matrix: every URL pattern in the resolver, filled with another
    resident's identifiers, as every role with no business with them (and as
    nobody), GET and POST. Printed: patterns, URLs, requests, leaks (the
    resident's name, contact details or private references on a 2xx page, or a
    2xx in an area the role may not enter) and rows of theirs changed.

Targets (issue 19): 100% accepted, 0 lost, duplicates at most the messages in
flight, recovery at most 60 s, 0 double-POST duplicates, 0 leaks. Exits non-zero
when a target is missed. `--parts de` runs only the last two (any letters a-e).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-faults-password-2026"
RESULTS: dict[str, float] = {}
FAILED: list[str] = []


def bench(name: str, value: float, unit: str) -> None:
    RESULTS[name] = value
    print(f"BENCH faults.{name} {value:g} {unit}", flush=True)


def target(ok: bool, what: str) -> None:
    if not ok:
        FAILED.append(what)
        print(f"  MISSED: {what}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise SystemExit(f"faults: timed out after {timeout:.0f}s waiting for {what}")


# --- processes ---------------------------------------------------------------------

class Redis:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.ping, timeout=10, what="redis-server")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class Proc:
    """A child in its own process group (SIGKILL takes all of it), logging to a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logdir: Path, *, ready: str):
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        wait_for(lambda: ready in self.log_path.read_text() or self.process.poll() is not None, timeout=60,
                 what=f"{name} to start")
        if self.process.poll() is not None:
            raise SystemExit(f"faults: {name} exited:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


# --- a resident over HTTP ----------------------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A person with a cookie jar: GETs, POSTs with the CSRF token, no redirects followed."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = None
        headers = {"Referer": self.base + "/"}
        if method == "POST":
            if not self.csrf():
                self.request("GET", "/accounts/login/")
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf(), **(data or {})}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", ""), exc.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as exc:
            return 0, "", str(exc)

    def sign_in(self, email: str) -> bool:
        self.request("GET", "/accounts/login/")
        status, location, _ = self.request("POST", "/accounts/login/", {"login": email, "password": PASSWORD})
        return status == 302 and "/login" not in location

    def ready_report(self, postcode: str) -> str:
        """Walk the report journey to check answers; the check page's submission key, or ''."""
        self.request("POST", "/report/new/")
        self.request("POST", "/report/type/", {"report_type": "street-light"})
        self.request("POST", "/report/location/", {"postcode": postcode, "where": "By the bus stop"})
        self.request("GET", "/report/already-reported/")
        self.request("POST", "/report/details/", {"fault": "out"})
        self.request("POST", "/report/photos/", {})
        status, _, html = self.request("GET", "/report/check/")
        found = re.search(r'name="submission_key" value="([^"]+)"', html)
        return found.group(1) if status == 200 and found else ""

    def submit(self, key: str) -> tuple[bool, int]:
        status, location, _ = self.request("POST", "/report/check/", {"submission_key": key})
        return status == 302 and location.endswith("/report/confirmation/"), status


# --- the instance -------------------------------------------------------------------------

def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.notify.worker_settings"
    import django

    django.setup()


def terminate_other_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


def provider_calls(path: Path) -> list[str]:
    return [line.split()[0] for line in path.read_text().splitlines()] if path.exists() else []


def count_duplicates(calls: list[str], ids: set[str]) -> tuple[int, int]:
    """(lost, duplicated) among `ids` by what the provider accepted."""
    mine = [c for c in calls if c in ids]
    return len(ids - set(mine)), len(mine) - len(set(mine))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", action="store_true", help="the database is already migrated and seeded")
    parser.add_argument("--quick", action="store_true", help="small sizes (as BENCH_QUICK=1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("FAULTS_PORT", "8140")))
    parser.add_argument("--parts", default="abcde", help="which parts to run (letters a-e; default all)")
    args = parser.parse_args()
    parts = set(args.parts)
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        print("faults: needs PostgreSQL: DATABASE_URL=postgres://.../an_empty_database_of_its_own", file=sys.stderr)
        return 2
    for tool in ("redis-server",):
        if not shutil.which(tool):
            print(f"faults: needs {tool} on PATH", file=sys.stderr)
            return 2
    submissions = 10 if quick else 30
    batch = 60 if quick else 500

    workdir = Path(tempfile.mkdtemp(prefix="oxtom-faults-"))
    var_dir = workdir / "var"
    var_dir.mkdir()
    redis = Redis(workdir)
    redis.start()
    env = {
        **os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis.url, "DEBUG": "true",
        "OXTOM_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", "DB_CONN_MAX_AGE": "60",
        "NOTIFY_TEST_CHANNELS": json.dumps({c: "tests.notify.channels_for_tests.RecordingProviderChannel"
                                            for c in ("sms", "email", "letter")}),
        "NOTIFY_TEST_SEND_DELAY": "0.2",
    }
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
    if not args.reuse:
        print("faults: migrating and seeding the demo data (about 2 minutes)", flush=True)
        for command in (["migrate", "-v0"], ["seed_demo"]):
            subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    django_setup(env)

    from django.db.models import Max

    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate, OutboundMessage
    from oxtom.notify.services import notification_queue
    from oxtom.places.models import PostcodeCentroid
    from tests import factories as f

    Status = OutboundMessage.Status
    seed_templates(MessageTemplate)
    # Messages already in the demo data are history: only this run's count.
    OutboundMessage.objects.exclude(status__in=[Status.SENT, Status.DEAD]).update(status=Status.DEAD)
    postcode = PostcodeCentroid.objects.filter(kind="unit").values_list("postcode", flat=True).first()
    run = f"{int(time.time())}"
    residents = []
    for i in range(submissions * 3):
        email = f"faults.{run}.{i}@example.org"
        user = f.UserFactory(email=email, full_name=f"Fault Bench {i}", password=PASSWORD)
        f.CustomerFactory(user=user, first_name="Fault", last_name=f"Bench {i}", email=email,
                          reference=f"F{run[-8:]}{i:04d}")
        residents.append(email)

    gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
    web = Proc("web", [gunicorn, "oxtom.wsgi:application", "--bind", f"127.0.0.1:{args.port}", "--workers", "2",
                       "--timeout", "60"], {**env, "DJANGO_SETTINGS_MODULE": "tests.notify.worker_settings"},
               workdir, ready="Booting worker")
    base = f"http://127.0.0.1:{args.port}"
    wait_for(lambda: Browser(base).request("GET", "/healthz")[0] in (200, 503), timeout=30, what="gunicorn")

    def worker(name: str, *, beat: bool = False, send_delay: str = "0.2") -> Proc:
        beat_args = ["-B", "-s", str(workdir / "beat-schedule")] if beat else []
        return Proc(name, [python, "-m", "celery", "-A", "oxtom", "worker", *beat_args, "--pool=solo",
                           "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", f"{name}@%h"],
                    {**env, "DJANGO_SETTINGS_MODULE": "tests.notify.worker_settings",
                     "NOTIFY_TEST_SEND_DELAY": send_delay}, workdir, ready=" ready.")

    workers = {"faults-a": worker("faults-a"), "faults-b": worker("faults-b", beat=True)}
    calls_path = var_dir / "provider-calls.txt"

    def run_messages(since):
        return OutboundMessage.objects.filter(created_at__gt=since) if since else OutboundMessage.objects.all()

    try:
        if "a" in parts:
            # (a) Redis down -----------------------------------------------------------------
            print("faults: (a) Redis down while residents sign in and report", flush=True)
            people = [Browser(base) for _ in range(submissions)]
            keys = []
            for person, email in zip(people, residents[:submissions]):
                target(person.sign_in(email), "a bench resident signs in with Redis up")
                keys.append(person.ready_report(postcode))
            before_outage = OutboundMessage.objects.aggregate(latest=Max("created_at"))["latest"]
            redis.stop()
            accepted, slowest = 0, 0.0
            for person, key in zip(people, keys):
                t0 = time.monotonic()
                ok, _ = person.submit(key)
                slowest = max(slowest, time.monotonic() - t0)
                accepted += ok
            signed_in = sum(Browser(base).sign_in(email) for email in residents[submissions:submissions * 2])
            bench("redis_down.submissions_accepted_pct", round(100 * accepted / submissions, 1), "%")
            bench("redis_down.sign_ins_accepted_pct", round(100 * signed_in / submissions, 1), "%")
            bench("redis_down.slowest_submission_s", round(slowest, 2), "s")
            target(accepted == submissions, "every submission accepted with Redis down")
            target(signed_in == submissions, "every sign-in accepted with Redis down")
            outage_ids = {str(pk) for pk in run_messages(before_outage).values_list("pk", flat=True)}
            redis.start()
            back = time.monotonic()
            wait_for(lambda: run_messages(before_outage).filter(status=Status.SENT).count() >= len(outage_ids),
                     timeout=300, interval=0.5, what="the outage's messages to be sent")
            bench("redis_down.messages_sent_after_redis_back_s", round(time.monotonic() - back, 1), "s")
            lost, dup = count_duplicates(provider_calls(calls_path), outage_ids)
            bench("redis_down.messages_queued", len(outage_ids), "messages")
            bench("redis_down.messages_lost", lost, "messages")
            bench("redis_down.messages_duplicated", dup, "messages")
            target(lost == 0 and dup == 0, "no message lost or duplicated by the Redis outage")

        if "b" in parts:
            # (b) worker killed ---------------------------------------------------------------
            print(f"faults: (b) a worker SIGKILLed during a batch of {batch} messages", flush=True)
            mark = OutboundMessage.objects.aggregate(latest=Max("created_at"))["latest"]
            customers = [f.CustomerFactory(preferred_channel="sms", phone=f"+4477009{i:05d}", reference=f"K{run[-8:]}{i:04d}")
                         for i in range(batch)]
            for i, customer in enumerate(customers):
                notification_queue(customer=customer, template="generic-update", by=None,
                                   idempotency_key=f"faults:{run}:kill:{i}",
                                   context={"message": f"Update {i}", "reference": f"REF-{i}"})
            batch_ids = {str(pk) for pk in run_messages(mark).values_list("pk", flat=True)}

            def victim():
                accepted_by_a = {line.split()[0] for line in (calls_path.read_text().splitlines() if calls_path.exists() else [])
                                 if "faults-a@" in line}
                return run_messages(mark).filter(status=Status.SENDING, claimed_by__startswith="faults-a@",
                                                 pk__in=accepted_by_a & batch_ids).values_list("pk", flat=True).first()

            # Worker a's provider answers slowly (1 s after accepting), so the kill lands in the window.
            workers["faults-a"].stop()
            workers["faults-a"] = worker("faults-a", send_delay="1.0")
            for _attempt in range(5):
                victim_id = wait_for(victim, timeout=120, interval=0.01,
                                     what="worker a to have a message accepted, unrecorded")
                in_flight = run_messages(mark).filter(status=Status.SENDING, claimed_by__startswith="faults-a@").count()
                workers["faults-a"].kill()
                killed = time.monotonic()
                workers["faults-a"] = worker("faults-a")  # the supervisor restarts it
                if OutboundMessage.objects.get(pk=victim_id).status == Status.SENDING:
                    break
                print("faults: the kill missed the window (the message was recorded first); again", flush=True)
            wait_for(lambda: OutboundMessage.objects.get(pk=victim_id).status == Status.SENT, timeout=180, interval=0.2,
                     what="the killed worker's message to be sent")
            recovery = time.monotonic() - killed
            wait_for(lambda: run_messages(mark).filter(status=Status.SENT).count() >= len(batch_ids), timeout=900,
                     interval=1, what="the whole batch to be sent")
            lost, dup = count_duplicates(provider_calls(calls_path), batch_ids)
            takeovers = run_messages(mark).filter(takeovers__gt=0).count()
            bench("worker_killed.messages", len(batch_ids), "messages")
            bench("worker_killed.in_flight_at_kill", in_flight, "messages")
            bench("worker_killed.messages_lost", lost, "messages")
            bench("worker_killed.messages_duplicated", dup, "messages")
            bench("worker_killed.takeovers_recorded", takeovers, "messages")
            bench("worker_killed.recovery_s", round(recovery, 1), "s")
            target(lost == 0, "no message lost by the kill")
            target(dup <= in_flight, "duplicates at most the messages in flight")
            target(recovery <= 60, "the killed worker's message sent within 60 s")

        if "c" in parts:
            # (c) database connections dropped --------------------------------------------------
            print("faults: (c) every database connection dropped three times while residents report", flush=True)
            mark = OutboundMessage.objects.aggregate(latest=Max("created_at"))["latest"]
            people = [Browser(base) for _ in range(submissions)]
            for person, email in zip(people, residents[submissions * 2:]):
                target(person.sign_in(email), "a bench resident signs in before the drops")
            first_try = after_retry = 0
            recoveries = []
            drop_every = max(1, submissions // 3)
            dropped_at = None
            for n, person in enumerate(people):
                key = person.ready_report(postcode)
                if n % drop_every == 0 and len(recoveries) < 3:
                    terminate_other_connections()
                    dropped_at = time.monotonic()
                ok, _ = person.submit(key)
                if not ok:
                    ok, _ = person.submit(key)  # pressed again: same form, same submission key
                    after_retry += ok
                else:
                    first_try += 1
                if ok and dropped_at is not None:
                    recoveries.append(time.monotonic() - dropped_at)
                    dropped_at = None
            from portal.models import StreetReport

            reports = StreetReport.objects.filter(case__customer__email__in=residents[submissions * 2:]).count()
            drop_ids = {str(pk) for pk in run_messages(mark).values_list("pk", flat=True)}
            wait_for(lambda: run_messages(mark).filter(status=Status.SENT).count() >= len(drop_ids), timeout=300,
                     interval=0.5, what="the messages of (c) to be sent")
            lost, dup = count_duplicates(provider_calls(calls_path), drop_ids)
            bench("db_dropped.submissions_accepted_first_try_pct", round(100 * first_try / submissions, 1), "%")
            bench("db_dropped.submissions_accepted_pct", round(100 * (first_try + after_retry) / submissions, 1), "%")
            bench("db_dropped.duplicate_reports_from_retries", max(0, reports - submissions), "reports")
            bench("db_dropped.recovery_s_max", round(max(recoveries or [0]), 2), "s")
            bench("db_dropped.messages_lost", lost, "messages")
            bench("db_dropped.messages_duplicated", dup, "messages")
            target(first_try + after_retry == submissions, "every submission accepted across dropped connections")
            target(reports <= submissions, "no duplicate report from a retried submission")
            target(lost == 0 and dup == 0, "no message lost or duplicated by dropped connections")
        # (d) double POSTs, (e) the access matrix: the web only (the workers' writes would blur the count).
        for proc in workers.values():
            proc.stop()
        workers.clear()
        if "d" in parts:
            print("faults: (d) three identical POSTs at once at every staff form", flush=True)
            from bench._faults_web import double_posts

            duplicates, control = double_posts(base, bench)
            target(duplicates == 0, "no duplicate from a double POST")
            target(bool(control), "the detector's control (three keys) shows duplicates")
        if "e" in parts:
            print("faults: (e) every URL pattern, every role, another resident's objects", flush=True)
            from bench._faults_web import access_matrix

            per_pattern = int(os.environ.get("FAULTS_MATRIX_PER_PATTERN", "2" if quick else "3"))
            leaks = access_matrix(base, run, bench, per_pattern=per_pattern)
            target(leaks == 0, "no leak in the access matrix")
    finally:
        for proc in workers.values():
            proc.stop()
        web.stop()
        redis.stop()
    print(f"faults: logs in {workdir}", flush=True)
    if FAILED:
        print("faults: targets missed: " + "; ".join(FAILED), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
