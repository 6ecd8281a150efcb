#!/usr/bin/env python
"""A mixed read load on a county-scale database through gunicorn with production settings.

    createdb -h 127.0.0.1 -U postgres oxtom_mixed
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oxtom_mixed .venv/bin/python bench/mixed_load.py
    ... --quick                      # small data, short runs (also BENCH_QUICK=1)
    ... --app-dir ../oxtom-before    # serve another checkout (the same database) for before/after figures

1. Seeds the database once (`seed_demo --customers N`, then bench/_mixed_seed.py: five years of
   street reports, open and closed cases, 60 months of figures, TOTP for the staff sign-ins) or
   reuses it when it has been seeded.
2. Starts gunicorn (4 sync workers, DEBUG off, Redis cache) on 127.0.0.1:PORT.
3. Signs a resident, an officer and a councillor in through the real sign-in and two-factor forms.
4. Drives, with locust (headless, closed loop, no think time), the weighted mix (40% public pages,
   20% Open311, 20% officers, 10% residents, 10% councillors) and then each page type alone, at
   --connections, and prints per page type requests/s, p50/p95/p99 ms, errors, response size, and
   the ratio to the bare template page (/accessibility/) measured alone in the same run.
5. Stops gunicorn and removes its temporary files, whatever happened.

Prints `BENCH mixed_load.<figure> <value> <unit>` lines, and the issue's targets as met or not.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import use_bench_database  # noqa: E402

BARE = "bare"
# page type -> (weight in the mix, role signed in or None, status expected)
MIX = {
    "public-division": (20, None, 200),
    "public-overview": (5, None, 200),
    "public-report": (10, None, 200),
    "public-home": (5, None, 200),
    "open311": (20, None, 200),
    "officer-queue": (14, "officer", 200),
    "officer-home": (6, "officer", 200),
    "resident-account": (5, "resident", 200),
    "resident-cases": (5, "resident", 200),
    "councillor-division": (7, "councillor", 200),
    "councillor-briefing": (3, "councillor", 200),
}
TARGET_MIX_RATIO = 0.25
TARGET_P95_MS = 250
TARGET_CACHED_RATIO = 0.40
TARGET_OPEN311_BYTES = 100_000


def manage(args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed (exit {proc.returncode})")
    return proc.stdout


def seed_and_plan(opts) -> dict:
    """Seed (or reuse) the database; return the page lists per page type (Django runs here, DEBUG on)."""
    env = {**os.environ, "DEBUG": "true"}
    manage(["migrate", "--noinput", "-v0"], env)
    started = time.perf_counter()
    out = manage(["seed_demo", "--customers", str(opts.customers), "--allow-demo-passwords"], env)
    print("  " + out.strip().replace("\n", "\n  ") + f" ({time.perf_counter() - started:.0f}s)", flush=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ["DEBUG"] = "true"
    import django

    django.setup()
    from bench import _mixed_seed

    _mixed_seed.seed(reports=opts.reports, open_cases=opts.open, closed_cases=opts.closed,
                     queue_share=opts.queue_share)

    from oxtom.cases.models import Case
    from oxtom.places.models import Division
    from oxtom.places.selectors import current_boundary_set
    from portal.models import StreetReport

    slugs = list(Division.objects.filter(boundary_set=current_boundary_set()).values_list("slug", flat=True))
    # Public report pages of the demo's own reports (made through the services, with real photos).
    refs = list(StreetReport.objects.filter(is_public=True, case__submission_key__startswith="demo")
                .values_list("case__reference", flat=True)[:200]) or \
        list(StreetReport.objects.filter(is_public=True).values_list("case__reference", flat=True)[:200])
    print(f"  database: {Case.objects.count():,} cases, {StreetReport.objects.count():,} street reports", flush=True)
    return {
        BARE: ["/accessibility/"],
        "public-division": [f"/divisions/{s}/" for s in slugs],
        "public-overview": ["/divisions/"],
        "public-report": [f"/reports/{r}/" for r in refs],
        "public-home": ["/"],
        "open311": ["/open311/v2/requests.json"],
        "officer-queue": ["/staff/queues/highways-north/"],
        "officer-home": ["/staff/"],
        "resident-account": ["/account/"],
        "resident-cases": ["/account/cases/"],
        "councillor-division": ["/members/division/"],
        "councillor-briefing": ["/members/division/briefing/"],
    }


def gunicorn_env(opts, tmp: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))},
        "DEBUG": "false",
        "SECRET_KEY": "mixed-load-bench-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"https://127.0.0.1:{opts.port}",
        "REDIS_URL": opts.redis_url,
        "OXTOM_VAR_DIR": str(tmp),
        "MEDIA_ROOT": str(ROOT / "var" / "media"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def collect_static(opts, env: dict[str, str]) -> None:
    """Production settings serve hashed static files from a manifest: collect them for the served checkout."""
    proc = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=opts.app_dir,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  collectstatic failed in {opts.app_dir} (using its staticfiles/ as it is): "
              f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")


def start_gunicorn(opts, env: dict[str, str], log: Path) -> subprocess.Popen:
    try:
        return _start_gunicorn(opts, env, log)
    except BaseException:
        stop(_started[-1] if _started else None)
        raise


_started: list[subprocess.Popen] = []


def stop(server: subprocess.Popen | None) -> None:
    if server is not None and server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _start_gunicorn(opts, env: dict[str, str], log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "oxtom.wsgi", "--workers", str(opts.workers), "--bind",
         f"127.0.0.1:{opts.port}", "--chdir", str(opts.app_dir), "--timeout", "60", "--log-level", "warning"],
        env=env, cwd=opts.app_dir, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    _started.append(proc)
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            answer = requests.get(f"http://127.0.0.1:{opts.port}/accessibility/", headers=HTTPS, timeout=2)
            if answer.ok:
                return proc
            raise SystemExit(f"gunicorn answered {answer.status_code}:\n{log.read_text()[-2000:]}")
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


HTTPS = {"X-Forwarded-Proto": "https"}


class Browser:
    """Just enough of a browser to sign in: cookies by hand (they are Secure), CSRF tokens from forms."""

    def __init__(self, base: str):
        import requests

        self.base, self.http, self.cookies = base, requests.Session(), {}

    def _headers(self, path: str) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**HTTPS, "Referer": f"https://{self.base.split('://')[1]}{path}", **({"Cookie": cookie} if cookie else {})}

    def request(self, method: str, path: str, data: dict | None = None):
        response = self.http.request(method, self.base + path, data=data, headers=self._headers(path),
                                     allow_redirects=False, timeout=30)
        self.cookies.update(response.cookies.get_dict())
        self.http.cookies.clear()
        return response

    def form(self, path: str, fields: dict) -> "object":
        page = self.request("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not token:
            raise SystemExit(f"no sign-in form at {path} ({page.status_code})")
        extra = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        return self.request("POST", path, {**extra, "csrfmiddlewaretoken": token[1], **fields})


def totp_now(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(base: str, role: str) -> str:
    """Sign the demo sign-in for `role` in through the real forms; return its Cookie header."""
    from bench._mixed_seed import PRIVILEGED, TOTP_SECRET
    from oxtom.core.management.commands.seed_demo import DEMO_DOMAIN, DEMO_PASSWORD

    browser = Browser(base)
    done = browser.form("/accounts/login/", {"login": f"{role}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD})
    if done.status_code != 302:
        raise SystemExit(f"{role}: the sign-in form answered {done.status_code}")
    if role in PRIVILEGED:
        if done.headers["Location"] != "/accounts/2fa/authenticate/":
            raise SystemExit(f"{role}: expected the two-factor step, went to {done.headers['Location']}")
        done = browser.form("/accounts/2fa/authenticate/", {"code": totp_now(TOTP_SECRET)})
        if done.status_code != 302:
            raise SystemExit(f"{role}: the two-factor form answered {done.status_code}")
    home = {"officer": "/staff/", "councillor": "/members/", "resident": "/account/"}[role]
    if browser.request("GET", home).status_code != 200:
        raise SystemExit(f"{role}: not signed in after the forms")
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


def warm(base: str, kinds: dict, sessions: dict, *, seconds: int) -> None:
    import requests
    from concurrent.futures import ThreadPoolExecutor

    deadline = time.monotonic() + seconds
    jobs = [(path, kind.get("role")) for kind in kinds.values() for path in kind["paths"]]

    def get(job) -> None:
        path, role = job
        if time.monotonic() > deadline:
            return
        headers = {**HTTPS, **({"Cookie": sessions[role][0]} if role else {})}
        try:
            requests.get(base + path, headers=headers, timeout=60, allow_redirects=False)
        except requests.RequestException:
            pass

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(get, jobs))
    print(f"  warmed {len(jobs)} pages in {time.monotonic() - started:.0f}s", flush=True)


def run_locust(opts, plan_file: Path, tmp: Path, label: str, only: str, seconds: int) -> dict[str, dict]:
    prefix = tmp / f"locust-{label}"
    env = {**os.environ, "MIXED_PLAN": str(plan_file), "MIXED_ONLY": only}
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "_mixed_locustfile.py"), "--headless",
           "-u", str(opts.connections), "-r", str(opts.connections), "-t", f"{seconds}s", "--host",
           f"http://127.0.0.1:{opts.port}", "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
           "--loglevel", "ERROR", "--exit-code-on-error", "0"]
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120)
    stats_file = Path(f"{prefix}_stats.csv")
    if proc.returncode != 0 or not stats_file.exists():
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"locust failed for {label}")
    out = {}
    with stats_file.open() as fh:
        for row in csv.DictReader(fh):
            if row["Name"] == "Aggregated":
                row["Name"] = "*"
            out[row["Name"]] = {
                "requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]), "p50": float(row["50%"]), "p95": float(row["95%"]),
                "p99": float(row["99%"]), "bytes": float(row["Average Content Size"]),
            }
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        lines = failures.read_text().splitlines()[1:4]
        for line in lines:
            print(f"    failure: {line[:200]}")
    return out


def main() -> int:  # noqa: C901 - one linear script reads best
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=700_000)
    parser.add_argument("--reports", type=int, default=225_000, help="street reports over five years")
    parser.add_argument("--open", type=int, default=100_000, help="open cases")
    parser.add_argument("--closed", type=int, default=985_000, help="closed cases")
    parser.add_argument("--queue-share", type=float, default=0.28,
                        help="share of the open cases that go to the demo officer's team (Highways North)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=60, help="seconds of the mix")
    parser.add_argument("--alone", type=int, default=15, help="seconds of each page type alone (0: skip)")
    parser.add_argument("--warm", type=int, default=120, help="seconds at most to request every page once first")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8130)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"))
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout gunicorn serves (same database)")
    parser.add_argument("--only", help="comma-separated page types to run alone (default: all)")
    parser.add_argument("--seed-only", action="store_true", help="seed the database and stop")
    parser.add_argument("--quick", action="store_true", help="small sizes and short runs (also BENCH_QUICK=1)")
    opts = parser.parse_args()
    if opts.quick or os.environ.get("BENCH_QUICK") == "1":
        opts.customers, opts.reports, opts.open, opts.closed = 20_000, 5_000, 2_000, 10_000
        opts.duration, opts.alone = 10, 4
    opts.app_dir = opts.app_dir.resolve()
    use_bench_database("mixed", keep=True)
    print(f"mixed_load: {re.sub(r'//[^@/]*@', '//***@', os.environ['DATABASE_URL'])}, serving {opts.app_dir}",
          flush=True)
    plan = seed_and_plan(opts)
    if opts.seed_only:
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="oxtom-mixed-"))
    server = None
    try:
        env = gunicorn_env(opts, tmp)
        if opts.app_dir == ROOT:  # another checkout brings its own staticfiles/ (copy this one's)
            collect_static(opts, env)
        server = start_gunicorn(opts, env, tmp / "gunicorn.log")
        base = f"http://127.0.0.1:{opts.port}"
        sessions = {role: [sign_in(base, role)] for role in ("resident", "officer", "councillor")}
        kinds = {BARE: {"weight": 0, "paths": plan[BARE]}}
        for name, (weight, role, status) in MIX.items():
            kinds[name] = {"weight": weight, "paths": plan[name], "role": role, "status": status}
        plan_file = tmp / "plan.json"
        plan_file.write_text(json.dumps({"sessions": sessions, "kinds": kinds}))
        # Warm up before measuring: every page once (the figures the pages cache change once a
        # night, so a live site has them cached), then every worker through a short run.
        warm(base, kinds, sessions, seconds=opts.warm)
        run_locust(opts, plan_file, tmp, "warm", "", 5)

        print(f"\n  {opts.connections} connections, gunicorn {opts.workers} sync workers, production settings", flush=True)
        alone: dict[str, dict] = {}
        bare = run_locust(opts, plan_file, tmp, "bare", BARE, max(opts.alone, 10))[BARE]
        mix = run_locust(opts, plan_file, tmp, "mix", "", opts.duration)
        wanted = opts.only.split(",") if opts.only else list(MIX)
        if opts.alone:
            for name in wanted:
                alone[name] = run_locust(opts, plan_file, tmp, name, name, opts.alone)[name]
        bare_after = run_locust(opts, plan_file, tmp, "bare-after", BARE, max(opts.alone, 10))[BARE]
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)

    bare_rps = (bare["rps"] + bare_after["rps"]) / 2
    head = f"  {'page type':<22}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>8}{'kB':>8}{'x bare':>8}"
    print(f"\n  bare template page alone: {bare['rps']:.1f} req/s before the runs, {bare_after['rps']:.1f} after "
          f"(p95 {bare['p95']:.0f} ms)")
    print(f"\n  the mix ({opts.duration} s)\n{head}")
    for name in [*MIX, "*"]:
        s = mix.get(name)
        if s:
            print(f"  {name:<22}{s['rps']:>8.1f}{s['p50']:>8.0f}{s['p95']:>8.0f}{s['p99']:>8.0f}{s['errors']:>8}"
                  f"{s['bytes'] / 1000:>8.1f}" + (f"{s['rps'] / bare_rps:>8.2f}" if name == "*" else f"{'-':>8}"))
    if alone:
        print(f"\n  each page type alone ({opts.alone} s each)\n{head}")
        for name, s in alone.items():
            print(f"  {name:<22}{s['rps']:>8.1f}{s['p50']:>8.0f}{s['p95']:>8.0f}{s['p99']:>8.0f}{s['errors']:>8}"
                  f"{s['bytes'] / 1000:>8.1f}{s['rps'] / bare_rps:>8.2f}")
    total = mix["*"]
    print(f"\nBENCH mixed_load.bare_rps {bare_rps:.1f} req/s")
    print(f"BENCH mixed_load.mix_rps {total['rps']:.1f} req/s")
    print(f"BENCH mixed_load.mix_ratio {total['rps'] / bare_rps:.2f} x bare")
    print(f"BENCH mixed_load.mix_p95 {total['p95']:.0f} ms")
    print(f"BENCH mixed_load.mix_errors {total['errors']} errors")
    for name, s in alone.items():
        print(f"BENCH mixed_load.{name}.ratio {s['rps'] / bare_rps:.2f} x bare")
        print(f"BENCH mixed_load.{name}.p95 {s['p95']:.0f} ms")

    def verdict(ok: bool, text: str) -> None:
        print(f"  {'met' if ok else 'NOT met'}: {text}")

    print("\n  targets")
    worst = max((s["p95"] for n, s in mix.items() if n != "*"), default=0)
    verdict(total["rps"] / bare_rps >= TARGET_MIX_RATIO, f"mix at least {TARGET_MIX_RATIO:.0%} of the bare page "
            f"({total['rps'] / bare_rps:.2f})")
    verdict(worst <= TARGET_P95_MS, f"every page type's p95 in the mix at most {TARGET_P95_MS} ms (worst {worst:.0f})")
    verdict(total["errors"] == 0, f"no errors ({total['errors']})")
    for name in ("public-division", "councillor-division", "open311"):
        if name in alone:
            ratio = alone[name]["rps"] / bare_rps
            verdict(ratio >= TARGET_CACHED_RATIO, f"{name} alone at least {TARGET_CACHED_RATIO:.0%} of the bare page "
                    f"({ratio:.2f})")
    if "open311" in mix:
        verdict(mix["open311"]["bytes"] < TARGET_OPEN311_BYTES, f"Open311 default requests.json under 100 kB "
                f"({mix['open311']['bytes'] / 1000:.0f} kB)")
    return 0 if total["requests"] else 1


if __name__ == "__main__":
    sys.exit(main())
