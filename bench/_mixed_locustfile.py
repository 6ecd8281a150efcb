"""The locust users bench/mixed_load.py drives (not a benchmark itself: run_all.py skips "_" names).

Configured through the environment by mixed_load.py:
- MIXED_PLAN: a JSON file with the sessions signed in through the real forms (cookies per role),
  the page list per page type, and which page types to run with what weight;
- MIXED_ONLY: run just this page type (the "alone" runs), else the weighted mix.
Production settings set Secure cookies and redirect to https; the load speaks plain http to
gunicorn on 127.0.0.1 as a TLS-terminating proxy would, with X-Forwarded-Proto: https, and
sends the session cookie itself (a cookie jar will not send a Secure cookie over http).
"""
from __future__ import annotations

import json
import os
import random

from locust import FastHttpUser, constant, task

PLAN = json.loads(open(os.environ["MIXED_PLAN"], encoding="utf-8").read())
ONLY = os.environ.get("MIXED_ONLY", "")
KINDS = {name: kind for name, kind in PLAN["kinds"].items() if not ONLY or name == ONLY}
NAMES = list(KINDS)
WEIGHTS = [KINDS[n]["weight"] if not ONLY else 1 for n in NAMES]


class Visitor(FastHttpUser):
    wait_time = constant(0)  # closed loop: each connection asks again as soon as it is answered
    connection_timeout = 30.0
    network_timeout = 30.0

    def on_start(self) -> None:
        self.sessions = {role: random.choice(cookies) for role, cookies in PLAN["sessions"].items()}

    @task
    def one(self) -> None:
        name = random.choices(NAMES, WEIGHTS)[0]
        kind = KINDS[name]
        path = random.choice(kind["paths"])
        headers = {"X-Forwarded-Proto": "https", "Accept": kind.get("accept", "text/html")}
        role = kind.get("role")
        if role:
            headers["Cookie"] = self.sessions[role]
        with self.client.get(path, headers=headers, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != kind.get("status", 200):
                r.failure(f"{path}: {r.status_code}")
