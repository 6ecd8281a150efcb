"""Jane's vacancy filled from the pool of talent (issue 14), in Chromium with axe: Jane requests the post, Tom
picks it up, searches the pool and shortlists, Jane chooses whom to interview, the candidate picks a time from
the emailed link, the panel scores, Jane prefers and offers, the candidate accepts online, Tom records the
checks, and Jane confirms the appointment with its start date."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from people import services
from people.models import Candidate, JobApplication, OfferStatus, RoleProfile, Vacancy, VacancyStatus
from tests import factories as f
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _click(page, name, role="button"):
    with page.expect_navigation():
        page.get_by_role(role, name=name).first.click()


def _link_in_outbox(email: str, path: str) -> str:
    from oxtom.notify.models import OutboundMessage

    body = OutboundMessage.objects.filter(recipient=email, body__contains=path).latest("created_at").body
    return re.search(rf"(/jobs/{path.strip('/').split('/')[-1]}/[^\s]+/)", body).group(1)


def test_janes_vacancy_is_filled_from_the_pool(browser, live_server, page, settings, tmp_path):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    settings.MEDIA_ROOT = str(tmp_path)
    seed_templates(MessageTemplate)
    # Onboarding's case service, which its acceptance hook needs, seeded again: a transactional test before
    # this one may have flushed the migration data.
    import importlib

    from django.apps import apps as django_apps

    importlib.import_module("people.onboarding.migrations.0002_services_teams_measures").seed(django_apps, None)
    profile, _ = RoleProfile.objects.get_or_create(
        title="Customer Service Adviser", grade="Grade 4", directorate="Customers",
        defaults={"dbs_level": "basic", "essential_skills": ["customer service", "telephone"],
                  "interview_criteria": ["Communication", "Values"]})
    jane = f.UserFactory(email="jane.browser@example.org", full_name="Jane Manager", roles=["line_manager"])
    tom = f.UserFactory(email="tom.browser@example.org", full_name="Tom Recruiter", roles=["recruitment_coordinator"])
    # Ada applied for an earlier post, was of appointable standard, and asked to be kept in the pool.
    earlier = services.vacancy_request(profile=profile, location="Witney", hours="", reason="", by=jane)
    services.vacancy_pick_up(vacancy=earlier, by=tom)
    services.vacancy_advertise(vacancy=earlier, closing_date=timezone.localdate() + dt.timedelta(days=5), by=tom)
    from tests.people.conftest import pdf_bytes

    old, _ = services.application_submit(
        vacancy=earlier, cv=services.CheckedCv(pdf_bytes(), "application/pdf", "pdf"), equality={"sex": "female"},
        submission_key="browser-ada", answers={"name": "Ada Pool", "email": "ada@example.net", "location": "Oxford",
                                               "skills": "customer service, telephone", "statement": "Ten years",
                                               "pool": True})
    Candidate.objects.filter(pk=old.candidate_id).update(appointable=True, appointable_for=profile)
    from people import pool_index

    pool_index.refresh_candidates([old.candidate_id])
    Vacancy.objects.filter(pk=earlier.pk).update(status=VacancyStatus.FILLED)

    # Jane requests the vacancy from the role profile.
    sign_in(page, jane)
    page.goto("/staff/people/")
    assert_accessible(page)
    _click(page, "Request a vacancy", role="link")
    page.locator(f"input[name=profile][value='{profile.pk}']").check()
    page.get_by_label("Where is the post based?").fill("Banbury contact centre")
    page.get_by_label("Why is the post needed?").fill("A leaver")
    assert_accessible(page)
    _click(page, "Send to the recruitment team")
    vacancy = Vacancy.objects.exclude(pk=earlier.pk).get()
    assert vacancy.reference in page.locator("h1, .govuk-caption-l").first.inner_text()

    # Tom picks it up from the queue, searches the pool and shortlists Ada.
    tom_page = browser.new_context(base_url=live_server.url).new_page()
    sign_in(tom_page, tom)
    tom_page.goto("/staff/people/")
    assert vacancy.reference in tom_page.locator("table").first.inner_text()
    _click(tom_page, f"{vacancy.reference}: Customer Service Adviser", role="link")
    _click(tom_page, "Pick up this request")
    _click(tom_page, "Search the pool of talent", role="link")
    tom_page.get_by_label("Only candidates of appointable standard").check()
    _click(tom_page, "Search")
    assert "Ada Pool" in tom_page.locator("#results").inner_text()
    assert_accessible(tom_page)
    _click(tom_page, "Shortlist Ada Pool")
    tom_page.goto(f"/staff/people/vacancies/{vacancy.reference}/")
    _click(tom_page, "Send the shortlist to the manager (1)")
    assert_accessible(tom_page)

    # Jane sees Ada's application (not her equality answers) and chooses to interview her.
    page.goto(f"/staff/people/vacancies/{vacancy.reference}/")
    _click(page, "Ada Pool", role="link")
    assert "Ten years" in page.locator("main").inner_text() and "female" not in page.content()
    assert_accessible(page)
    page.get_by_label("Yes, invite to interview").check()
    _click(page, "Save")
    services.panel_add(vacancy=vacancy, user=jane, by=tom)
    when = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=5)
    services.slot_add(vacancy=vacancy, starts_at=when, minutes=45, place="Banbury, room 2", by=tom)
    tom_page.goto(f"/staff/people/vacancies/{vacancy.reference}/")
    _click(tom_page, "Email interview times to the chosen candidates")

    # Ada picks the time from the link in her email.
    ada = browser.new_context(base_url=live_server.url).new_page()
    ada.goto(_link_in_outbox("ada@example.net", "/jobs/interview/"))
    assert_accessible(ada)
    ada.get_by_role("radio").first.check()
    _click(ada, "Book this time")
    assert "Your interview is on" in ada.locator("main").inner_text()

    # The panel (Jane) scores, Jane prefers Ada and makes the offer.
    application = JobApplication.objects.get(vacancy=vacancy)
    page.goto(f"/staff/people/vacancies/{vacancy.reference}/applications/{application.pk}/score/")
    assert_accessible(page)
    for criterion in ("Communication", "Values"):
        page.locator("fieldset", has_text=criterion).get_by_label("3: good").check()
    _click(page, "Save scores")
    page.locator("fieldset", has_text="appointable standard").get_by_label("Yes").check()
    page.locator("fieldset", has_text="preferred candidate").get_by_label("Yes").check()
    _click(page, "Record the outcome")
    _click(page, "Make a provisional offer")

    # Ada accepts online.
    ada.goto(_link_in_outbox("ada@example.net", "/jobs/offer/"))
    assert_accessible(ada)
    ada.get_by_label("Yes, I accept the offer").check()
    _click(ada, "Send your answer")
    assert "You accepted the offer" in ada.locator("h1").inner_text(), ada.locator("main").inner_text()

    # Tom records the checks with evidence; Jane cannot confirm until every one has an outcome.
    offer = JobApplication.objects.get(pk=application.pk).offer
    checks = list(offer.checks.all())
    tom_page.goto(f"/staff/people/vacancies/{vacancy.reference}/checks/{checks[0].pk}/")
    assert_accessible(tom_page)
    tom_page.get_by_label("Satisfactory", exact=True).check()
    evidence = tmp_path / "right-to-work.pdf"
    evidence.write_bytes(pdf_bytes())
    tom_page.get_by_label("Evidence (PDF or Word document)").set_input_files(str(evidence))
    _click(tom_page, "Record the check")
    page.goto(f"/staff/people/vacancies/{vacancy.reference}/")
    assert "Still waiting" in page.locator("main").inner_text()
    start = timezone.localdate() + dt.timedelta(days=30)
    page.locator("[name=start_date_day]").fill(str(start.day))
    page.locator("[name=start_date_month]").fill(str(start.month))
    page.locator("[name=start_date_year]").fill(str(start.year))
    _click(page, "Confirm the appointment")
    assert "Every check needs an outcome" in page.locator("main").inner_text()
    for check in checks[1:]:
        services.check_record(check=check, outcome="satisfactory", note="", by=tom,
                              evidence=services.CheckedCv(pdf_bytes(), "application/pdf", "pdf"))
    page.goto(f"/staff/people/vacancies/{vacancy.reference}/")
    page.locator("[name=start_date_day]").fill(str(start.day))
    page.locator("[name=start_date_month]").fill(str(start.month))
    page.locator("[name=start_date_year]").fill(str(start.year))
    _click(page, "Confirm the appointment")
    assert "Appointment confirmed" in page.locator("main").inner_text()
    assert_accessible(page)
    filled = Vacancy.objects.get(pk=vacancy.pk)
    assert filled.status == VacancyStatus.FILLED and filled.filled_from_pool
    assert JobApplication.objects.get(pk=application.pk).offer.status == OfferStatus.CONFIRMED
