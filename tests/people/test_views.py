"""Recruitment pages: the role matrix on every URL, the public application, hostile input, audit and query counts."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oxtom.core.models import AuditEvent
from people import services
from people.models import ApplicationStatus, Candidate, EqualityMonitoring, JobApplication, PreEmploymentCheck, Vacancy

from .conftest import docx_bytes, pdf_bytes, pool_candidate, to_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_checks(at_interview, tom, jane, panellist):
    vacancy, (first, second), _slots = at_interview
    offer = to_offer(vacancy, first, tom=tom, jane=jane, panellist=panellist)
    services.offer_respond(offer_id=offer.pk, accept=True)
    return vacancy, first, second, offer


def _staff_urls(vacancy, application, check) -> list[str]:
    base = f"/staff/people/vacancies/{vacancy.reference}"
    a = f"{base}/applications/{application.pk}"
    return [f"{base}/", f"{base}/pool/", f"{a}/", f"{a}/cv/", f"{a}/score/", f"{base}/checks/{check.pk}/",
            f"{base}/checks/{check.pk}/evidence/"]


def _post_urls(vacancy, application, check) -> list[str]:
    base = f"/staff/people/vacancies/{vacancy.reference}"
    a = f"{base}/applications/{application.pk}"
    return [f"{base}/pick-up/", f"{base}/advertise/", f"{base}/pool/shortlist/", f"{base}/shortlist/send/",
            f"{base}/panel/", f"{base}/slots/", f"{base}/slots/offer/", f"{base}/confirm/", f"{a}/shortlist/",
            f"{a}/choose/", f"{a}/outcome/", f"{a}/offer/", f"{a}/score/", f"{base}/checks/{check.pk}/"]


def test_role_matrix_on_every_staff_url(client_for, at_checks, tom, jane, other_manager, panellist, officer_in_team,
                                        resident_a):
    vacancy, first, _second, offer = at_checks
    check = offer.checks.first()
    services.check_record(check=check, outcome="satisfactory", note="",
                          evidence=services.CheckedCv(pdf_bytes(), "application/pdf", "pdf"), by=tom)
    gets, posts = _staff_urls(vacancy, first, check), _post_urls(vacancy, first, check)
    general = ["/staff/people/", "/staff/people/profiles/", "/staff/people/vacancies/new/"]
    # Anonymous: to sign in. Residents: forbidden.
    for url in general + gets:
        assert client_for(None).get(url).status_code == 302, url
        assert client_for(resident_a).get(url).status_code == 403, url
    for url in posts:
        assert client_for(None).post(url).status_code == 302, url
        assert client_for(resident_a).post(url).status_code == 403, url
    # Staff with no part in recruitment: the general pages are forbidden, the vacancy's do not exist.
    client = client_for(officer_in_team)
    for url in general:
        assert client.get(url).status_code == 403, url
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url).status_code == 404, url
    # A manager of other vacancies: their own pages, none of Jane's.
    client = client_for(other_manager)
    for url in general:
        assert client.get(url).status_code == 200, url
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url).status_code == 404, url
    # Jane: her vacancy and its shortlisted candidates, not the pool, not recording checks.
    client = client_for(jane)
    expected = {gets[0]: 200, gets[1]: 403, gets[2]: 200, gets[3]: 200, gets[4]: 404, gets[5]: 403, gets[6]: 200}
    for url, status in expected.items():
        assert client.get(url).status_code == status, url
    # Pat, on the panel only: the vacancy and the interviewed candidate, nothing of the checks.
    client = client_for(panellist)
    expected = {gets[0]: 200, gets[1]: 403, gets[2]: 200, gets[5]: 404, gets[6]: 404}
    for url, status in expected.items():
        assert client.get(url).status_code == status, url
    # Tom sees everything.
    client = client_for(tom)
    for url in general[:2] + [g for g in gets if "/score/" not in g]:
        assert client.get(url).status_code == 200, url
    assert client.get(general[2]).status_code == 403  # only a line manager raises a vacancy request


def test_the_panel_never_sees_equality_data_and_views_are_audited(client_for, at_checks, panellist, tom):
    vacancy, first, _second, _offer = at_checks
    assert EqualityMonitoring.objects.filter(vacancy=vacancy).exists()
    for user in (panellist, tom):
        page = client_for(user).get(f"/staff/people/vacancies/{vacancy.reference}/applications/{first.pk}/")
        text = page.content.decode()
        assert first.candidate.name in text
        assert "female" not in text.lower() and "Equality" not in text
    assert AuditEvent.objects.filter(action="view", detail__event="people.application.viewed", actor=panellist,
                                     target_id=str(first.pk)).exists()
    client_for(tom).get(f"/staff/people/vacancies/{vacancy.reference}/applications/{first.pk}/cv/")
    assert AuditEvent.objects.filter(action="view", detail__event="people.cv.downloaded", actor=tom).exists()


def test_a_name_with_markup_is_shown_as_text(client_for, make_vacancy, make_application, tom):
    vacancy = make_vacancy()
    application = make_application(vacancy, name='<script>alert("x")</script> Eve')
    page = client_for(tom).get(f"/staff/people/vacancies/{vacancy.reference}/applications/{application.pk}/")
    assert "<script>alert" not in page.content.decode() and "&lt;script&gt;" in page.content.decode()


def test_the_manager_raises_a_request_once_with_clear_errors(client_for, jane, profile):
    client = client_for(jane)
    bad = client.post("/staff/people/vacancies/new/", {"profile": "999999", "location": "", "reason": "x" * 2001})
    text = bad.content.decode()
    assert bad.status_code == 200 and "Choose the role profile" in text and "Enter where the post is based" in text
    assert "Error:" in text and not Vacancy.objects.exists()
    body = {"profile": profile.pk, "location": "Banbury", "hours": "Full time", "reason": "A leaver",
            "submission_key": "abc123"}
    first = client.post("/staff/people/vacancies/new/", body)
    second = client.post("/staff/people/vacancies/new/", body)
    assert first.status_code == 302 and second.status_code == 302 and Vacancy.objects.count() == 1


def test_tom_works_the_vacancy_through_the_pages(client_for, jane, tom, profile):
    vacancy = services.vacancy_request(profile=profile, location="Banbury", hours="", reason="", by=jane)
    client = client_for(tom)
    assert vacancy.reference in client.get("/staff/people/").content.decode()
    client.post(f"/staff/people/vacancies/{vacancy.reference}/pick-up/")
    closing = timezone.localdate() + dt.timedelta(days=10)
    bad = client.post(f"/staff/people/vacancies/{vacancy.reference}/advertise/",
                      {"closing_date_day": "31", "closing_date_month": "2", "closing_date_year": "2026"}, follow=True)
    assert "closing" in bad.content.decode().lower() and Vacancy.objects.get(pk=vacancy.pk).advertised_at is None
    client.post(f"/staff/people/vacancies/{vacancy.reference}/advertise/",
                {"closing_date_day": closing.day, "closing_date_month": closing.month, "closing_date_year": closing.year})
    assert Vacancy.objects.get(pk=vacancy.pk).closing_date == closing
    ada = pool_candidate("Ada Pool", ["customer service"], appointable=True, profile=profile)
    results = client.get(f"/staff/people/vacancies/{vacancy.reference}/pool/?skills=customer+service").content.decode()
    assert "Ada Pool" in results
    assert client.post(f"/staff/people/vacancies/{vacancy.reference}/pool/shortlist/",
                       {"candidate": "x'; drop table"}).status_code == 404
    client.post(f"/staff/people/vacancies/{vacancy.reference}/pool/shortlist/", {"candidate": ada.pk})
    assert JobApplication.objects.filter(vacancy=vacancy, candidate=ada, from_pool=True).exists()
    client.post(f"/staff/people/vacancies/{vacancy.reference}/shortlist/send/")
    from oxtom.notify.models import OutboundMessage

    assert OutboundMessage.objects.filter(recipient=jane.email, subject__contains="Shortlist").exists()


def test_lists_cost_the_same_for_many(client_for, make_vacancy, make_application, tom, jane, profile):
    vacancy = make_vacancy()
    for n in range(2):
        services.application_shortlist(application=make_application(vacancy), by=tom)
    pool_candidate("P One", ["telephone"])

    def cost(user, url):
        client = client_for(user)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [(tom, "/staff/people/"), (jane, "/staff/people/"), (tom, f"/staff/people/vacancies/{vacancy.reference}/"),
            (jane, f"/staff/people/vacancies/{vacancy.reference}/"), (tom, f"/staff/people/vacancies/{vacancy.reference}/pool/"),
            (None, "/jobs/")]
    before = [cost(u, url) for u, url in urls]
    for n in range(6):
        make_vacancy()
        services.application_shortlist(application=make_application(vacancy), by=tom)
        pool_candidate(f"P {n} More", ["telephone", "customer service"])
    assert [cost(u, url) for u, url in urls] == before


# --- the public application ------------------------------------------------------------------------

def _apply(client, vacancy, *, cv: bytes | None = None, name="Alex Able", email="alex@example.net"):
    base = f"/jobs/{vacancy.reference}/apply"
    assert client.get(f"{base}/").status_code == 302
    steps = [("name", {"name": name}), ("contact", {"email": email, "phone": ""}), ("location", {"location": "Didcot"}),
             ("skills", {"skills": "customer service, telephone"}), ("statement", {"statement": "I answer calls"}),
             ("cv", {"cv": SimpleUploadedFile("cv.pdf", cv or pdf_bytes(), content_type="application/pdf")}),
             ("pool", {"pool": "yes"}), ("equality", {"sex": "female"})]
    for step, data in steps:
        response = client.post(f"{base}/{step}/", data)
        assert response.status_code == 302, (step, response.content.decode()[:3000])
    return client.get(f"{base}/check/")


def test_a_candidate_applies_one_thing_per_page(client, make_vacancy):
    vacancy = make_vacancy()
    listing = client.get("/jobs/").content.decode()
    assert vacancy.role_profile.title in listing
    check = _apply(client, vacancy)
    text = check.content.decode()
    assert "Alex Able" in text and "Yes, for 12 months" in text and "female" not in text
    done = client.post(f"/jobs/{vacancy.reference}/apply/check/")
    assert done.status_code == 302 and done["Location"].endswith("/apply/done/")
    again = client.post(f"/jobs/{vacancy.reference}/apply/check/")  # a double submit: the draft is gone
    assert again.status_code == 302
    assert JobApplication.objects.filter(vacancy=vacancy).count() == 1
    application = JobApplication.objects.get(vacancy=vacancy)
    assert application.cv_content_type == "application/pdf" and application.candidate.in_pool
    assert EqualityMonitoring.objects.filter(vacancy=vacancy, sex="female").count() == 1
    assert "Application sent" in client.get(f"/jobs/{vacancy.reference}/apply/done/").content.decode()


def test_the_same_person_applying_twice_makes_one_application(client, make_vacancy):
    vacancy = make_vacancy()
    for _ in range(2):
        _apply(client, vacancy)
        client.post(f"/jobs/{vacancy.reference}/apply/check/")
    assert JobApplication.objects.filter(vacancy=vacancy).count() == 1 and Candidate.objects.count() == 1


@pytest.mark.parametrize("content, message", [
    (b"MZ\x90\x00 not a cv", "must be a PDF or a Word document"),
    (b"", "Select your CV"),
    (docx_bytes(extra={"word/vbaProject.bin": b"macro"}), "macros"),
    (b"%PDF-1.4 broken", "PDF"),
])
def test_hostile_cvs_are_refused(client, make_vacancy, content, message):
    vacancy = make_vacancy()
    client.get(f"/jobs/{vacancy.reference}/apply/")
    upload = SimpleUploadedFile("cv.pdf", content, content_type="application/pdf") if content else ""
    response = client.post(f"/jobs/{vacancy.reference}/apply/cv/", {"cv": upload})
    assert response.status_code == 200 and message in response.content.decode()
    assert "Error:" in response.content.decode()


def test_an_oversized_cv_is_refused(client, make_vacancy):
    vacancy = make_vacancy()
    client.get(f"/jobs/{vacancy.reference}/apply/")
    big = SimpleUploadedFile("cv.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), content_type="application/pdf")
    response = client.post(f"/jobs/{vacancy.reference}/apply/cv/", {"cv": big})
    assert "smaller than 5MB" in response.content.decode()


def test_bad_answers_get_clear_messages(client, make_vacancy):
    vacancy = make_vacancy()
    client.get(f"/jobs/{vacancy.reference}/apply/")
    for step, data, message in [("name", {"name": ""}, "Enter your full name"),
                                ("name", {"name": "x" * 151}, "150 characters or fewer"),
                                ("contact", {"email": "not-an-email"}, "correct format"),
                                ("statement", {"statement": "x" * 5001}, "5,000 characters or fewer"),
                                ("pool", {"pool": "maybe"}, "Select a valid choice")]:
        response = client.post(f"/jobs/{vacancy.reference}/apply/{step}/", data)
        assert response.status_code == 200 and message in response.content.decode(), step
    assert client.get(f"/jobs/{vacancy.reference}/apply/nope/").status_code == 404
    # Sending before answering everything goes back to the first missing question.
    response = client.post(f"/jobs/{vacancy.reference}/apply/check/")
    assert response.status_code == 302 and response["Location"].endswith("/apply/name/")


def test_applications_are_rate_limited(client, make_vacancy, monkeypatch):
    from people import jobs_views

    monkeypatch.setattr(jobs_views, "APPLICATIONS_PER_HOUR", 1)
    first, second = make_vacancy(), make_vacancy()
    _apply(client, first)
    assert client.post(f"/jobs/{first.reference}/apply/check/").status_code == 302
    _apply(client, second, email="other@example.net")
    assert client.post(f"/jobs/{second.reference}/apply/check/").status_code == 429
    assert JobApplication.objects.count() == 1


def test_closed_and_unadvertised_vacancies_are_not_public(client, make_vacancy):
    hidden = make_vacancy(advertised=False)
    assert client.get(f"/jobs/{hidden.reference}/").status_code == 404
    assert client.get(f"/jobs/{hidden.reference}/apply/").status_code == 404
    assert hidden.reference not in client.get("/jobs/").content.decode()


# --- the candidate's links --------------------------------------------------------------------------

def test_the_candidate_picks_a_slot_and_answers_the_offer(client, at_interview, tom, jane, panellist):
    vacancy, (first, second), slots = at_interview
    token = services.candidate_link("interview", first.pk)
    page = client.get(f"/jobs/interview/{token}/")
    assert page.status_code == 200 and "Choose an interview time" in page.content.decode()
    assert client.post(f"/jobs/interview/{token}/", {"slot": "abc"}).status_code == 200
    assert client.post(f"/jobs/interview/{token}/", {"slot": slots[0].pk}).status_code == 302
    other = services.candidate_link("interview", second.pk)
    taken = client.post(f"/jobs/interview/{other}/", {"slot": slots[0].pk})
    assert taken.status_code == 200 and "Choose a time from the list" in taken.content.decode()
    assert client.get(f"/jobs/interview/{token[:-2]}xx/").status_code == 404
    assert client.get(f"/jobs/offer/{token}/").status_code == 404  # an interview link is not an offer link
    offer = to_offer(vacancy, first, tom=tom, jane=jane, panellist=panellist)
    link = services.candidate_link("offer", offer.pk)
    assert "Do you accept the offer?" in client.get(f"/jobs/offer/{link}/").content.decode()
    assert client.post(f"/jobs/offer/{link}/", {"answer": "accept"}).status_code == 302
    assert client.post(f"/jobs/offer/{link}/", {"answer": "decline"}).status_code == 200  # already answered
    assert PreEmploymentCheck.objects.filter(offer=offer).count() == 6
    assert "You accepted the offer" in client.get(f"/jobs/offer/{link}/").content.decode()


def test_leaving_the_pool_through_the_link(client, make_vacancy, make_application):
    application = make_application(make_vacancy())
    token = services.candidate_link("withdraw", application.candidate_id)
    assert "Leave the pool" in client.get(f"/jobs/pool/leave/{token}/").content.decode()
    assert Candidate.objects.get(pk=application.candidate_id).in_pool  # a GET changes nothing
    client.post(f"/jobs/pool/leave/{token}/")
    assert not Candidate.objects.get(pk=application.candidate_id).in_pool
    assert client.get("/jobs/pool/leave/forged/").status_code == 404


def test_confirmation_through_the_page_is_refused_until_every_check_has_an_outcome(client_for, at_checks, tom, jane):
    vacancy, _first, _second, offer = at_checks
    start = timezone.localdate() + dt.timedelta(days=30)
    body = {"start_date_day": start.day, "start_date_month": start.month, "start_date_year": start.year}
    page = client_for(jane).post(f"/staff/people/vacancies/{vacancy.reference}/confirm/", body, follow=True)
    assert "Every check needs an outcome" in page.content.decode()
    client = client_for(tom)
    for check in offer.checks.all():
        bad = client.post(f"/staff/people/vacancies/{vacancy.reference}/checks/{check.pk}/",
                          {"outcome": "satisfactory", "evidence": SimpleUploadedFile("e.pdf", b"MZ not a pdf")})
        assert "must be a PDF" in bad.content.decode()
        client.post(f"/staff/people/vacancies/{vacancy.reference}/checks/{check.pk}/",
                    {"outcome": "satisfactory", "evidence": SimpleUploadedFile("e.docx", docx_bytes())})
    assert not PreEmploymentCheck.objects.filter(offer=offer, outcome="").exists()
    client_for(jane).post(f"/staff/people/vacancies/{vacancy.reference}/confirm/", body)
    assert Vacancy.objects.get(pk=vacancy.pk).status == "filled"
    assert re.search(r"starting", client_for(jane).get(f"/staff/people/vacancies/{vacancy.reference}/").content.decode())
    assert ApplicationStatus.OFFERED == JobApplication.objects.get(pk=offer.application_id).status
