"""The project office and the Fit for the Future board: proposals on the template, the board's decision
(never the proposer's), allocation within capacity, highlight reports only for approved projects and once
a month, chasing late reports once through the outbox, the board's portfolio exceptions first."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oxtom.notify.models import OutboundMessage
from strategy.models import BoardDecision, HighlightReport, Project
from strategy.services import pmo as svc
from tests.performance.factories import MeasureFactory

PROPOSAL = {
    "title": "Digital street reporting", "directorate": "Environment", "sponsor": "Director of Highways",
    "cross_cutting": "on", "objectives": "Move street reports online", "estimated_cost": "£250,000",
    "cost_notes": "Licences and staff", "benefits": f"Fewer phone calls | contacts-received | 9000 | 6000 | {dt.date.today().year + 1}-03-31\nHappier residents",
    "risks": "Supplier late | Head of ICT",
}


def propose(client, **changes):
    return client.post("/staff/projects/new/", {**PROPOSAL, **changes})


def make_project(by, *, approve_by=None, title="A project") -> Project:
    project = svc.project_propose(title=title, directorate="Environment", sponsor="Director", cross_cutting=False,
                                  objectives="Do it", estimated_cost=D("1000"), benefits=[{"description": "Good"}],
                                  by=by)
    if approve_by is not None:
        project = svc.project_decide(project=project, approve=True, note="", by=approve_by)
    return project


def last_month() -> str:
    return svc.reporting_month(timezone.localdate()).strftime("%Y-%m")


def test_a_proposal_on_the_template_goes_to_the_board(client_for, project_manager, db):
    MeasureFactory(code="contacts-received", name="Contacts received", unit="count", polarity="lower")
    response = propose(client_for(project_manager))
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/projects/{project.reference}/"
    assert project.status == "proposed" and project.cross_cutting and project.estimated_cost == D("250000")
    benefits = list(project.benefits.all())
    assert benefits[0].measure.code == "contacts-received" and benefits[0].target == D("6000")
    assert benefits[1].measure is None
    assert project.risks.get().owner == "Head of ICT"
    page = client_for(project_manager).get(f"/staff/projects/{project.reference}/").content.decode()
    assert "Contacts received" in page and "Supplier late" in page


@pytest.mark.parametrize("changes, message", [
    ({"title": ""}, "Enter the project title"),
    ({"estimated_cost": "lots"}, "Enter the estimated cost in pounds"),
    ({"estimated_cost": "-5"}, "Enter the estimated cost in pounds"),
    ({"estimated_cost": "1e400"}, "Enter the estimated cost in pounds"),
    ({"benefits": ""}, "Enter the benefits and how each is measured"),
    ({"benefits": "Less waiting | no-such-measure"}, "there is no performance measure with the code no-such-measure"),
    ({"benefits": "| contacts"}, "describe the benefit"),
    ({"risks": "A risk with no owner"}, "who owns it"),
    ({"title": "x" * 151}, "150 characters or fewer"),
    ({"objectives": "<script>alert(1)</script>" * 200}, "3,000 characters or fewer"),
])
def test_bad_proposals_are_refused_and_keep_what_was_typed(client_for, project_manager, changes, message):
    response = propose(client_for(project_manager), **changes)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "<title>Error:" in page.replace("\n", "")[:5000] or "Error:" in page
    assert "Director of Highways" in page  # nothing typed is lost
    assert "<script>alert(1)</script>" not in page
    assert not Project.objects.exists()


def test_hostile_text_is_shown_escaped(client_for, project_manager):
    propose(client_for(project_manager), title="<img src=x onerror=alert(1)>", benefits="Good things")
    project = Project.objects.get()
    page = client_for(project_manager).get(f"/staff/projects/{project.reference}/").content.decode()
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_the_board_decides_but_never_its_own_proposal(client_for, board_member, second_board_member):
    project = make_project(second_board_member)
    client = client_for(second_board_member)
    response = client.post(f"/staff/projects/{project.reference}/decide/", {"decision": "approve"})
    assert "another board member must decide it" in response.content.decode()
    response = client_for(board_member).post(f"/staff/projects/{project.reference}/decide/", {"decision": "reject"})
    assert "Enter why the board is rejecting" in response.content.decode()
    response = client_for(board_member).post(f"/staff/projects/{project.reference}/decide/",
                                             {"decision": "approve", "note": "Go ahead"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == "approved" and project.decided_by == board_member
    assert BoardDecision.objects.get().text == "Approved: Go ahead"
    response = client_for(board_member).post(f"/staff/projects/{project.reference}/decide/", {"decision": "reject",
                                                                                             "note": "Changed mind"})
    assert "already been decided" in response.content.decode()
    assert Project.objects.get().status == "approved"


def test_allocation_stays_within_capacity_and_sets_the_project_manager(client_for, pmo, board_member, pool):
    project = make_project(pmo, approve_by=board_member)
    other = make_project(pmo, approve_by=board_member, title="Other")
    client = client_for(pmo)
    url = f"/staff/projects/{project.reference}/allocate/"
    assert client.post(url, {"member": pool["pm"].pk, "days": "6"}).status_code == 302
    project.refresh_from_db()
    assert project.project_manager == pool["pm"].user
    response = client_for(pmo).post(f"/staff/projects/{other.reference}/allocate/", {"member": pool["pm"].pk, "days": "5"})
    assert "has 4 free days a month" in response.content.decode()
    for bad, message in (({"member": "999999", "days": "2"}, "Choose someone from the pool"),
                         ({"member": pool["ba"].pk, "days": "0"}, "Enter 1 day or more"),
                         ({"member": pool["ba"].pk, "days": "two"}, "whole number")):
        assert message in client.post(url, bad).content.decode()
    page = client.get("/staff/projects/pool/").content.decode()
    assert "4 of 10" in page and project.reference in page


def test_a_proposal_gets_nobody_from_the_pool(client_for, pmo, pool):
    project = make_project(pmo)
    response = client_for(pmo).post(f"/staff/projects/{project.reference}/allocate/", {"member": pool["pm"].pk, "days": "2"})
    assert "Only an approved project" in response.content.decode()


HIGHLIGHT = {"rag_time": "green", "rag_cost": "amber", "rag_scope": "green", "rag_benefits": "red",
             "summary": "On track except benefits", "risks": "issue | Contractor late | Head of Highways",
             "decisions_needed": "Agree a two-week extension"}


def test_a_highlight_report_is_refused_for_an_unapproved_project(client_for, pmo, project_manager, pool):
    project = make_project(project_manager)
    response = client_for(project_manager).post(f"/staff/projects/{project.reference}/highlight/",
                                                {**HIGHLIGHT, "month": last_month()})
    assert response.status_code == 403  # not its manager yet; the PMO is refused for the status instead
    response = client_for(pmo).post(f"/staff/projects/{project.reference}/highlight/", {**HIGHLIGHT, "month": last_month()})
    assert "can only be submitted for a project the board has approved" in response.content.decode()
    assert not HighlightReport.objects.exists()


def test_the_project_manager_submits_once_a_month(client_for, pmo, board_member, project_manager, other_manager, pool):
    project = make_project(pmo, approve_by=board_member)
    svc.project_allocate(project=project, member=pool["pm"], days=5, by=pmo)
    client = client_for(project_manager)
    url = f"/staff/projects/{project.reference}/highlight/"
    assert client.post(url, {**HIGHLIGHT, "month": last_month()}).status_code == 302
    report = HighlightReport.objects.get()
    assert report.worst == "red" and report.risks.get().kind == "issue"
    response = client.post(url, {**HIGHLIGHT, "month": last_month()})
    assert "has already been submitted" in response.content.decode()
    for bad, message in (({"rag_time": "purple"}, "Select a valid choice"), ({"month": "soon"}, "Enter the month as"),
                         ({"summary": ""}, "Enter the summary of progress"),
                         ({"risks": "problem | x"}, "write risk or issue"),
                         ({"month": "2999-01"}, "this month or earlier")):
        assert message in client.post(url, {**HIGHLIGHT, "month": last_month(), **bad}).content.decode()
    assert HighlightReport.objects.count() == 1
    # another project manager cannot see it (404) or report on it
    assert client_for(other_manager).get(f"/staff/projects/{project.reference}/").status_code == 404
    assert client_for(other_manager).post(url, {**HIGHLIGHT, "month": last_month()}).status_code == 404


def test_late_reports_are_chased_once_through_the_outbox(pmo, board_member, project_manager, pool):
    project = make_project(pmo, approve_by=board_member)
    svc.project_allocate(project=project, member=pool["pm"], days=5, by=pmo)
    today = timezone.localdate()
    before_due = today.replace(day=project.highlight_due_day)
    after_due = before_due + dt.timedelta(days=1)
    assert svc.chase_late_highlights(today=before_due) == 0
    assert svc.chase_late_highlights(today=after_due) == 1
    assert svc.chase_late_highlights(today=after_due) == 0
    message = OutboundMessage.objects.get()
    assert message.recipient == project_manager.email and project.reference in message.subject
    assert f"/staff/projects/{project.reference}/highlight/" in message.body


def test_the_board_sees_exceptions_first_and_records_decisions(client_for, pmo, board_member, project_manager, pool):
    green = make_project(pmo, approve_by=board_member, title="Green one")
    red = make_project(pmo, approve_by=board_member, title="Red one")
    month = svc.reporting_month(timezone.localdate())
    for project, rag in ((green, "green"), (red, "red")):
        svc.highlight_submit(project=project, month=month, rags={k: rag for k in ("time", "cost", "scope", "benefits")},
                             summary="s", by=pmo)
    make_project(project_manager, title="Waiting one")
    client = client_for(board_member)
    page = client.get("/staff/projects/board/").content.decode()
    assert page.index("Red one") < page.index("Green one")
    assert "Waiting one" in page[page.index('id="proposals"'):page.index('id="portfolio"')]
    today = timezone.localdate()
    response = client.post("/staff/projects/board/", {"text": "Portfolio review in March",
                                                      "decided_on_day": today.day, "decided_on_month": today.month,
                                                      "decided_on_year": today.year})
    assert response.status_code == 302
    assert "Portfolio review in March" in client.get("/staff/projects/board/").content.decode()
    response = client.post("/staff/projects/board/", {"text": "", "decided_on_day": "40", "decided_on_month": "1",
                                                      "decided_on_year": "2026"})
    page = response.content.decode()
    assert "Enter what the board decided" in page and "Date of the decision must be a real date" in page


ROLES = ["anonymous", "resident_a", "adviser", "officer_in_team", "councillor_of_division", "performance_analyst",
         "pmo", "board_member", "project_manager", "administrator"]
PATHS = {
    "/staff/projects/": {"pmo", "board_member", "project_manager", "administrator"},
    "/staff/projects/new/": {"pmo", "project_manager", "administrator"},
    "/staff/projects/board/": {"board_member", "administrator"},
    "/staff/projects/pool/": {"pmo", "administrator"},
    "/staff/projects/{ref}/": {"pmo", "board_member", "project_manager", "administrator"},
    "/staff/projects/{ref}/decide/": {"board_member", "administrator"},
    "/staff/projects/{ref}/allocate/": {"pmo", "administrator"},
    "/staff/projects/{ref}/highlight/": {"pmo", "project_manager", "administrator"},
}


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(request, client_for, role, pmo, board_member, project_manager, pool):
    project = make_project(pmo, approve_by=board_member)
    svc.project_allocate(project=project, member=pool["pm"], days=2, by=pmo)
    user = None if role == "anonymous" else request.getfixturevalue(role)
    for template, allowed in PATHS.items():
        path = template.format(ref=project.reference)
        response = client_for(user).get(path)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], path
        else:
            assert response.status_code == (200 if role in allowed else 403), (role, path)


def test_list_pages_cost_constant_queries(client_for, pmo, board_member, pool):
    def count(path):
        client = client_for(board_member if "board" in path else pmo)
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    month = svc.reporting_month(timezone.localdate())
    first = make_project(pmo, approve_by=board_member)
    svc.project_allocate(project=first, member=pool["pm"], days=1, by=pmo)
    paths = ["/staff/projects/", "/staff/projects/board/", "/staff/projects/pool/"]
    before = [count(p) for p in paths]
    for i in range(5):
        project = make_project(pmo, approve_by=board_member, title=f"More {i}")
        svc.project_allocate(project=project, member=pool["pm2"], days=1, by=pmo)
        svc.highlight_submit(project=project, month=month, rags={k: "amber" for k in ("time", "cost", "scope", "benefits")},
                             summary="s", by=pmo)
        make_project(pmo, title=f"Proposed {i}")
    assert [count(p) for p in paths] == before


def test_a_proposal_sent_twice_with_its_submission_key_makes_one_project(client_for, project_manager):
    import re

    from oxtom.core.submissions import ALREADY_DONE

    MeasureFactory(code="contacts-received", name="Contacts received", unit="count", polarity="lower")
    client = client_for(project_manager)
    page = client.get("/staff/projects/new/").content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    first = client.post("/staff/projects/new/", {**PROPOSAL, "submission_key": key})
    again = client.post("/staff/projects/new/", {**PROPOSAL, "submission_key": key}, follow=True)
    assert first.status_code == 302 and Project.objects.count() == 1
    assert ALREADY_DONE in again.content.decode()
    # A proposal refused for an error keeps its key, so the corrected one goes through once.
    page = client.get("/staff/projects/new/").content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    bad = client.post("/staff/projects/new/", {**PROPOSAL, "title": "", "submission_key": key})
    assert bad.status_code == 200 and key in bad.content.decode()
    assert client.post("/staff/projects/new/", {**PROPOSAL, "title": "Second", "submission_key": key}).status_code == 302
    assert Project.objects.count() == 2
