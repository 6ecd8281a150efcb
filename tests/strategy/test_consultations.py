"""Consultations: officers draft and publish; residents answer once (signed in, or anonymous behind a
guard), save and come back; advisers enter paper responses; results by question and division with small
numbers suppressed; free text and a CSV (names only with consent) for officers; we asked, you said, we did."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from strategy.models import Consultation, ConsultationResponse
from strategy.services import consultations as svc

QUESTIONS = ("choice: Should the library open on Sundays? | Yes | No | Not sure\n"
             "scale: How much do you use the library?\n"
             "text: Anything else? (optional)")


def d(day: dt.date, name: str) -> dict:
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


@pytest.fixture
def consultation(consultation_officer):
    today = timezone.localdate()
    c = svc.consultation_create(title="Library opening hours", purpose="We want to change opening hours",
                                audience="Residents of Banbury", opens_on=today - dt.timedelta(days=1),
                                closes_on=today + dt.timedelta(days=20), questions=svc.parse_questions(QUESTIONS),
                                by=consultation_officer)
    return svc.consultation_publish(consultation=c, by=consultation_officer)


def answers(c: Consultation, choice="Yes", scale="4", text="") -> dict:
    q = list(c.questions.all())
    return {f"q{q[0].pk}": choice, f"q{q[1].pk}": scale, f"q{q[2].pk}": text}


def test_an_officer_creates_and_publishes(client_for, consultation_officer):
    client = client_for(consultation_officer)
    today = timezone.localdate()
    response = client.post("/staff/consultations/new/", {
        "title": "Bus routes", "purpose": "Changes to routes", "audience": "Everyone",
        **d(today, "opens_on"), **d(today + dt.timedelta(days=30), "closes_on"), "questions": QUESTIONS})
    c = Consultation.objects.get()
    assert response["Location"] == f"/staff/consultations/{c.slug}/"
    assert c.status == "draft" and [q.kind for q in c.questions.all()] == ["choice", "scale", "text"]
    assert client_for(None).get(f"/consultations/{c.slug}/").status_code == 404  # a draft is not public
    client = client_for(consultation_officer)
    client.post(f"/staff/consultations/{c.slug}/", {"action": "publish"})
    assert Consultation.objects.get().status == "published"
    assert "Bus routes" in client_for(None).get("/consultations/").content.decode()


@pytest.mark.parametrize("changes, message", [
    ({"questions": "poll: What?"}, "Line 1: start with choice:, scale: or text:"),
    ({"questions": "choice: Pick one | Only"}, "needs 2 to 12 options"),
    ({"questions": "choice: Pick | A | A"}, "the options must be different"),
    ({"questions": ""}, "Enter the questions"),
    ({"title": "<b>x</b>" * 40}, "150 characters or fewer"),
    ({"closes_on_day": "1", "closes_on_month": "1", "closes_on_year": "2000"}, "on or after the opening date"),
    ({"opens_on_day": "31", "opens_on_month": "2", "opens_on_year": "2026"}, "must be a real date"),
])
def test_bad_consultations_are_refused(client_for, consultation_officer, changes, message):
    today = timezone.localdate()
    data = {"title": "Bus routes", "purpose": "Changes", "audience": "Everyone", **d(today, "opens_on"),
            **d(today + dt.timedelta(days=3), "closes_on"), "questions": QUESTIONS, **changes}
    response = client_for(consultation_officer).post("/staff/consultations/new/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Consultation.objects.exists()


def test_a_signed_in_resident_saves_comes_back_and_responds_once(client_for, consultation, resident_a):
    client = client_for(resident_a)
    url = f"/consultations/{consultation.slug}/"
    a = answers(consultation)
    response = client.post(url, {a_key: v for a_key, v in list(a.items())[:1]} | {"action": "save"})
    assert response.status_code == 302
    draft = ConsultationResponse.objects.get()
    assert draft.submitted_at is None and list(draft.answers.values()) == ["Yes"]
    page = client.get(url).content.decode()
    assert "You saved some answers earlier" in page and 'value="Yes" checked' in page
    response = client.post(url, {**a, "action": "submit"})
    assert response["Location"] == f"{url}thank-you/"
    assert ConsultationResponse.objects.get().submitted_at is not None
    # once only: the form is gone and a second post changes nothing
    assert "You have already responded" in client.get(url).content.decode()
    client.post(url, {**answers(consultation, choice="No"), "action": "submit"})
    assert list(ConsultationResponse.objects.values_list("answers", flat=True))[0][str(
        consultation.questions.first().pk)] == "Yes"


def test_anonymous_residents_answer_once_per_browser(consultation, db):
    url = f"/consultations/{consultation.slug}/"
    browser = Client()
    browser.get(url)
    assert browser.post(url, {**answers(consultation), "action": "submit"}).status_code == 302
    assert "You have already responded" in browser.post(url, {**answers(consultation), "action": "submit"}).content.decode()
    other = Client()
    other.get(url)
    other.post(url, {**answers(consultation, choice="No"), "action": "submit"})
    assert ConsultationResponse.objects.filter(submitted_at__isnull=False).count() == 2
    assert set(ConsultationResponse.objects.values_list("user", flat=True)) == {None}
    # anonymous people cannot save a draft
    third = Client()
    response = third.post(url, {**answers(consultation), "action": "save"})
    assert "Sign in to save your answers" in response.content.decode()


@pytest.mark.parametrize("bad, message", [
    ({"choice": ""}, "Choose an answer to question 1"),
    ({"choice": "Maybe<script>"}, "Choose one of the answers given for question 1"),
    ({"scale": "9"}, "Choose one of the answers given for question 2"),
    ({"text": "x" * 2001}, "must be 2,000 characters or fewer"),
])
def test_bad_answers_get_a_clear_message_and_keep_the_rest(client_for, consultation, resident_a, bad, message):
    client = client_for(resident_a)
    response = client.post(f"/consultations/{consultation.slug}/", {**answers(consultation, **bad), "action": "submit"})
    page = response.content.decode()
    assert response.status_code == 200 and message in page and "Error:" in page
    assert "<script>" not in page
    if "choice" not in bad:
        assert 'value="Yes" checked' in page  # the valid answer is kept
    assert not ConsultationResponse.objects.filter(submitted_at__isnull=False).exists()


def test_a_name_is_kept_only_with_consent(client_for, consultation, resident_a):
    client = client_for(resident_a)
    response = client.post(f"/consultations/{consultation.slug}/", {**answers(consultation), "action": "submit",
                                                                    "name_shared": "yes", "respondent_name": ""})
    assert "Enter your name, or untick the box" in response.content.decode()
    client.post(f"/consultations/{consultation.slug}/", {**answers(consultation), "action": "submit",
                                                        "respondent_name": "Should not be kept"})
    assert ConsultationResponse.objects.get().respondent_name == ""


def test_an_adviser_enters_a_paper_response(client_for, consultation, adviser):
    client = client_for(adviser)
    url = f"/staff/consultations/{consultation.slug}/enter/"
    assert client.get(url).status_code == 200
    response = client.post(url, {**answers(consultation), "channel": "paper", "name_shared": "yes",
                                 "respondent_name": "Mrs Paper"})
    assert response.status_code == 302
    r = ConsultationResponse.objects.get()
    assert r.channel == "paper" and r.entered_by == adviser and r.respondent_name == "Mrs Paper"
    assert "Choose paper form or telephone" in client.post(url, answers(consultation)).content.decode()


def test_results_suppress_small_numbers_by_division_and_the_csv_names_only_those_who_agreed(
        client_for, consultation, consultation_officer, division_a, division_b):
    now = timezone.now()
    for i in range(7):
        ConsultationResponse.objects.create(consultation=consultation, answers={
            str(q.pk): v for q, v in zip(consultation.questions.all(), ["Yes" if i < 5 else "No", "3", f"=HYPERLINK({i})"])},
            division=division_a, started_at=now, submitted_at=now, guard=f"g{i}",
            name_shared=i == 0, respondent_name="Agreed Person" if i == 0 else "")
    ConsultationResponse.objects.create(consultation=consultation, answers={str(consultation.questions.first().pk): "No"},
                                        division=division_b, started_at=now, submitted_at=now, guard="gb")
    client = client_for(consultation_officer)
    page = client.get(f"/staff/consultations/{consultation.slug}/").content.decode()
    assert "8 responses sent" in page
    assert "5 (71%)" in page and "Fewer than 5" in page  # division A: 5 yes shown, 2 no suppressed
    assert "Fewer than 5 responses" in page  # division B has one response
    assert "=HYPERLINK(3)" in page  # officers read the free text
    export = client.get(f"/staff/consultations/{consultation.slug}/responses.csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:5] == ["response", "submitted", "channel", "division", "name (if agreed)"]
    names = [r[4] for r in rows[1:]]
    assert names.count("Agreed Person") == 1 and names.count("") == 7
    assert all(r[7].startswith("'=") for r in rows[1:8])  # formulas are defused
    # the public sees nothing until it closes and the summary is published
    assert "will be published here" in client_for(None).get(f"/consultations/{consultation.slug}/results/").content.decode()


def test_closing_and_publishing_we_asked_you_said_we_did(client_for, consultation, consultation_officer, resident_a):
    client_for(resident_a).post(f"/consultations/{consultation.slug}/",
                                {**answers(consultation, text="Private thoughts"), "action": "submit"})
    client = client_for(consultation_officer)
    url = f"/staff/consultations/{consultation.slug}/"
    response = client.post(url, {"action": "summary", "we_did": "Opened on Sundays"})
    assert "Close the consultation before publishing" in response.content.decode()
    client.post(url, {"action": "close"})
    assert Consultation.objects.get().status == "closed"
    assert "not taking responses" in client_for(resident_a).get(f"/consultations/{consultation.slug}/").content.decode()
    client = client_for(consultation_officer)
    assert "Enter what we did" in client.post(url, {"action": "summary", "we_did": ""}).content.decode()
    client.post(url, {"action": "summary", "we_did": "We will open on Sundays from April"})
    page = client_for(None).get(f"/consultations/{consultation.slug}/results/").content.decode()
    assert "We will open on Sundays from April" in page and "1 response" in page
    assert "Private thoughts" not in page  # free text is for officers


ROLES = ["anonymous", "resident_a", "adviser", "officer_in_team", "councillor_of_division", "consultation_officer",
         "administrator"]


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(request, client_for, consultation, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    officers = {"consultation_officer", "administrator"}
    paths = {"/staff/consultations/": officers, "/staff/consultations/new/": officers,
             f"/staff/consultations/{consultation.slug}/": officers,
             f"/staff/consultations/{consultation.slug}/responses.csv": officers,
             f"/staff/consultations/{consultation.slug}/enter/": officers | {"adviser"}}
    for path, allowed in paths.items():
        response = client_for(user).get(path)
        if role == "anonymous":
            assert response.status_code == 302, path
        else:
            assert response.status_code == (200 if role in allowed else 403), (role, path)
    for path in ("/consultations/", f"/consultations/{consultation.slug}/", f"/consultations/{consultation.slug}/results/"):
        assert client_for(user).get(path).status_code == 200, (role, path)
    assert client_for(user).get("/consultations/no-such-thing/").status_code == 404


def test_list_and_results_pages_cost_constant_queries(client_for, consultation, consultation_officer, division_a):
    def count(client, path):
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    officer = client_for(consultation_officer)
    paths = [f"/staff/consultations/{consultation.slug}/", "/staff/consultations/"]
    before = [count(officer, p) for p in paths] + [count(Client(), "/consultations/")]
    now = timezone.now()
    for i in range(12):
        ConsultationResponse.objects.create(consultation=consultation, answers=answers(consultation), division=division_a,
                                            started_at=now, submitted_at=now, guard=f"x{i}")
        svc.consultation_create(title=f"Another {i}", purpose="p", audience="a", opens_on=now.date(),
                                closes_on=now.date(), questions=svc.parse_questions("scale: How?"),
                                by=consultation_officer)
    assert [count(officer, p) for p in paths] + [count(Client(), "/consultations/")] == before
