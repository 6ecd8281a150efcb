"""People fixtures: the recruitment co-ordinator, hiring managers, a panel member and vacancies made through
the services (never from migration data: a transactional test before may have flushed it)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from people import services
from people.cv import CheckedCv
from people.models import Candidate, JobApplication, RoleProfile
from tests import factories as f


@pytest.fixture(autouse=True)
def _templates(db):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)


@pytest.fixture
def tom(db):
    return f.UserFactory(email="tom.recruitment@example.org", full_name="Tom Recruiter", roles=["recruitment_coordinator"])


@pytest.fixture
def jane(db):
    return f.UserFactory(email="jane.manager@example.org", full_name="Jane Manager", roles=["line_manager"])


@pytest.fixture
def other_manager(db):
    return f.UserFactory(email="other.manager@example.org", full_name="Omar Manager", roles=["line_manager"])


@pytest.fixture
def panellist(db):
    return f.UserFactory(email="panel@example.org", full_name="Pat Panel", roles=["officer"])


@pytest.fixture
def profile(db):
    profile, _ = RoleProfile.objects.get_or_create(
        title="Customer Service Adviser", grade="Grade 4", directorate="Customers",
        defaults={"dbs_level": "basic", "essential_skills": ["customer service", "telephone"],
                  "interview_criteria": ["Communication", "Values"]})
    return profile


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bytes(*, extra: dict[str, bytes] | None = None) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          b'package/2006/content-types"></Types>')
        z.writestr("word/document.xml", b"<w:document><w:body><w:p>CV</w:p></w:body></w:document>")
        for name, content in (extra or {}).items():
            z.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def cv():
    return CheckedCv(pdf_bytes(), "application/pdf", "pdf")


@pytest.fixture
def make_vacancy(jane, tom, profile):
    counter = {"n": 0}

    def _make(*, manager=None, advertised=True, **kwargs):
        counter["n"] += 1
        vacancy = services.vacancy_request(profile=kwargs.get("profile", profile), location="Banbury",
                                           hours="Full time", reason="A leaver", by=manager or jane,
                                           submission_key=f"test-vacancy-{counter['n']}")
        if advertised:
            vacancy = services.vacancy_pick_up(vacancy=vacancy, by=tom)
            vacancy = services.vacancy_advertise(vacancy=vacancy, by=tom,
                                                 closing_date=timezone.localdate() + dt.timedelta(days=14))
        return vacancy

    return _make


@pytest.fixture
def make_application(cv):
    counter = {"n": 0}

    def _make(vacancy, *, pool=True, skills="customer service, telephone", name="", email=""):
        counter["n"] += 1
        n = counter["n"]
        application, _ = services.application_submit(
            vacancy=vacancy, cv=cv, equality={"sex": "female"}, submission_key=f"test-app-{n}",
            answers={"name": name or f"Candidate {n}", "email": email or f"candidate{n}@example.net",
                     "location": "Oxford", "skills": skills, "pool": pool, "statement": "I answer calls"})
        return application

    return _make


@pytest.fixture
def at_interview(make_vacancy, make_application, tom, jane, panellist):
    """A vacancy with two candidates chosen for interview, a panel of Jane and Pat, and three slots."""
    vacancy = make_vacancy()
    apps = [make_application(vacancy) for _ in range(2)]
    for a in apps:
        services.application_shortlist(application=a, by=tom)
        services.application_choose(application=a, interview=True, by=jane)
    services.panel_add(vacancy=vacancy, user=jane, by=tom)
    services.panel_add(vacancy=vacancy, user=panellist, by=tom)
    start = timezone.now().replace(microsecond=0, second=0) + dt.timedelta(days=3)
    slots = [services.slot_add(vacancy=vacancy, starts_at=start + dt.timedelta(hours=h), minutes=45, place="Room 1",
                               by=tom) for h in range(3)]
    return vacancy, [JobApplication.objects.get(pk=a.pk) for a in apps], slots


def to_offer(vacancy, application, *, tom, jane, panellist):
    """Interview, score, prefer and offer: returns the offer."""
    if not vacancy.slots.filter(application=application).exists():
        slot = vacancy.slots.filter(application__isnull=True).first()
        services.slot_book(application_id=application.pk, slot_id=slot.pk)
    criteria = vacancy.role_profile.interview_criteria
    services.scores_record(application=application, scores={c: 3 for c in criteria}, note="", by=panellist)
    services.interview_outcome(application=application, appointable=True, preferred=True, by=jane)
    return services.offer_make(application=JobApplication.objects.get(pk=application.pk), by=tom)


def pool_candidate(name: str, skills: list[str], *, appointable: bool = False, profile=None, days: int = 100):
    candidate = Candidate.objects.create(name=name, email=f"{name.lower().replace(' ', '.')}@example.net",
                                         in_pool=True, appointable=appointable, appointable_for=profile,
                                         pool_consent_until=timezone.localdate() + dt.timedelta(days=days))
    services._set_skills(candidate, skills)
    return candidate
