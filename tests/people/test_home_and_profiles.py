"""The staff home's recruitment section (Tom's and Jane's work, constant queries) and role profile editing by
the recruitment team (validated, audited, stale edits refused with nothing lost, retire and bring back)."""
from __future__ import annotations

import pytest

from oxtom.core.models import AuditEvent
from people import services
from people.models import PoolMatch, RoleProfile
from tests import factories as f

from .conftest import pool_candidate

pytestmark = pytest.mark.django_db


def _section(html: str) -> str:
    return html[html.index('id="recruitment-work"'):]


def test_tom_sees_requests_to_pick_up_and_jane_her_shortlist(client_for, tom, jane, make_vacancy, make_application):
    waiting = make_vacancy(advertised=False)
    mine = make_vacancy()
    application = make_application(mine)
    services.application_shortlist(application=application, by=tom)
    tom_html = _section(client_for(tom).get("/staff/").content.decode())
    assert "Vacancy requests to pick up: <strong>1</strong>" in tom_html
    jane_html = _section(client_for(jane).get("/staff/").content.decode())
    assert "Shortlists waiting for you to choose whom to interview: <strong>1</strong>" in jane_html
    assert f"{mine.reference} " in jane_html and "Choose whom to interview" in jane_html
    assert "Candidate" not in jane_html  # no candidate named on the home page
    assert waiting.reference not in jane_html


def test_the_section_is_not_shown_to_other_staff(client_for, panellist):
    assert 'id="recruitment-work"' not in client_for(panellist).get("/staff/").content.decode()


def test_the_section_costs_the_same_queries_however_many_vacancies(client_for, tom, jane, make_vacancy,
                                                                    django_assert_max_num_queries):
    make_vacancy(advertised=False)
    for user in (tom, jane):
        client = client_for(user)
        # Documented budget: 3 queries for the recruitment section (people/home.py), 1 for onboarding's.
        with django_assert_max_num_queries(40) as few:
            client.get("/staff/")
        for _ in range(6):
            make_vacancy(advertised=False)
            make_vacancy()
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get("/staff/")


PROFILE = {"title": "Bridge Inspector", "grade": "Grade 6", "directorate": "Environment", "summary": "Inspects",
           "dbs_level": "basic", "essential_skills": "highways, risk assessment, Driving licence",
           "interview_criteria": "Safety\nJudgement", "staff_roles": ["officer"]}


def test_tom_adds_and_edits_a_profile_audited(client_for, tom):
    client = client_for(tom)
    response = client.post("/staff/people/profiles/new/", {**PROFILE, "submission_key": "k" * 20})
    assert response.status_code == 302
    profile = RoleProfile.objects.get(title="Bridge Inspector")
    assert profile.essential_skills == ["highways", "risk assessment", "driving licence"]
    assert profile.interview_criteria == ["Safety", "Judgement"] and profile.staff_roles == ["officer"]
    edit = {**PROFILE, "dbs_level": "enhanced", "version": profile.version, "submission_key": "e" * 20}
    assert client.post(f"/staff/people/profiles/{profile.pk}/", edit).status_code == 302
    profile.refresh_from_db()
    assert profile.dbs_level == "enhanced" and profile.version == 2 and profile.modified_by == tom
    events = AuditEvent.objects.filter(target_type="people.roleprofile", target_id=str(profile.pk))
    assert {e.detail.get("event") for e in events} == {"people.profile.created", "people.profile.edited"}
    assert "dbs level" in events.get(detail__event="people.profile.edited").summary


def test_a_stale_edit_is_refused_and_the_editors_text_kept(client_for, tom, profile):
    seen = profile.version
    services.profile_save(data={**PROFILE, "title": profile.title, "grade": profile.grade,
                                "directorate": profile.directorate}, profile=profile, version=seen, by=tom)
    response = client_for(tom).post(f"/staff/people/profiles/{profile.pk}/", {
        **PROFILE, "title": "My newer title", "version": seen, "submission_key": "s" * 20})
    html = response.content.decode()
    assert response.status_code == 200 and "Someone else changed this role profile" in html
    assert 'value="My newer title"' in html and 'id="profile-now"' in html
    profile.refresh_from_db()
    assert profile.title == "Customer Service Adviser"


def test_bad_hostile_oversized_and_forbidden_input(client_for, tom):
    client = client_for(tom)
    for data, message in [({**PROFILE, "title": ""}, "Enter the job title"),
                          ({**PROFILE, "title": "x" * 151}, "150 characters or fewer"),
                          ({**PROFILE, "essential_skills": " , "}, "Enter at least one essential skill"),
                          ({**PROFILE, "dbs_level": "nope"}, "Choose the DBS check"),
                          ({**PROFILE, "staff_roles": ["administrator"]}, "Choose roles from the list")]:
        html = client.post("/staff/people/profiles/new/", data).content.decode()
        assert message in html, message
    client.post("/staff/people/profiles/new/", {**PROFILE, "title": "<script>alert(1)</script>",
                                                "submission_key": "h" * 20})
    html = client.get("/staff/people/profiles/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert not RoleProfile.objects.filter(staff_roles__icontains="administrator").exists()


def test_a_double_post_makes_one_profile(client_for, tom):
    client = client_for(tom)
    for _ in range(2):
        client.post("/staff/people/profiles/new/", {**PROFILE, "submission_key": "d" * 20})
    assert RoleProfile.objects.filter(title="Bridge Inspector").count() == 1


def test_only_the_recruitment_team_edits_and_unknown_profiles_are_404(client_for, jane, tom, profile):
    assert client_for(jane).get(f"/staff/people/profiles/{profile.pk}/").status_code == 403
    assert client_for(f.UserFactory(roles=["officer"])).get("/staff/people/profiles/new/").status_code == 403
    assert client_for(tom).get("/staff/people/profiles/999999/").status_code == 404


def test_retiring_hides_a_profile_from_requests_and_brings_it_back(client_for, tom, jane, profile):
    client = client_for(tom)
    client.post(f"/staff/people/profiles/{profile.pk}/retire/", {"version": profile.version, "action": "retire"})
    profile.refresh_from_db()
    assert not profile.active
    assert f'value="{profile.pk}"' not in client_for(jane).get("/staff/people/vacancies/new/").content.decode()
    client_for(tom).post(f"/staff/people/profiles/{profile.pk}/retire/", {"version": profile.version,
                                                                          "action": "restore"})
    profile.refresh_from_db()
    assert profile.active


def test_changing_the_skills_rebuilds_the_pool_ranking(tom, profile):
    welder = pool_candidate("Wyn Welder", ["welding"])
    assert not PoolMatch.objects.filter(profile=profile, candidate=welder).exists()
    services.profile_save(data={**PROFILE, "title": profile.title, "grade": profile.grade,
                                "directorate": profile.directorate, "essential_skills": "welding"},
                          profile=profile, version=profile.version, by=tom)
    assert PoolMatch.objects.get(profile=profile, candidate=welder).matched == 1
