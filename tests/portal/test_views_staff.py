"""Staff report pages (/staff/reports/<reference>/): role matrix, each action, bad input, locking, queries."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oxtom.cases.models import Case, CaseEvent, Priority, Status
from oxtom.notify.models import OutboundMessage
from portal import services
from portal.models import ReportStatus, ReportSubscription, ResponseTemplate, StreetReport
from portal.views.staff import ACTIONS

from .test_selectors import north_of, quick_report

RS = ReportStatus
ROLES = ["anonymous", "resident_a", "adviser", "officer_in_team", "officer_outside_team", "team_leader",
         "councillor_of_division", "administrator"]
NOT_STAFF = {"resident_a", "councillor_of_division"}
CAN_WORK = {"officer_in_team", "team_leader", "administrator"}


def user_for(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


def check(response, role, allowed, *, ok=(200,)):
    """Anonymous -> sign in; non-staff -> 403; staff outside the team -> 404 (as for a missing report)."""
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), role
    elif role in NOT_STAFF:
        assert response.status_code == 403, role
    elif role in allowed:
        assert response.status_code in ok, (role, response.status_code)
    else:
        assert response.status_code == 404, (role, response.status_code)


@pytest.fixture
def report(make_report):
    return make_report()


def url(report, action=""):
    return f"/staff/reports/{report.case.reference}/" + (f"{action}/" if action else "")


def date_parts(prefix, when):
    return {f"{prefix}_day": str(when.day), f"{prefix}_month": str(when.month), f"{prefix}_year": str(when.year)}


def version(report):
    return Case.objects.get(pk=report.case_id).version


def fresh(report):
    return StreetReport.objects.select_related("case").get(pk=report.pk)


@pytest.mark.parametrize("role", ROLES)
def test_report_page_role_matrix(request, client_for, report, role):
    response = client_for(user_for(request, role)).get(url(report))
    check(response, role, CAN_WORK)
    if response.status_code == 200:
        html = response.content.decode()
        assert report.case.reference in html and "Deep hole by the bus stop" in html
        assert "Change the status" in html and "Set the expected repair date" in html


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_role_matrix(request, client_for, report, role, action):
    client = client_for(user_for(request, role))
    check(client.get(url(report, action)), role, CAN_WORK)
    response = client.post(url(report, action), {"version": version(report)})
    check(response, role, CAN_WORK)  # the allowed ones get the form back with errors
    assert fresh(report).public_status == RS.OPEN


def test_case_page_links_to_the_report_page(client_for, report, officer_in_team):
    html = client_for(officer_in_team).get(f"/staff/cases/{report.case.reference}/").content.decode()
    assert f'href="/staff/reports/{report.case.reference}/"' in html


def test_unknown_report_and_action_404(client_for, report, officer_in_team):
    client = client_for(officer_in_team)
    assert client.get("/staff/reports/HW-2026-NOPE99/").status_code == 404
    assert client.get("/staff/reports/" + "X" * 40 + "/").status_code == 404
    assert client.get(url(report, "explode")).status_code == 404


def test_accept_with_expected_date_using_a_response_template(client_for, report, officer_in_team, resident_a):
    template = ResponseTemplate.objects.get(report_type__isnull=True, status=RS.ACCEPTED)
    client = client_for(officer_in_team)
    html = client.get(url(report, "status")).content.decode()
    assert f"Accepted: {template.title}" in html and "Fixed: Repaired" in html
    expected = timezone.localdate() + dt.timedelta(days=14)
    response = client.post(url(report, "status"), {
        "version": version(report), "status": RS.ACCEPTED, "response_template": template.pk,
        "public_text": "Our inspector will visit.", "private_note": "Near the school: check on Tuesday",
        **date_parts("when", expected)})
    assert response.status_code == 302 and response["Location"] == url(report)
    report = fresh(report)
    assert report.public_status == RS.ACCEPTED and report.case.status == Status.ACCEPTED
    assert report.case.expected_date == expected
    [message] = OutboundMessage.objects.filter(customer=resident_a.customer, template_code="report-update")
    assert template.text in message.body and "Our inspector will visit." in message.body
    assert expected.strftime("%-d %B %Y") in message.body
    assert "Near the school" not in message.body
    note = CaseEvent.objects.get(case=report.case, kind=CaseEvent.Kind.NOTE)
    assert note.text == "Near the school: check on Tuesday" and note.visibility == "staff"
    html = client.get(url(report)).content.decode()
    assert "Near the school" in html and "Staff only" in html
    public = client_for(None).get(f"/reports/{report.case.reference}/").content.decode()
    assert "Near the school" not in public and "Our inspector will visit." in public


def test_schedule_then_new_date_then_fix(client_for, report, officer_in_team):
    client = client_for(officer_in_team)
    when = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(url(report, "status"), {"version": version(report), "status": RS.SCHEDULED,
                                                    **date_parts("when", when)})
    assert response.status_code == 302
    assert fresh(report).scheduled_on == when
    later = when + dt.timedelta(days=7)
    client.post(url(report, "status"), {"version": version(report), "status": RS.SCHEDULED,
                                        **date_parts("when", later)})
    assert fresh(report).scheduled_on == later
    response = client.post(url(report, "status"), {"version": version(report), "status": RS.FIXED,
                                                    "public_text": "Filled today"})
    assert response.status_code == 302
    report = fresh(report)
    assert report.public_status == RS.FIXED and report.case.status == Status.CLOSED
    html = client.get(url(report)).content.decode()
    assert "Change the status" not in html and "Add a private note" in html  # closed: only notes
    assert client.get(url(report, "priority"))["Location"] == url(report)


def test_mark_duplicate_by_reference_moves_the_reporter_to_the_original(client_for, pothole, report, officer_in_team,
                                                                        resident_a, resident_b):
    original = quick_report(pothole, north_of(30))
    response = client_for(officer_in_team).post(url(report, "status"), {
        "version": version(report), "status": RS.DUPLICATE, "duplicate_of": original.case.reference.lower()})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(report).public_status == RS.DUPLICATE
    assert ReportSubscription.objects.filter(report=original, customer=resident_a.customer).exists()


def test_priority_expected_date_type_and_note(client_for, catalogue, report, officer_in_team, resident_a):
    client = client_for(officer_in_team)
    response = client.post(url(report, "priority"), {"version": version(report), "priority": Priority.URGENT,
                                                      "reason": "Next to a school crossing"})
    assert response.status_code == 302 and fresh(report).case.priority == Priority.URGENT
    when = timezone.localdate() + dt.timedelta(days=4)
    response = client.post(url(report, "expected-date"), {"version": version(report), **date_parts("expected", when)})
    assert response.status_code == 302 and fresh(report).case.expected_date == when
    [message] = OutboundMessage.objects.filter(customer=resident_a.customer, template_code="report-update")
    assert when.strftime("%-d %B %Y") in message.body
    response = client.post(url(report, "type"), {"version": version(report), "report_type": "damaged-pavement",
                                                  "reason": "It is on the footway"})
    assert response.status_code == 302 and fresh(report).report_type.code == "damaged-pavement"
    response = client.post(url(report, "note"), {"version": version(report), "text": "Called the contractor"})
    assert response.status_code == 302
    assert CaseEvent.objects.filter(case=report.case, kind=CaseEvent.Kind.NOTE, text="Called the contractor").exists()


STATUS_BAD = [
    ({}, "Choose the new status"),
    ({"status": "exploded"}, "Choose a status from the list"),
    ({"status": RS.FIXED}, None),  # allowed from open: see the next cases for refusals
    ({"status": RS.SCHEDULED}, "Enter the repair date"),
    ({"status": RS.SCHEDULED, "when_day": "31", "when_month": "2", "when_year": "2030"}, "must be a real date"),
    ({"status": RS.SCHEDULED, "when_day": "3", "when_year": "2030"}, "must include a month"),
    ({"status": RS.SCHEDULED, "when_day": "1", "when_month": "1", "when_year": "2001"}, "between today"),
    ({"status": RS.ACCEPTED, "when_day": "x", "when_month": "1", "when_year": "2030"}, "must be a real date"),
    ({"status": RS.ACCEPTED, "when_day": "1", "when_month": "1", "when_year": "2001"}, "today or in the future"),
    ({"status": RS.DUPLICATE}, "Enter the reference of the report this duplicates"),
    ({"status": RS.DUPLICATE, "duplicate_of": "HW-2026-NOPE99"}, "a report you can see"),
    ({"status": RS.DUPLICATE, "duplicate_of": "<script>alert(1)</script>"}, "report reference"),
    ({"status": RS.ACCEPTED, "public_text": "x" * 1001}, "1,000 characters or fewer"),
    ({"status": RS.ACCEPTED, "private_note": "x" * 5001}, "5,000 characters or fewer"),
    ({"status": RS.ACCEPTED, "response_template": "999999"}, "Choose a standard response from the list"),
]


@pytest.mark.parametrize("data,message", [c for c in STATUS_BAD if c[1]])
def test_status_bad_input_saves_nothing(client_for, report, officer_in_team, data, message):
    response = client_for(officer_in_team).post(url(report, "status"), {"version": version(report), **data})
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html and message in html, html[:3000]
    assert "<script>alert(1)</script>" not in html
    report = fresh(report)
    assert report.public_status == RS.OPEN and report.case.status == Status.NEW and report.case.version == 1
    assert not OutboundMessage.objects.filter(template_code="report-update").exists()
    assert not CaseEvent.objects.filter(case=report.case, kind=CaseEvent.Kind.NOTE).exists()


def test_template_for_another_status_and_duplicate_of_itself_refused(client_for, report, officer_in_team):
    fixed = ResponseTemplate.objects.filter(report_type__isnull=True, status=RS.FIXED).first()
    client = client_for(officer_in_team)
    html = client.post(url(report, "status"), {"version": version(report), "status": RS.ACCEPTED,
                                                "response_template": fixed.pk}).content.decode()
    assert "Choose a standard response for accepted" in html
    html = client.post(url(report, "status"), {"version": version(report), "status": RS.DUPLICATE,
                                                "duplicate_of": report.case.reference}).content.decode()
    assert "duplicate of itself" in html
    assert fresh(report).public_status == RS.OPEN


def test_html_in_a_public_update_is_shown_as_text(client_for, report, officer_in_team):
    client_for(officer_in_team).post(url(report, "status"), {
        "version": version(report), "status": RS.ACCEPTED, "public_text": "<b>soon</b><script>x()</script>"})
    html = client_for(None).get(f"/reports/{report.case.reference}/").content.decode()
    assert "&lt;b&gt;soon&lt;/b&gt;&lt;script&gt;" in html and "<script>x()" not in html


@pytest.mark.parametrize("action,data,message", [
    ("priority", {}, "Choose a priority"),
    ("priority", {"priority": "9", "reason": "x"}, "Choose a priority from the list"),
    ("priority", {"priority": str(Priority.NORMAL), "reason": "same"}, "already has this priority"),
    ("priority", {"priority": str(Priority.HIGH)}, "Enter why the priority is changing"),
    ("expected-date", {}, "Enter the expected date"),
    ("expected-date", {"expected_day": "40", "expected_month": "1", "expected_year": "2030"}, "real date"),
    ("expected-date", {"expected_day": "1", "expected_month": "1", "expected_year": "2001"}, "today or in the future"),
    ("type", {"reason": "x"}, "Choose the correct type"),
    ("type", {"report_type": "pothole", "reason": "x"}, "Choose a type from the list"),
    ("type", {"report_type": "damaged-pavement"}, "Enter why the type is changing"),
    ("note", {}, "Enter a note"),
    ("note", {"text": "x" * 5001}, "5,000 characters or fewer"),
])
def test_other_actions_bad_input(client_for, report, officer_in_team, action, data, message):
    response = client_for(officer_in_team).post(url(report, action), {"version": version(report), **data})
    html = response.content.decode()
    assert response.status_code == 200 and message in html and html.count("There is a problem") == 1, html[:3000]
    report = fresh(report)
    assert report.case.version == 1 and report.report_type.code == "pothole" and report.case.expected_date is None
    assert not CaseEvent.objects.filter(case=report.case, kind=CaseEvent.Kind.NOTE).exists()


def test_stale_version_keeps_what_was_typed_and_saves_nothing(client_for, report, officer_in_team, team_leader):
    seen = version(report)
    services.report_change_status(report=report, status=RS.ACCEPTED, expected_version=seen, by=team_leader)
    response = client_for(officer_in_team).post(url(report, "status"), {
        "version": seen, "status": RS.IN_PROGRESS, "public_text": "Crew on the way"})
    html = response.content.decode()
    assert response.status_code == 200 and "Someone else changed this case" in html and "Crew on the way" in html
    assert f'name="version" value="{version(report)}"' in html
    assert fresh(report).public_status == RS.ACCEPTED
    # The same form sent again (with the new version it was given) goes through.
    response = client_for(officer_in_team).post(url(report, "status"), {
        "version": version(report), "status": RS.IN_PROGRESS, "public_text": "Crew on the way"})
    assert response.status_code == 302 and fresh(report).public_status == RS.IN_PROGRESS


def test_double_submit_changes_once(client_for, report, officer_in_team, resident_a):
    client = client_for(officer_in_team)
    data = {"version": version(report), "status": RS.ACCEPTED, "public_text": "Thanks"}
    assert client.post(url(report, "status"), data).status_code == 302
    response = client.post(url(report, "status"), data)  # "accepted" is no longer offered
    assert response.status_code == 200 and "Choose a status from the list" in response.content.decode()
    assert OutboundMessage.objects.filter(customer=resident_a.customer, template_code="report-update").count() == 1


def test_report_page_query_count_is_constant(client_for, pothole, report, officer_in_team, resident_b,
                                             django_assert_max_num_queries):
    client = client_for(officer_in_team)
    client.get(url(report))  # warm caches (session, user)
    with django_assert_max_num_queries(14) as small:
        assert client.get(url(report)).status_code == 200
    from tests.factories import CustomerFactory

    ReportSubscription.objects.bulk_create(ReportSubscription(report=report, customer=CustomerFactory())
                                           for _ in range(10))
    for n in range(10):
        services.report_change_status(report=report, status=RS.SCHEDULED, expected_version=version(report),
                                      by=officer_in_team,
                                      scheduled_on=timezone.localdate() + dt.timedelta(days=n + 1),
                                      public_text=f"Booked {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url(report)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url(report, "status")).status_code == 200


def test_warns_when_the_case_page_closed_the_case_behind_the_public_report(client_for, report, officer_in_team):
    from oxtom.cases import services as casework

    client = client_for(officer_in_team)
    assert 'id="out-of-step"' not in client.get(url(report)).content.decode()
    casework.case_close(case=report.case, outcome="completed", expected_version=version(report), by=officer_in_team)
    html = client.get(url(report)).content.decode()
    assert 'id="out-of-step"' in html and "the public page says reported" in html


@pytest.mark.parametrize("action", ["accept", "expected-date", "close", "duplicate"])
def test_case_page_sends_steps_the_resident_is_told_about_to_the_report_page(client_for, report, officer_in_team,
                                                                             action):
    client = client_for(officer_in_team)
    case_url = f"/staff/cases/{report.case.reference}/"
    assert f"{case_url}{action}/" not in client.get(case_url).content.decode()
    for response in (client.get(f"{case_url}{action}/"),
                     client.post(f"{case_url}{action}/", {"outcome": "completed", "version": version(report)})):
        assert response.status_code == 302 and response["Location"] == url(report)
    assert fresh(report).case.status == report.case.status  # the case did not move behind the public report
    # Steps that tell the resident nothing stay on the case page.
    assert f"{case_url}assign/" in client.get(case_url).content.decode()
