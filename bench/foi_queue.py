#!/usr/bin/env python
"""The FOI co-ordinator's queue and case page at 20,000 open requests: constant queries, indexed reads.

    createdb -h 127.0.0.1 -U postgres oxtom_foi_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oxtom_foi_bench .venv/bin/python bench/foi_queue.py
    DATABASE_URL=… .venv/bin/python bench/foi_queue.py --open 5000     # quicker; BENCH_QUICK=1: ~1,000

Measures PostgreSQL only (refuses SQLite): production runs it, and the question is its plan. Needs an
empty database of its own (drop and create it again to rerun). Migrates it (the migrations seed the
information governance team and the two FOI services), adds a co-ordinator and an Access and Disclosure
officer in that team, holding services and requesters, then in two steps:

1. a small queue: --small open requests (default 20; five of them made through bas/foi/services.py,
   the rest bulk-inserted as the services would leave them) and a little closed history with an
   internal review waiting;
2. the county: --open N more open requests (default 20,000) with their engine cases, timelines,
   allocations (engine tasks), exemptions, personal data findings and a few attachments, spread over
   the stages, received over ten weeks (some overdue, some waiting for clarification with the clock
   stopped, some extended), --closed answered ones (some with internal reviews) and --other open
   cases of other teams in the same case table. All by bulk_create.

At each size, through Django's test client signed in as the co-ordinator (two-factor passed), it times
the queue page (all open, and each stage filter the page links to; 50 a page, soonest due first), at the
large size also page 2 (the first page's "Next page" link: a keyset cursor on the last row's due date and
case id), the queue as the approver (with "waiting for your approval") and the case page of requests at
every stage: --runs each (default 30), median / p95 ms and the queries per page. Exits 1 if any page's
query count at the large size differs from the small one (the case page: the same requests, and requests
of the same stage; page 2: page 1's), if a page is not 200, if the first page is not the soonest due or
page 2 not the next 50, or if the queue's query plan (all open, each stage, and page 2) scans the request
or case table sequentially or reads more than READ_LIMIT rows of either for its page of 50. Prints the plan (EXPLAIN ANALYZE) of the queue's
query and BENCH lines; the ratios compare the two sizes, measured a few minutes apart on the same machine.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._support import percentile  # noqa: E402

OPEN_WEIGHTS = {"triage": 15, "clarification": 8, "collecting": 35, "drafting": 27, "awaiting_approval": 15}
OUTCOMES = {"granted": 50, "partly": 18, "withheld": 8, "not_held": 16, "published": 3, "cost": 5}
TOPICS = ("Potholes repaired", "Agency staff spend", "Home to school transport", "Air quality monitoring",
          "Street lighting", "Cyber security", "Parking fines", "Children in care", "Gritting routes",
          "Consultants spend", "Library visits", "Bus subsidies", "Fly-tipping", "SEND tribunals", "Care homes",
          "Senior salaries", "Flooding", "Tree felling", "Waste contracts", "IT contracts", "Speed cameras")
HOLDERS = ("Highways North", "Highways South", "Education", "Adult Social Care", "Children's Services",
           "Finance", "Human Resources", "Property", "Transport", "Environment")
FIRST = ("Alex", "Sam", "Priya", "Tom", "Grace", "Mohammed", "Olivia", "Jack", "Aisha", "Ben", "Chloe", "Daniel")
LAST = ("Example", "Sampleton", "Fictionby", "Placeholder", "Testwell", "Madeup", "Notreal", "Dummyford")
BIG_TABLES = ("foi_foirequest", "casework_case")
# A page of 50 read in index order, a stage filter reading a page divided by its share (the smallest,
# clarification, about 8%): well under this. Reading every open request is 20,000.
READ_LIMIT = 1000


def setup() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/foi_queue.py measures PostgreSQL: set DATABASE_URL to an empty PostgreSQL database of its "
                 "own, e.g. postgres://postgres@127.0.0.1:5432/oxtom_foi_bench (createdb it first)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("OXTOM_VAR_DIR", tempfile.mkdtemp(prefix="oxtom-bench-foi-queue-"))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log kept between requests (CaptureQueriesContext counts anyway)
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.0f}s")


class Seeder:
    """Bulk rows shaped as bas/foi/services.py and the engine leave them, stage by stage."""

    def __init__(self, rng: random.Random, *, batch: int):
        from django.utils import timezone

        from bas.foi import rules
        from oxtom.accounts.models import Team, TeamMembership, User
        from oxtom.cases.models import Service
        from oxtom.customers.models import Customer

        self.rng, self.batch = rng, batch
        self.rules = rules
        self.now, self.today = timezone.now(), timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.team = Team.objects.get(slug="information-governance")
        self.service = Service.objects.get(code="foi-eir-request")
        self.review_service = Service.objects.get(code="foi-eir-internal-review")

        def member(email: str, roles: list[str], name: str, team) -> User:
            user = User.objects.create_user(email, None, roles=roles, full_name=name)
            TeamMembership.objects.create(team=team, user=user, team_role="officer")
            return user

        self.coordinator = member("bench.foi.coordinator@example.org", ["foi_coordinator"], "Fay Benchmark", self.team)
        self.approver = member("bench.foi.approver@example.org", ["disclosure_officer"], "Dev Benchmark", self.team)
        self.officers = [self.coordinator] + [
            member(f"bench.foi.officer{i}@example.org", ["foi_coordinator"], f"FOI Officer {i}", self.team)
            for i in range(3)]
        self.holders = []
        # The services that hold the information: teams the migrations seeded (or named here if they did not).
        teams = list(Team.objects.exclude(pk=self.team.pk).order_by("id")[: len(HOLDERS)])
        teams += [Team.objects.create(slug=f"bench-holder-{i}", name=f"{name} (bench)")
                  for i, name in enumerate(HOLDERS[len(teams):])]
        for i, team in enumerate(teams):
            holder = member(f"bench.holder{i}@example.org", ["officer"], f"{team.name} officer", team)
            self.holders.append((team, holder))
        self.other_team, _ = Team.objects.get_or_create(slug="bench-other-work", defaults={"name": "Bench other work"})
        self.other_service = Service.objects.create(
            code="bench-other-report", name="Bench other report", kind="report", team=self.other_team,
            reference_prefix="BO", notify_customer_on_change=False)
        customers = []
        for i in range(4000):
            first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{i}"
            customers.append(Customer(reference=f"CF{i:08d}", first_name=first, last_name=last,
                                      email=f"foi.requester{i}@example.org", search_last_name=last.lower(),
                                      search_first_name=first.lower()))
        Customer.objects.bulk_create(customers, batch_size=batch)
        self.customers = list(Customer.objects.filter(reference__startswith="CF").values_list("id", "first_name",
                                                                                                 "last_name"))
        self._due: dict[dt.date, dt.date] = {}
        self.serial = 0

    # --- helpers ------------------------------------------------------------------------------------

    def due(self, day: dt.date) -> dt.date:
        if day not in self._due:
            self._due[day] = self.rules.statutory_due(day)
        return self._due[day]

    def at(self, day: dt.date, hour: int = 9) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, self.rng.randint(0, 59)), tzinfo=self.tz)

    def pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def reference(self, prefix: str, day: dt.date) -> str:
        # B and 0-2/5/6/8 are outside the engine's reference alphabet: these never clash with a real one.
        self.serial += 1
        return f"{prefix}-{day.year}-B{self.serial:05d}"

    # --- requests -----------------------------------------------------------------------------------

    def requests(self, n: int, *, answered: bool) -> int:
        """n open requests (stages spread as OPEN_WEIGHTS), or n answered ones (sent, some reviewed)."""
        made = 0
        while made < n:
            size = min(self.batch, n - made)
            self._batch(size, answered=answered)
            made += size
        return made

    def _batch(self, size: int, *, answered: bool) -> None:  # noqa: C901 - one branch a stage
        from bas.foi.models import Allocation, Attachment, Exemption, FoiRequest, InternalReview, PersonalDataHit
        from oxtom.cases.models import Case, CaseEvent, CaseTask

        rng, today = self.rng, self.today
        plans, cases = [], []
        for _ in range(size):
            if answered:
                received = today - dt.timedelta(days=rng.randint(30, 720))
                stage = "sent"
            else:
                back = rng.randint(0, 34) if rng.random() < 0.85 else rng.randint(35, 70)
                received = today - dt.timedelta(days=back)
                stage = self.pick(OPEN_WEIGHTS)
            customer_id, first, last = rng.choice(self.customers)
            regime = "eir" if rng.random() < 0.2 else "foi"
            topic = rng.choice(TOPICS)
            due, started, paused = self.due(received), None, None
            extended = stage in ("collecting", "drafting", "awaiting_approval") and rng.random() < 0.05
            if stage == "clarification":
                paused = min(today, received + dt.timedelta(days=rng.randint(1, 10)))
            elif stage != "triage" and not answered and rng.random() < 0.1:
                started = min(today, received + dt.timedelta(days=rng.randint(3, 12)))  # clarified: clock restarted
                due = self.due(started)
            if extended:
                due = (self.rules.extended_due(regime=regime, clock_started_on=started or received, current_due=due))
            status = {"triage": "new", "clarification": "awaiting_customer", "sent": "closed"}.get(stage, "in_progress")
            valid = None if stage == "triage" else True
            if stage == "triage" and rng.random() < 0.1:
                valid = False
            assignee = rng.choice(self.officers) if status not in ("new",) else None
            sent_on = min(today - dt.timedelta(days=1), due + dt.timedelta(days=rng.choice((-9, -5, -2, 0, 0, 3))))
            text = (f"Please provide the {rng.choice(('number', 'cost', 'list'))} of {topic.lower()} in "
                    f"{received.year - rng.randint(0, 3)}, by month and by district.")
            cases.append(Case(
                reference=self.reference("FOI", received), service=self.service, customer_id=customer_id,
                team=self.team, status=status, title="Information request",
                answers={"request": text, "regime": regime}, channel=self.pick({"web": 60, "email": 35, "post": 5}),
                received_at=self.at(received), due_at=due, paused_on=paused, clock_started_on=started,
                extension_working_days=20 if extended else 0, extensions_used=1 if extended else 0,
                assignee=assignee, outcome="completed" if answered else "",
                closed_at=self.at(sent_on, 15) if answered else None, version=rng.randint(2, 9)))
            drafted = stage in ("awaiting_approval", "sent") or (stage == "drafting" and rng.random() < 0.7)
            outcome = self.pick(OUTCOMES) if drafted else ""
            plans.append(dict(stage=stage, regime=regime, topic=topic, text=text, received=received, valid=valid,
                              name=f"{first} {last}", drafted=drafted, outcome=outcome, extended=extended,
                              sent_on=sent_on, due=due, checked=stage in ("awaiting_approval", "sent")
                              or (drafted and rng.random() < 0.5)))
        Case.objects.bulk_create(cases, batch_size=self.batch)

        requests = []
        for case, p in zip(cases, plans):
            response = ""
            if p["drafted"]:
                response = (f"We hold this information. {p['topic']}: the figures for each month are in the table "
                            f"below. " + " ".join(str(self.rng.randint(10, 9999)) for _ in range(12)))
            sent = p["stage"] == "sent"
            requests.append(FoiRequest(
                case=case, regime=p["regime"], stage=p["stage"], request_text=p["text"], requester_name=p["name"],
                received_on=p["received"], topic="" if p["stage"] == "triage" else p["topic"], valid=p["valid"],
                triage_note="Asks for a whole decade: needs narrowing" if p["valid"] is False else "",
                outcome=p["outcome"], response_text=response,
                drafted_by=rng.choice(self.officers) if p["drafted"] else None,
                drafted_at=self.at(min(today, p["received"] + dt.timedelta(days=12))) if p["drafted"] else None,
                checked_digest=(hashlib.sha256("\x1f".join([response, ""]).encode()).hexdigest()
                                if p["checked"] else ""),
                approved_by=self.approver if sent else None, approved_at=case.closed_at if sent else None,
                sent_at=case.closed_at if sent else None, answered_in_time=(p["sent_on"] <= p["due"]) if sent else None,
                extension_reason="Public interest test under section 43" if p["extended"] else ""))
        FoiRequest.objects.bulk_create(requests, batch_size=self.batch)

        tasks, allocations, exemptions, hits, attachments, events, reviews = [], [], [], [], [], [], []
        for request, p in zip(requests, plans):
            case = request.case
            received_at = case.received_at
            events.append(CaseEvent(case=case, kind="created", occurred_at=received_at, visibility="public",
                                    to_status="new", text="FOI or EIR request received"))
            if p["stage"] == "triage":
                continue
            events.append(CaseEvent(case=case, kind="status_changed", occurred_at=received_at + dt.timedelta(days=1),
                                    actor=case.assignee, visibility="public", from_status="new",
                                    to_status="in_progress", text="Triaged as a valid request"))
            if p["stage"] == "clarification":
                events.append(CaseEvent(case=case, kind="status_changed", occurred_at=self.at(case.paused_on, 11),
                                        actor=case.assignee, visibility="customer", from_status="in_progress",
                                        to_status="awaiting_customer", text="Which years do you need?",
                                        data={"clock_paused": True}))
                continue
            if p["extended"]:
                events.append(CaseEvent(case=case, kind="extended", occurred_at=received_at + dt.timedelta(days=15),
                                        actor=case.assignee, visibility="customer", text=request.extension_reason))
            done = p["stage"] != "collecting"
            for k in range(rng.choice((0, 1, 1, 1, 2, 2, 3)) if p["stage"] != "collecting" else rng.randint(1, 3)):
                team, holder = rng.choice(self.holders)
                finished = done or (k == 0 and rng.random() < 0.3)
                task = CaseTask(case=case, title=f"{team.name}: the figures for {p['topic'].lower()}",
                                due_on=case.due_at - dt.timedelta(days=7),
                                created_at=received_at + dt.timedelta(days=1), created_by=case.assignee,
                                done_at=received_at + dt.timedelta(days=6) if finished else None,
                                done_by=holder if finished else None)
                tasks.append(task)
                allocations.append(Allocation(
                    request=request, team=team, task=task, asked=f"The figures for {p['topic'].lower()}",
                    information="Monthly figures attached" if finished else "",
                    replied_by=holder if finished else None,
                    replied_at=task.done_at if finished else None))
                events.append(CaseEvent(case=case, kind="task_added", occurred_at=task.created_at,
                                        actor=case.assignee, text=task.title))
                if finished:
                    events.append(CaseEvent(case=case, kind="task_done", occurred_at=task.done_at, actor=holder,
                                            text=task.title))
            if p["outcome"] in ("partly", "withheld") or (p["extended"] and p["regime"] == "foi"):
                for provision in rng.sample(["section 40(2)", "section 43(2)", "section 31(1)(a)", "section 21"],
                                            rng.randint(1, 2)):
                    exemptions.append(Exemption(request=request, provision=provision, applied_by=case.assignee,
                                                public_interest="Weighed: the balance favours withholding",
                                                applied_at=received_at + dt.timedelta(days=10)))
            if p["drafted"] and rng.random() < 0.1:
                attachments.append(Attachment(
                    request=request, file=f"foi/bench-{request.pk:08d}", filename="figures.csv",
                    content_type="text/csv", size=rng.randint(800, 40_000), uploaded_by=case.assignee,
                    text="month,figure\nApril,120\nMay,133", uploaded_at=received_at + dt.timedelta(days=11)))
            if request.checked_digest:
                decided = p["stage"] in ("awaiting_approval", "sent")
                for _ in range(rng.choice((0, 0, 1, 2, 3))):
                    state = rng.choice(("redacted", "cleared")) if decided else rng.choice(("open", "redacted"))
                    hits.append(PersonalDataHit(
                        request=request, kind="name", found=p["name"], context=f"from {p['name']} about",
                        state=state, decided_by=case.assignee if state != "open" else None,
                        decided_at=received_at + dt.timedelta(days=13) if state != "open" else None,
                        note="The requester's own name" if state == "cleared" else ""))
            if p["stage"] == "sent":
                events.append(CaseEvent(case=case, kind="status_changed", occurred_at=case.closed_at,
                                        actor=self.approver, visibility="public", from_status="in_progress",
                                        to_status="closed", text="Response sent"))
                if rng.random() < 0.02:
                    reviews.append((request, p))
        CaseTask.objects.bulk_create(tasks, batch_size=self.batch)
        Allocation.objects.bulk_create(allocations, batch_size=self.batch)
        Exemption.objects.bulk_create(exemptions, batch_size=self.batch)
        Attachment.objects.bulk_create(attachments, batch_size=self.batch)
        PersonalDataHit.objects.bulk_create(hits, batch_size=self.batch)
        CaseEvent.objects.bulk_create(events, batch_size=self.batch)
        if attachments:  # the check covers the attachments too (services._digest)
            from bas.foi.services import _digest

            checked = [a.request for a in attachments if a.request.checked_digest]
            for request in checked:
                request.checked_digest = _digest(request)
            FoiRequest.objects.bulk_update(checked, ["checked_digest"], batch_size=self.batch)
        self._reviews(reviews, InternalReview, Case)

    def _reviews(self, reviewed, InternalReview, Case) -> None:
        """Internal reviews of answered requests: recent ones waiting for a decision, older ones decided."""
        if not reviewed:
            return
        cases, rows = [], []
        for request, p in reviewed:
            asked = min(self.today, p["sent_on"] + dt.timedelta(days=self.rng.randint(2, 30)))
            waiting = (self.today - asked).days < 28
            cases.append(Case(
                reference=self.reference("IR", asked), service=self.review_service,
                customer_id=request.case.customer_id,
                team=self.team, parent=request.case, status="in_progress" if waiting else "closed",
                title="Internal review", answers={"reason": "The exemption was wrongly applied"}, channel="email",
                received_at=self.at(asked), due_at=self.due(asked), outcome="" if waiting else "completed",
                closed_at=None if waiting else self.at(asked + dt.timedelta(days=20)),
                assignee=self.approver if waiting else None))
        Case.objects.bulk_create(cases)
        for (request, p), case in zip(reviewed, cases):
            waiting = case.status != "closed"
            rows.append(InternalReview(request=request, case=case, grounds="The exemption was wrongly applied",
                                       result="" if waiting else "upheld", reasons="" if waiting else "Upheld",
                                       decided_by=None if waiting else self.approver,
                                       decided_at=case.closed_at))
        InternalReview.objects.bulk_create(rows)

    def other_cases(self, n: int) -> None:
        """Open cases of another team in the same table: the FOI queue must not read them."""
        from oxtom.cases.models import Case

        made = 0
        while made < n:
            batch = []
            for _ in range(min(self.batch, n - made)):
                received = self.today - dt.timedelta(days=self.rng.randint(0, 90))
                batch.append(Case(
                    reference=self.reference("BO", received), service=self.other_service,
                    customer_id=self.rng.choice(self.customers)[0], team=self.other_team,
                    status=self.rng.choice(("new", "accepted", "in_progress")), title="Bench other report",
                    answers={"description": "Outside number 12"}, channel="web", received_at=self.at(received),
                    due_at=received + dt.timedelta(days=self.rng.randint(5, 40))))
            Case.objects.bulk_create(batch, batch_size=self.batch)
            made += len(batch)

    # --- five made the way the pages make them -------------------------------------------------------

    def through_services(self) -> list[str]:
        """One request at each open stage (and one answered and under review) made by bas/foi/services.py."""
        from bas.foi import services

        def made(n: int):
            return services.foi_request_make(
                name="Nick Servicemade", email=f"nick.servicemade{n}@example.org", by=None,
                request_text=f"Please send the number of potholes repaired on the A34 in 202{n} by month.")

        fay, dev = self.coordinator, self.approver
        triage = made(1)
        clarify = services.foi_ask_clarification(request=made(2), question="Which stretch of the A34?", by=fay)
        collecting = services.foi_triage(request=made(3), valid=True, regime="foi", topic="Potholes repaired", by=fay)
        team = self.holders[0][0]
        services.foi_allocate(request=collecting, team=team, asked="Repairs by month",
                              due_on=collecting.case.due_at - dt.timedelta(days=5), by=fay)
        drafting = services.foi_triage(request=made(4), valid=True, regime="foi", topic="Potholes repaired", by=fay)
        services.foi_exemption_add(request=drafting, provision="section 40(2)", public_interest="", by=fay)
        services.foi_draft_save(request=drafting, outcome="partly", by=fay,
                                response_text="We repaired 1,204 potholes. Contact john.smith@example.org.")
        services.foi_check_personal_data(request=drafting, by=fay)
        waiting = services.foi_triage(request=made(5), valid=True, regime="eir", topic="Potholes repaired", by=fay)
        services.foi_draft_save(request=waiting, outcome="granted", by=fay, response_text="We repaired 1,388 potholes.")
        services.foi_check_personal_data(request=waiting, by=fay)
        services.foi_submit_for_approval(request=waiting, by=fay)
        answered = services.foi_triage(request=made(6), valid=True, regime="foi", topic="Potholes repaired", by=fay)
        services.foi_draft_save(request=answered, outcome="granted", by=fay, response_text="We repaired 1,190.")
        services.foi_check_personal_data(request=answered, by=fay)
        services.foi_submit_for_approval(request=answered, by=fay)
        services.foi_approve(request=answered, by=dev)
        services.foi_review_open(request=answered, grounds="The figures look incomplete", by=fay)
        return [r.case.reference for r in (triage, clarify, collecting, drafting, waiting)]


def signed_in(user):
    from django.test import Client

    from oxtom.accounts.middleware import MFA_OK_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[MFA_OK_KEY] = True  # staff have passed two-factor, as they would have
    session.save()
    return client


def measure(kinds: dict, runs: int) -> dict[str, dict]:
    """Each page kind `runs` times: ms, query counts, statuses, and the SQL of the last request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    for name, (client, url_for) in kinds.items():
        client.get(url_for(0))  # warm
        times, counts, statuses, per_url = [], [], Counter(), {}
        for i in range(runs):
            url = url_for(i)
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            counts.append(len(queries))
            statuses[response.status_code] += 1
            per_url[url] = len(queries)
        results[name] = {"times": times, "counts": counts, "statuses": statuses, "per_url": per_url,
                         "sql": [q["sql"] for q in queries.captured_queries], "body": response.content.decode()}
    return results


def report(label: str, results: dict) -> None:
    for name, r in results.items():
        times, counts = r["times"], r["counts"]
        print(f"  {name:34s} median {statistics.median(times):7.1f} ms  p95 {percentile(times, 95):7.1f} ms  "
              f"queries {min(counts)}-{max(counts)}  statuses {dict(r['statuses'])}")
        key = f"foi_queue.{label}.{name}"
        print(f"BENCH {key}.median_ms {statistics.median(times):.1f} ms")
        print(f"BENCH {key}.p95_ms {percentile(times, 95):.1f} ms")
        print(f"BENCH {key}.queries {max(counts)} queries")


def explain(stage: str = "", after: tuple | None = None) -> tuple[str, dict[str, int], list[str]]:
    """The queue query's plan as text, the rows it read from each big table, and any sequential scans there.

    Rows read by a scan node: (rows returned + rows its filter removed) x loops, from EXPLAIN's JSON.
    """
    import json

    from django.db import connection

    from bas.foi import selectors

    sql, params = selectors.queue_rows(stage=stage, after=after, limit=selectors.PAGE + 1).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        tree = cursor.fetchone()[0]
    tree = json.loads(tree) if isinstance(tree, str) else tree
    read: dict[str, int] = Counter()
    seq: list[str] = []

    def walk(node: dict) -> None:
        table = node.get("Relation Name")
        if table in BIG_TABLES:
            loops = node.get("Actual Loops", 1)
            read[table] += round((node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops)
            if node.get("Node Type") == "Seq Scan":
                seq.append(table)
        for child in node.get("Plans", []):
            walk(child)

    walk(tree[0]["Plan"])
    return text, dict(read), seq


def main() -> None:  # noqa: C901 - one run, step by step
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=20_000, help="open requests at the large size")
    parser.add_argument("--small", type=int, default=20, help="open requests at the small size (5 by the services)")
    parser.add_argument("--closed", type=int, default=10_000, help="answered requests (history the queue ignores)")
    parser.add_argument("--other", type=int, default=50_000, help="open cases of another team in the case table")
    parser.add_argument("--runs", type=int, default=30, help="requests per page kind")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261213)
    parser.add_argument("--quick", action="store_true", help="small sizes (also BENCH_QUICK=1)")
    args = parser.parse_args()
    if args.quick or os.environ.get("BENCH_QUICK") == "1":
        args.open, args.closed, args.other, args.runs = 1000, 500, 2000, 10
    setup()
    from django.db import connection

    from bas.foi import selectors
    from bas.foi.models import OPEN_STAGES, FoiRequest

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if FoiRequest.objects.exists():
        sys.exit("The benchmark database already has FOI requests: point DATABASE_URL at an empty database "
                 "(dropdb and createdb it again to rerun).")
    rng = random.Random(args.seed)
    seeder = Seeder(rng, batch=args.batch_size)

    # --- 1. the small queue -------------------------------------------------------------------------------
    made = seeder.through_services()
    seeder.requests(max(0, args.small - len(made)), answered=False)
    seeder.requests(10, answered=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    small_refs = list(FoiRequest.objects.filter(stage__in=OPEN_STAGES).order_by("id")
                      .values_list("case__reference", "stage"))
    coordinator, approver = signed_in(seeder.coordinator), signed_in(seeder.approver)
    filters = [s.value for s in OPEN_STAGES]

    def kinds(case_refs: list[str], page_2: str = "") -> dict:
        pages = {"queue": (coordinator, lambda i: "/staff/foi/")}
        if page_2:
            pages["queue_page_2"] = (coordinator, lambda i: page_2)
        for stage in filters:
            pages[f"queue_stage_{stage}"] = (coordinator, lambda i, stage=stage: f"/staff/foi/?stage={stage}")
        pages["queue_as_approver"] = (approver, lambda i: "/staff/foi/")
        pages["case"] = (coordinator, lambda i: f"/staff/foi/{case_refs[i % len(case_refs)]}/")
        return pages

    small_case_refs = [ref for ref, _ in small_refs]
    print(f"\nsmall: {len(small_refs)} open requests ({dict(Counter(s for _, s in small_refs))})")
    small = measure(kinds(small_case_refs), args.runs)
    report(f"open_{len(small_refs)}", small)

    # --- 2. the county ------------------------------------------------------------------------------------
    started = time.perf_counter()
    seeder.requests(args.open, answered=False)
    seeder.requests(args.closed, answered=True)
    seeder.other_cases(args.other)
    seeded = time.perf_counter() - started
    with connection.cursor() as cursor:
        # VACUUM too, as autovacuum would have on a live table (the visibility map for index-only counts).
        cursor.execute("VACUUM ANALYZE")
    from oxtom.cases.models import Case, CaseEvent

    n_open = FoiRequest.objects.filter(stage__in=OPEN_STAGES).count()
    stages = dict(Counter(FoiRequest.objects.filter(stage__in=OPEN_STAGES).values_list("stage", flat=True)))
    overdue = FoiRequest.objects.filter(stage__in=OPEN_STAGES, case__due_at__lt=seeder.today).count()
    print(f"\nseeded {args.open:,} open and {args.closed:,} answered requests and {args.other:,} other open cases "
          f"in {seeded:.1f}s ({(args.open + args.closed + args.other) / seeded:,.0f} cases/s); "
          f"{Case.objects.count():,} cases, {CaseEvent.objects.count():,} events")
    print(f"large: {n_open:,} open requests {stages}; {overdue:,} overdue")
    big_sample = list(FoiRequest.objects.filter(stage__in=OPEN_STAGES).order_by("?")
                      .values_list("case__reference", "stage")[: args.runs])
    first = coordinator.get("/staff/foi/").content.decode()
    found = re.search(r'href="(\?after=[^"]+)" rel="next"', first)
    page_2 = "/staff/foi/" + found.group(1).replace("&amp;", "&") if found else ""
    print(f"page 2: {page_2 or 'NO NEXT PAGE LINK'}")
    large = measure(kinds(small_case_refs, page_2), args.runs)
    large |= {"case_of_large_sample": measure(
        {"case_of_large_sample": (coordinator, lambda i: f"/staff/foi/{big_sample[i % len(big_sample)][0]}/")},
        args.runs)["case_of_large_sample"]}
    report(f"open_{n_open}", large)

    # --- checks ---------------------------------------------------------------------------------------------
    failed = []
    for name, r in large.items():
        if set(r["statuses"]) != {200}:
            failed.append(f"{name}: statuses {dict(r['statuses'])}")
    if not page_2:
        failed.append("the first page at the large size has no Next page link")
    elif set(large["queue_page_2"]["counts"]) != set(large["queue"]["counts"]):
        failed.append(f"page 2: {sorted(set(large['queue_page_2']['counts']))} queries, page 1 "
                      f"{sorted(set(large['queue']['counts']))}")
    for name in small:
        if name == "case":
            continue
        if set(small[name]["counts"]) != set(large[name]["counts"]):
            failed.append(f"{name}: {sorted(set(small[name]['counts']))} queries at {len(small_refs)} open, "
                          f"{sorted(set(large[name]['counts']))} at {n_open:,}")
    for url, n in small["case"]["per_url"].items():
        if large["case"]["per_url"].get(url) != n:
            failed.append(f"case page {url}: {n} queries at {len(small_refs)} open, "
                          f"{large['case']['per_url'].get(url)} at {n_open:,}")
    # Requests of the same shape cost the same queries: the stage, and what the approval check reads
    # (an exemption check for a partial or full withholding, the attachments once the check has run).
    def shape(ref: str) -> tuple:
        stage, outcome, digest = FoiRequest.objects.filter(case__reference=ref).values_list(
            "stage", "outcome", "checked_digest").get()
        return stage, outcome in ("partly", "withheld"), bool(digest)

    by_shape: dict[tuple, set] = defaultdict(set)
    for url, n in small["case"]["per_url"].items():
        by_shape[shape(url.rstrip("/").rsplit("/", 1)[1])].add(n)
    compared = 0
    for url, n in large["case_of_large_sample"]["per_url"].items():
        key = shape(url.rstrip("/").rsplit("/", 1)[1])
        if key in by_shape:
            compared += 1
            if n not in by_shape[key]:
                failed.append(f"case page {url} {key}: {n} queries; the small queue's pages of that shape "
                              f"{sorted(by_shape[key])}")
    print(f"\ncase page queries by shape (stage, withholding, checked) in the small queue: "
          f"{ {k: sorted(v) for k, v in sorted(by_shape.items())} }; {compared} of "
          f"{len(large['case_of_large_sample']['per_url'])} sampled large-queue pages had a small counterpart")
    # The first page is the 50 soonest due, whatever the plan.
    expected = list(FoiRequest.objects.filter(stage__in=OPEN_STAGES).order_by("case__due_at", "case__id", "id")
                    .values_list("case__reference", flat=True)[: selectors.PAGE])
    shown = re.findall(r'href="/staff/foi/((?:FOI)-\d{4}-\w+)/"', large["queue"]["body"])
    shown = list(dict.fromkeys(r for r in shown))
    approvals = set(re.findall(r'href="/staff/foi/([^/"]+)/"', large["queue_as_approver"]["body"]))
    print(f"first page shows {len(shown)} requests; the soonest due {len(expected)}: "
          f"{'same' if set(shown) == set(expected) else 'DIFFERENT'}; approver sees {len(approvals)} links")
    if set(shown) != set(expected):
        failed.append("the first page is not the 50 soonest due")
    if page_2:
        following = list(FoiRequest.objects.filter(stage__in=OPEN_STAGES).order_by("case__due_at", "case__id")
                         .values_list("case__reference", flat=True)[selectors.PAGE: 2 * selectors.PAGE])
        shown_2 = list(dict.fromkeys(re.findall(r'href="/staff/foi/((?:FOI)-\d{4}-\w+)/"',
                                                large["queue_page_2"]["body"].split('id="queue"', 1)[1])))
        print(f"page 2 shows {len(shown_2)} requests; the next {len(following)} soonest due: "
              f"{'same, in order' if shown_2 == following else 'DIFFERENT'}")
        if shown_2 != following:
            failed.append("page 2 is not the next 50 soonest due")

    # A small table is cheaper read whole, and the planner rightly does: the plan is judged at 10,000 open and more.
    judged = n_open >= 10 * READ_LIMIT
    if not judged:
        print(f"\n(the plans are printed but not judged at {n_open:,} open: run with --open 10000 or more)")
    from oxtom.cases.selectors import decode_cursor

    after = decode_cursor(page_2.split("after=", 1)[1]) if page_2 else None
    for stage in [""] + filters + (["page_2"] if after else []):
        plan, read, seq = explain("", after) if stage == "page_2" else explain(stage)
        most = max(read.values(), default=0)
        if not stage:
            print("\nEXPLAIN ANALYZE of the queue's query (all open):\n" + plan)
        print(f"queue plan {stage or 'all open'}: rows read {read}; {plan.splitlines()[-1].strip()}")
        print(f"BENCH foi_queue.plan.{stage or 'all_open'}.rows_read {most} rows")
        if seq and judged:
            failed.append(f"queue plan {stage or 'all open'}: sequential scan on {', '.join(seq)}")
        if most > READ_LIMIT and judged:
            failed.append(f"queue plan {stage or 'all open'}: read {most:,} rows of one table for a page of "
                          f"{selectors.PAGE} (limit {READ_LIMIT:,})")
    print("\nthe queue page's queries at the large size:")
    for sql in large["queue"]["sql"]:
        print("  ", sql[:220])

    for name in ("queue", "case"):
        ratio = statistics.median(large[name]["times"]) / statistics.median(small[name]["times"])
        print(f"{name}: median {statistics.median(large[name]['times']):.1f} ms at {n_open:,} open vs "
              f"{statistics.median(small[name]['times']):.1f} ms at {len(small_refs)}: {ratio:.2f}x")
        print(f"BENCH foi_queue.{name}.size_cost_ratio {ratio:.2f} x")
    if failed:
        print("\nFAILED:\n  " + "\n  ".join(failed))
        sys.exit(1)
    print(f"\nOK: the same queries at both sizes{', the queue read in index order' if judged else ''}")


if __name__ == "__main__":
    main()
