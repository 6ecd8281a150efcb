"""An application's answers on every page that shows them: the case page, the resident's case page, assessment.

The case keeps a copy of the answers under the rules' codes
(holder_date_of_birth: 1990-08-17, walking_difficulty: yes); what people
read is applications/answers.py's rendering of the questions the
journey asked, with the evidence as links each reader may open.
"""
from __future__ import annotations

import pytest
from django.urls import reverse

from applications import services as s
from applications.models import Application
from oxtom.customers.models import Channel
from tests.answers_support import assert_readable

from .conftest import BADGE_REFER, PDF, PERMIT_ANSWERS, officer_of, png

pytestmark = pytest.mark.django_db

BADGE_SHOWS = ["Who is the blue badge for?", "Myself", "Badge holder's date of birth", "17 August 1990",
               "Does the badge holder get any of these?", "None of these",
               "Does the badge holder find walking very difficult, or is it impossible without help?", "Yes"]
BADGE_NEVER = ["applying_for", "awards", "1990-08-17", "myself", " yes ", "walking_difficulty", "rule_reasons",
               "Rule reasons", "token"]


def _submit(svc, customer, code, answers, evidence, key):
    return s.application_submit(service=svc(code), customer=customer, answers=answers, evidence=evidence,
                                channel=Channel.WEB, by=customer.user, submission_key=key)


@pytest.fixture
def badge(svc, rose):
    application = _submit(svc, rose, "blue-badge", {**BADGE_REFER, "holder_date_of_birth": "1990-08-17"},
                          [("photo", png()), ("medical", PDF)], "answers-badge")
    assert application.status == Application.Status.REFERRED
    return application


@pytest.fixture
def bus_pass(svc, rose):
    # Under State Pension age, with a disability whose evidence an officer must check.
    application = _submit(svc, rose, "bus-pass", {"date_of_birth": "1990-01-01", "disability_category": "arms",
                                                  "disability_evidence": "other"},
                          [("photo", png()), ("identity", PDF)], "answers-bus")
    assert application.status == Application.Status.REFERRED, application.reasons
    return application


@pytest.fixture
def permit(svc, rose):
    # Permits are decided by the rules; a sampled approval's case is how an officer sees one.
    service = svc("parking-permit")
    service.case_service.qa_sample_rate = "1"
    service.case_service.save()
    application = _submit(svc, rose, "parking-permit", PERMIT_ANSWERS, [("vehicle", PDF)], "answers-permit")
    application.refresh_from_db()
    assert application.case_id is not None
    return application


@pytest.fixture
def bus_officer(db):
    return officer_of("blue-badge-concessions", "bus.officer@example.org")


@pytest.fixture
def parking_officer(db):
    return officer_of("parking-services", "parking.officer@example.org")


CASES = {
    "badge": (BADGE_SHOWS, BADGE_NEVER),
    "bus_pass": (["Date of birth", "1 January 1990", "Do you have any of these disabilities?",
                  "What evidence can you send?"],
                 ["1990-01-01", "disability_category", "disability_evidence", "category arms", "send? other"]),
    "permit": (["Do you live at this address?", "Yes", "Vehicle registration number",
                "Is the vehicle normally kept at this address overnight?",
                "Who is the registered keeper of the vehicle?", "Me", "Postcode", "OX4 1HP"],
               ["lives_at_address", "vehicle_keeper", "address_key", "uprn", "UPRN", " me "]),
}


def _officer(request, which, badge_officer):
    return request.getfixturevalue("parking_officer") if which == "permit" else badge_officer


@pytest.mark.parametrize("which", sorted(CASES))
def test_staff_case_page_shows_answers_by_question_and_evidence_as_links(request, client_for, badge_officer, which):
    application = request.getfixturevalue(which)
    shows, never = CASES[which]
    officer = _officer(request, which, badge_officer)
    response = client_for(officer).get(reverse("casework:case", args=[application.case.reference]))
    assert response.status_code == 200
    body = response.content.decode()
    assert_readable(body, shows=shows, never=never)
    for item in application.evidence.all():
        link = reverse("applications:evidence", args=[application.reference, item.token])
        assert f'href="{link}"' in body
        assert client_for(officer).get(link).status_code == 200
        assert item.get_kind_display() in body


@pytest.mark.parametrize("which", sorted(CASES))
def test_residents_case_page_shows_answers_by_question_and_their_own_evidence(request, client_for, rose, which):
    application = request.getfixturevalue(which)
    shows, never = CASES[which]
    client = client_for(rose.user)
    response = client.get(reverse("casework_account:case", args=[application.case.reference]))
    assert response.status_code == 200
    body = response.content.decode()
    assert_readable(body, shows=["What you told us", *shows], never=never)
    assert "/staff/" not in body.split("<main", 1)[1]  # no staff download links for the applicant
    for item in application.evidence.all():
        link = reverse("apply:evidence_file", args=[application.reference, item.token])
        assert f'href="{link}"' in body
        response = client.get(link)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_staff_see_the_rules_reasons_as_sentences(client_for, badge, badge_officer):
    body = client_for(badge_officer).get(reverse("casework:case", args=[badge.case.reference])).content.decode()
    text = assert_readable(body, shows=["Why it was referred to an officer", "What the rules found", "To assess",
                                        "Difficulty walking", "36 months"])
    for reason in badge.reasons:
        assert reason in text


def test_bus_pass_findings_name_the_category_not_its_code(client_for, bus_pass, badge_officer):
    body = client_for(badge_officer).get(reverse("casework:case", args=[bus_pass.case.reference])).content.decode()
    assert_readable(body, shows=["Pass type", "Disabled person's pass", "Disability category"],
                    never=["Pass type disabled", "Disability category arms"])


def test_assessment_page_formats_dates_and_yes_no(client_for, badge, badge_officer):
    body = client_for(badge_officer).get(reverse("applications:assess", args=[badge.reference])).content.decode()
    assert_readable(body, shows=BADGE_SHOWS, never=BADGE_NEVER)


def test_resident_evidence_links_are_theirs_alone(client_for, badge, resident_b, badge_officer):
    item = badge.evidence.first()
    link = reverse("apply:evidence_file", args=[badge.reference, item.token])
    assert client_for(resident_b).get(link).status_code == 404
    assert client_for(None).get(link).status_code == 302
    bad = reverse("apply:evidence_file", args=[badge.reference, "x" * 33])
    assert client_for(badge.customer.user).get(bad).status_code == 404


def test_staff_who_cannot_work_the_case_get_no_links_that_would_404(badge, officer_outside_team, badge_officer):
    from oxtom.cases import owners
    from oxtom.cases.models import Case

    case = Case.objects.select_related("service", "team").get(pk=badge.case_id)
    outside = owners.case_answers(case, audience=owners.STAFF, user=officer_outside_team)
    assert outside.evidence == () and outside.evidence_note.startswith("2 files sent")
    assert "Blue Badge" in outside.evidence_note or case.team.name in outside.evidence_note
    inside = owners.case_answers(case, audience=owners.STAFF, user=badge_officer)
    assert len(inside.evidence) == 2 and inside.evidence_note == ""
    # The applicant's own reading carries neither the rules' findings nor staff links.
    own = owners.case_answers(case, audience=owners.CUSTOMER)
    assert own.findings == () and own.reasons == ()
    assert all(link.url.startswith("/apply/applications/") for link in own.evidence)


def test_case_page_queries_do_not_grow_with_evidence(client_for, svc, rose, badge_officer, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few = _submit(svc, rose, "blue-badge", BADGE_REFER, [("photo", png()), ("medical", PDF)], "few")
    many = _submit(svc, rose, "blue-badge", BADGE_REFER, [("photo", png())] + [("medical", PDF)] * 9, "many")
    for user, name in ((badge_officer, "casework:case"), (rose.user, "casework_account:case")):
        client = client_for(user)
        few_url, many_url = (reverse(name, args=[a.case.reference]) for a in (few, many))
        client.get(few_url)  # warm the session
        with CaptureQueriesContext(connection) as counted:
            assert client.get(few_url).status_code == 200
        with django_assert_num_queries(len(counted.captured_queries)):
            assert client.get(many_url).status_code == 200


def test_check_answers_formats_as_the_case_pages_do(svc):
    from applications import rules
    from applications.resident_views import _display

    questions = {q.code: q for q in rules.questions(svc("blue-badge"))}
    assert _display(questions["holder_date_of_birth"], "1990-08-17") == "17 August 1990"
    assert _display(questions["walking_difficulty"], "yes") == "Yes"
    assert _display(questions["awards"], ["none"]) == "None of these"
    assert _display(questions["applying_for"], "myself") == "Myself"


# --- the customer timeline ---------------------------------------------------------------------------

@pytest.mark.parametrize("which", sorted(CASES))
def test_customer_timeline_shows_answers_by_question_and_evidence_as_links(request, client_for, badge_officer, rose,
                                                                          which):
    application = request.getfixturevalue(which)
    shows, never = CASES[which]
    officer = _officer(request, which, badge_officer)
    response = client_for(officer).get(reverse("customers:record", args=[rose.reference]))
    assert response.status_code == 200
    body = response.content.decode()
    # (The record's own contact details above say "UPRN": the answers are the timeline's.)
    assert_readable(body.split('id="timeline"', 1)[1], shows=[f"Open case {application.case.reference}", *shows],
                    never=never)
    for item in application.evidence.all():
        assert f'href="{reverse("applications:evidence", args=[application.reference, item.token])}"' in body


def test_customer_timeline_keeps_another_teams_answers_with_that_team(client_for, badge, permit, rose,
                                                                     parking_officer):
    # The parking officer sees Rose's record through her permit's case: its answers, not her blue badge's
    # (special category data, worked by the badge team), whose entries stay off the timeline.
    body = client_for(parking_officer).get(reverse("customers:record", args=[rose.reference])).content.decode()
    timeline = body.split('id="timeline"', 1)[1]
    assert_readable(timeline, shows=[f"Open case {permit.case.reference}", *CASES["permit"][0]],
                    never=[badge.case.reference, badge.reference, *BADGE_SHOWS[:1]])
    assert not any(item.token in timeline for item in badge.evidence.all())
    assert all(item.token in timeline for item in permit.evidence.all())


def test_customer_timeline_costs_the_same_whatever_the_applications(client_for, svc, rose, badge_officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _submit(svc, rose, "blue-badge", BADGE_REFER, [("photo", png()), ("medical", PDF)], "timeline-1")
    client = client_for(badge_officer)
    url = reverse("customers:record", args=[rose.reference])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(3):
        _submit(svc, rose, "blue-badge", BADGE_REFER, [("photo", png())] + [("medical", PDF)] * 4,
                f"timeline-{number + 2}")
    with CaptureQueriesContext(connection) as more:
        body = client.get(url).content.decode()
    assert body.count("Open case ") == 4
    assert len(more.captured_queries) == len(few.captured_queries), [q["sql"] for q in more.captured_queries]
