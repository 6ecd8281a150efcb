"""Complaint pages: the role matrix on every URL, bad input, audit of staff views, others' complaints a 404,
constant query counts, and the annual report (members' in full, public with small numbers suppressed)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from bas.complaints import services
from bas.complaints.models import Complaint, ComplaintStage, LearningAction, Outcome
from oxtom.cases.models import Case
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Customer

LOGIN = "login"
ROLES = ["anonymous", "resident_a", "resident_b", "adviser", "officer_in_team", "officer_not_in_team", "officer_1",
         "councillor_of_division", "administrator"]
HANDLERS = {"officer_1", "administrator"}
STAFF = {"adviser", "officer_in_team", "officer_not_in_team", "officer_1", "administrator"}


def staff(ok=200):
    return {r: LOGIN if r == "anonymous" else (ok if r in HANDLERS else 403) for r in ROLES}


def account():
    return {r: LOGIN if r == "anonymous" else (200 if r == "resident_a" else 404) for r in ROLES}


def public(ok=200):
    return {r: ok for r in ROLES}


def members():
    return {r: LOGIN if r == "anonymous" else (200 if r == "councillor_of_division" else 403) for r in ROLES}


# (namespace, name) -> (path, expected per role)
MATRIX = {
    ("complaints", "start"): ("/complaints/", public()),
    ("complaints", "new"): ("/complaints/new/", public()),
    ("complaints", "made"): ("/complaints/made/{ref}/", {**{r: 404 for r in ROLES}, "resident_a": 200}),
    ("complaints", "report"): ("/complaints/report/", public()),
    ("complaints", "report_csv"): ("/complaints/report.csv", public()),
    ("complaints_account", "list"): ("/account/complaints/", {r: LOGIN if r == "anonymous" else 200 for r in ROLES}),
    ("complaints_account", "detail"): ("/account/complaints/{ref}/", account()),
    ("complaints_account", "escalate"): ("/account/complaints/{ref}/escalate/", account()),
    ("complaints_members", "report"): ("/members/complaints/report/", members()),
    ("complaints_members", "report_csv"): ("/members/complaints/report.csv", members()),
    ("complaints_staff", "queue"): ("/staff/complaints/", staff()),
    ("complaints_staff", "learning"): ("/staff/complaints/learning/", staff()),
    ("complaints_staff", "detail"): ("/staff/complaints/{ref}/", staff()),
    ("complaints_staff", "acknowledge"): ("/staff/complaints/{ref}/stage/1/acknowledge/", staff()),
    ("complaints_staff", "respond"): ("/staff/complaints/{ref}/stage/1/respond/", staff()),
    ("complaints_staff", "extend"): ("/staff/complaints/{ref}/stage/1/extend/", staff()),
    ("complaints_staff", "convert"): ("/staff/complaints/{ref}/convert/", staff()),
    ("complaints_staff", "learning_add"): ("/staff/complaints/{ref}/learning/", staff()),
    ("complaints_staff", "learning_done"): ("/staff/complaints/{ref}/learning/{action}/done/", None),  # POST only
    ("complaints_staff", "ombudsman"): ("/staff/complaints/{ref}/ombudsman/", staff()),
}


def test_every_complaints_url_is_in_the_matrix():
    names = set()
    for namespace in ("complaints", "complaints_account", "complaints_members", "complaints_staff"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {(namespace, p.name) for p in resolver.url_patterns}
    assert names == set(MATRIX)


@pytest.fixture
def answered(resident_a, officer_1, complaint_services):
    complaint = services.complaint_submit(customer=Customer.objects.get(user=resident_a), what_happened="Bad <b>x</b>",
                                          by=resident_a)
    services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)
    services.complaint_respond(complaint=complaint, number=1, outcome=Outcome.UPHELD, reasons="We were wrong",
                               remedy="Sorry", by=officer_1)
    services.learning_action_add(complaint=complaint, action="Fix the rota", owner=officer_1,
                                 due_on=dt.date.today() + dt.timedelta(days=3), by=officer_1)
    return complaint


def _expect(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(request, role, client_for, answered, officer_not_in_team, officer_in_team, adviser, resident_b,
                     councillor_of_division, administrator):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    if role == "resident_a":
        session = client.session
        session["complaints_made"] = [answered.reference]
        session.save()
    action = answered.learning_actions.get()
    for key, (path, expected) in MATRIX.items():
        url = path.format(ref=answered.reference, action=action.pk)
        if expected is None:  # POST only: non-handlers change nothing
            response = client.post(url, {"note": ""})
            if role in HANDLERS:
                continue
            _expect(response, LOGIN if role == "anonymous" else (404 if role in STAFF else 403))
            assert not LearningAction.objects.get(pk=action.pk).is_done
            continue
        response = client.get(url)
        try:
            _expect(response, expected[role])
        except AssertionError:
            raise AssertionError(f"{key} as {role}: {response.status_code}") from None


def test_staff_views_are_audited(client_for, officer_1, answered):
    client_for(officer_1).get(reverse("complaints_staff:detail", args=[answered.reference]))
    assert AuditEvent.objects.filter(action="view", actor=officer_1, summary__contains=answered.reference).exists()


def test_others_complaints_are_404_and_hostile_text_is_escaped(client_for, resident_a, resident_b, answered):
    assert client_for(resident_b).get(f"/account/complaints/{answered.reference}/").status_code == 404
    page = client_for(resident_a).get(f"/account/complaints/{answered.reference}/").content.decode()
    assert "Bad &lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "Ask for a stage 2 review" in page


def _form(client, url):
    page = client.get(url).content.decode()
    key = page.split('name="submission_key" value="')[1].split('"')[0]
    return key


def test_anonymous_complaint_bad_input_then_one_complaint_on_double_submit(client, complaint_services):
    url = reverse("complaints:new")
    key = _form(client, url)
    bad = client.post(url, {"submission_key": key, "what_happened": "x" * 5001, "contact-first_name": "",
                            "contact-last_name": "Other", "contact-email": "not-an-email"})
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "Error:" in text and "5,000 characters or fewer" in text and "Enter your first name" in text
    assert not Complaint.objects.exists() and not Customer.objects.exists()
    good = {"submission_key": key, "what_happened": "The bus stop sign is wrong", "contact-first_name": "Ann",
            "contact-last_name": "Other", "contact-email": "ann@example.net"}
    first = client.post(url, good)
    assert first.status_code == 302
    second = client.post(url, good)
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Complaint.objects.count() == 1
    assert "Complaint sent" in client.get(first["Location"]).content.decode()


def test_signed_in_complaint_links_own_case(client_for, resident_a, complaint_services, other_service):
    from oxtom.cases import services as cases

    mine = cases.case_create(service=other_service, customer=Customer.objects.get(user=resident_a), answers={},
                             channel="web", by=resident_a)
    client = client_for(resident_a)
    url = reverse("complaints:new")
    key = _form(client, url)
    response = client.post(url, {"submission_key": key, "what_happened": "Nobody came", "about_case": mine.reference})
    assert response.status_code == 302
    assert Complaint.objects.get().about_case == mine
    # Someone else's reference is not one of the choices.
    key = _form(client, url)
    response = client.post(url, {"submission_key": key, "what_happened": "x", "about_case": "HW-2026-AAAAAA"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_escalation_after_the_window_is_refused_on_the_page(client_for, resident_a, answered, monkeypatch):
    stage = answered.stages.get(number=1)
    ComplaintStage.objects.filter(pk=stage.pk).update(escalate_by=dt.date.today() - dt.timedelta(days=1))
    client = client_for(resident_a)
    url = reverse("complaints_account:escalate", args=[answered.reference])
    page = client.get(url).content.decode()
    assert "The time to ask for a stage 2 review ended" in page
    response = client.post(url, {"reason": "Late", "submission_key": "z" * 32})
    assert response.status_code == 200 and "ended on" in response.content.decode()
    assert answered.stages.count() == 1 and Case.objects.filter(parent__isnull=False).count() == 0


def test_escalate_then_final_response_by_the_stage_1_officer_is_refused(client_for, resident_a, officer_1, officer_2,
                                                                        answered):
    client = client_for(resident_a)
    url = reverse("complaints_account:escalate", args=[answered.reference])
    key = _form(client, url)
    assert client.post(url, {"reason": "", "submission_key": key}).status_code == 200
    assert client.post(url, {"reason": "Sorry is not enough", "submission_key": key}).status_code == 302
    assert answered.stages.count() == 2
    staff_client = client_for(officer_1)
    response = staff_client.post(reverse("complaints_staff:acknowledge", args=[answered.reference, 2]),
                                 {"submission_key": "a" * 32})
    assert response.status_code == 200 and "another officer must decide" in response.content.decode()
    assert not answered.stages.get(number=2).is_acknowledged
    staff_client = client_for(officer_2)
    assert staff_client.post(reverse("complaints_staff:acknowledge", args=[answered.reference, 2]),
                             {"submission_key": "b" * 32}).status_code == 302
    staff_client = client_for(officer_1)
    response = staff_client.post(reverse("complaints_staff:respond", args=[answered.reference, 2]),
                                 {"outcome": "upheld", "reasons": "x", "remedy": "y", "submission_key": "c" * 32})
    assert response.status_code == 200 and "another officer must decide" in response.content.decode()
    assert not answered.stages.get(number=2).is_responded


def test_queue_and_case_pages_cost_constant_queries(client_for, resident_a, officer_1, complaint_services):
    customer = Customer.objects.get(user=resident_a)
    client = client_for(officer_1)

    def counts(n):
        for _ in range(n):
            complaint = services.complaint_submit(customer=customer, what_happened="x", by=resident_a)
            services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)
        complaint = Complaint.objects.order_by("-id").first()
        with CaptureQueriesContext(connection) as queue:
            assert client.get(reverse("complaints_staff:queue")).status_code == 200
        with CaptureQueriesContext(connection) as detail:
            assert client.get(reverse("complaints_staff:detail", args=[complaint.reference])).status_code == 200
        return len(queue), len(detail)

    small = counts(2)
    big = counts(8)
    assert small == big


def test_annual_report_members_in_full_public_suppressed(client_for, councillor_of_division, answered):
    members = client_for(councillor_of_division).get(reverse("complaints_members:report")).content.decode()
    assert "Councillors' version" in members and "Sorry" in members
    csv_members = client_for(councillor_of_division).get(reverse("complaints_members:report_csv"))
    assert csv_members["Content-Type"].startswith("text/csv")
    body = csv_members.content.decode()
    assert "Remedy," in body and ",1," in body
    # The remedies are listed by service, never by a complaint's reference (a councillor reads the whole county).
    assert answered.reference not in members and answered.reference not in body
    public = client_for(None).get(reverse("complaints:report")).content.decode()
    assert "Fewer than 5" in public and "Sorry" not in public
    csv_public = client_for(None).get(reverse("complaints:report_csv")).content.decode()
    assert "Fewer than 5" in csv_public and "Sorry" not in csv_public
    assert client_for(None).get(reverse("complaints:report") + "?year=1999").status_code == 404
    assert client_for(None).get(reverse("complaints:report") + "?year=abcd").status_code == 404


def test_a_learning_action_owner_outside_the_team_marks_it_done_from_the_staff_home(client_for, officer_1, answered,
                                                                                     officer_in_team):
    item = services.learning_action_add(complaint=answered, action="Retrain the crews", owner=officer_in_team,
                                        due_on=dt.date.today() + dt.timedelta(days=5), by=officer_1)
    client = client_for(officer_in_team)
    home = client.get("/staff/").content.decode()
    assert "Retrain the crews" in home
    assert client.get(reverse("complaints_staff:detail", args=[answered.reference])).status_code == 403
    response = client.post(reverse("complaints_staff:learning_done", args=[answered.reference, item.pk]),
                           {"note": "", "submission_key": "d" * 32})
    assert response.status_code == 302
    assert LearningAction.objects.get(pk=item.pk).done_by == officer_in_team
