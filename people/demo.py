"""Demo recruitment: a pool of talent, and vacancies at each stage so Tom (recruitment@) and Jane (manager@)
have real work on a fresh `make run`, and /jobs/ lists vacancies. Idempotent (keyed on submission keys).

Everyone here is fictional.
"""
from __future__ import annotations

import datetime as dt
import io
import random

from django.db import transaction
from django.utils import timezone

from . import services
from .cv import CheckedCv
from .models import (Candidate, CheckKind, CheckOutcome, JobApplication, PreEmploymentCheck,
                     RoleProfile, Vacancy)

FIRST = ["Amira", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hamza", "Isla", "Jack", "Kiran", "Lena", "Marcus",
         "Nadia", "Owen", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vik", "Wendy", "Yusuf", "Zara"]
LAST = ["Ahmed", "Baker", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal", "Jones", "Khan",
        "Lewis", "Morgan", "Novak", "Osei", "Patel", "Reid", "Singh", "Taylor", "Walsh"]
TOWNS = ["Banbury", "Bicester", "Oxford", "Witney", "Abingdon", "Didcot", "Thame", "Wantage", "Henley", "Kidlington"]
SKILLS = ["customer service", "telephone", "case management", "empathy", "administration", "minute taking",
          "microsoft office", "accuracy", "highways", "risk assessment", "driving licence", "digital skills",
          "working with children", "data analysis", "report writing", "safeguarding"]


def demo_cv() -> CheckedCv:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return CheckedCv(buffer.getvalue(), "application/pdf", "pdf")


def _profile(title: str) -> RoleProfile | None:
    return RoleProfile.objects.filter(title=title).first()


def _apply(vacancy: Vacancy, n: int, rng: random.Random, *, pool: bool, cv: CheckedCv) -> JobApplication:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    skills = rng.sample(vacancy.role_profile.essential_skills, k=min(2, len(vacancy.role_profile.essential_skills)))
    skills += rng.sample(SKILLS, k=2)
    application, _ = services.application_submit(
        vacancy=vacancy, cv=cv, equality={"age_band": rng.choice(["25-34", "35-49", ""])},
        submission_key=f"demo-people-{vacancy.reference}-{n}",
        answers={"name": name, "email": f"candidate.{vacancy.reference.lower()}.{n}@example.net",
                 "location": rng.choice(TOWNS), "skills": ", ".join(skills), "pool": pool,
                 "statement": f"I have {rng.randint(2, 12)} years' experience of {skills[0]} and {skills[1]}, "
                              "most recently in a busy public service."})
    return application


def _advertised(vacancy: Vacancy, tom) -> Vacancy:
    vacancy = services.vacancy_pick_up(vacancy=vacancy, by=tom)
    return services.vacancy_advertise(vacancy=vacancy, closing_date=timezone.localdate() + dt.timedelta(days=21),
                                      by=tom)


def _pool(rng: random.Random, cv: CheckedCv, profiles: list[RoleProfile]) -> int:
    """Earlier candidates: applied to a past vacancy (filled), kept in the pool, some of appointable standard."""
    if Candidate.objects.filter(email__startswith="pool.", email__endswith="@example.net").exists():
        return 0
    made = 0
    today = timezone.localdate()
    for i in range(40):
        profile = profiles[i % len(profiles)]
        skills = rng.sample(profile.essential_skills, k=min(3, len(profile.essential_skills))) + rng.sample(SKILLS, 1)
        candidate = Candidate.objects.create(
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", email=f"pool.{i}@example.net", location=rng.choice(TOWNS),
            skills=skills, in_pool=True, pool_consent_until=today + dt.timedelta(days=rng.randint(30, 330)),
            appointable=i % 3 == 0, appointable_for=profile if i % 3 == 0 else None)
        services._set_skills(candidate, skills)
        made += 1
    # A few whose consent has lapsed: the nightly retention job removes them.
    for i in range(3):
        Candidate.objects.create(name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", email=f"pool.lapsed.{i}@example.net",
                                 in_pool=True, pool_consent_until=today - dt.timedelta(days=i + 1))
    return made


@transaction.atomic
def people_step(context) -> int:
    people = context.users("recruitment", "manager")
    tom, jane = people.get("recruitment"), people.get("manager")
    if tom is None or jane is None or Vacancy.objects.filter(submission_key="demo-people-open").exists():
        return 0
    profiles = {p.title: p for p in RoleProfile.objects.filter(active=True)}
    adviser, support = profiles.get("Customer Service Adviser"), profiles.get("Business Support Officer")
    library, highways = profiles.get("Library Assistant"), profiles.get("Highways Inspector")
    if not all([adviser, support, library, highways]):
        return 0
    rng = random.Random(14)
    cv = demo_cv()
    made = _pool(rng, cv, [adviser, support, library, highways])

    # 1. Open: Tom shortlists from the pool (applicants too), then sends the shortlist to Jane.
    open_vacancy = services.vacancy_request(profile=adviser, location="Banbury contact centre", hours="Full time, 37 hours",
                                            reason="A leaver: the team answers 2,000 calls a week", by=jane,
                                            submission_key="demo-people-open")
    open_vacancy = _advertised(open_vacancy, tom)
    for n in range(3):
        _apply(open_vacancy, n, rng, pool=n != 1, cv=cv)
    # 2. Requested: waiting in the recruitment queue for a co-ordinator.
    services.vacancy_request(profile=highways, location="Kidlington depot", hours="Full time, 37 hours",
                             reason="A new post for the resurfacing programme", by=jane,
                             submission_key="demo-people-requested")
    # 3. At interview: Jane's panel; one candidate booked, one to choose.
    at_interview = services.vacancy_request(profile=library, location="Witney library", hours="Part time, 22 hours",
                                            reason="Covering the children's reading sessions", by=jane,
                                            submission_key="demo-people-interview")
    at_interview = _advertised(at_interview, tom)
    applications = [_apply(at_interview, n, rng, pool=True, cv=cv) for n in range(3)]
    for a in applications:
        services.application_shortlist(application=a, by=tom)
    services.panel_add(vacancy=at_interview, user=jane, by=tom)
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=7)
    for hour in range(3):
        services.slot_add(vacancy=at_interview, starts_at=start + dt.timedelta(hours=hour), minutes=45,
                          place="Witney library, meeting room 1", by=tom)
    for a in applications[:2]:
        services.application_choose(application=a, interview=True, by=jane)
    services.slots_offer(vacancy=at_interview, by=tom)
    services.slot_book(application_id=applications[0].pk, slot_id=at_interview.slots.first().pk)
    # 4. At checks: the offer is accepted; three checks done, the rest for Tom; then Jane confirms.
    at_checks = services.vacancy_request(profile=support, location="County Hall, Oxford", hours="Full time, 37 hours",
                                         reason="Growth in FOI requests", by=jane, submission_key="demo-people-checks")
    at_checks = _advertised(at_checks, tom)
    chosen = _apply(at_checks, 0, rng, pool=True, cv=cv)
    services.application_shortlist(application=chosen, by=tom)
    services.panel_add(vacancy=at_checks, user=jane, by=tom)
    services.application_choose(application=chosen, interview=True, by=jane)
    criteria = support.interview_criteria or ["Overall"]
    services.scores_record(application=chosen, scores={c: 3 for c in criteria}, note="Strong on accuracy", by=jane)
    services.interview_outcome(application=JobApplication.objects.get(pk=chosen.pk), appointable=True,
                               preferred=True, by=jane)
    offer = services.offer_make(application=JobApplication.objects.get(pk=chosen.pk), by=tom)
    services.offer_respond(offer_id=offer.pk, accept=True)
    for check in PreEmploymentCheck.objects.filter(offer=offer, kind__in=[CheckKind.RIGHT_TO_WORK,
                                                                          CheckKind.REFERENCE_1, CheckKind.HEALTH]):
        services.check_record(check=check, outcome=CheckOutcome.SATISFACTORY, note="", evidence=cv, by=tom)
    return made + 4
