"""The holding services' side of FOI allocations: the officers of the team an FOI request asks for information
see their open allocations with due dates (the staff home and /staff/foi/allocations/), open only their own
(others 404), read the request's words without the requester's name or contact details, and mark it done with
the information (a note, a file or both) once; the co-ordinator reads it on the FOI case page. Audited."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bas.foi import selectors, services
from bas.foi.models import Allocation, Stage
from oxtom.cases.models import CaseEvent
from oxtom.core.models import AuditEvent

pytestmark = pytest.mark.django_db

TEXT = ("I am Nick Requester of 4 Mill Lane. Please send the number of potholes repaired on the A34 in 2025 "
        "by month.")


@pytest.fixture
def allocated(make_request, coordinator, foi_setup, officer_in_team):
    """A triaged request with one allocation asked of Highways North (officer_in_team's team)."""
    request = services.foi_triage(request=make_request(TEXT), valid=True, regime="foi", by=coordinator)
    return services.foi_allocate(request=request, team=foi_setup["holder"], asked="Potholes repaired by month",
                                 due_on=request.case.due_at - dt.timedelta(days=3), by=coordinator)


def _reply(allocation, by, information="Jan 120, Feb 98", **kwargs):
    return services.foi_allocation_reply(allocation=allocation, information=information, by=by, **kwargs)


# --- the rules --------------------------------------------------------------------------------------------

def test_the_holder_marks_it_done_and_the_request_moves_to_drafting(allocated, officer_in_team, coordinator):
    assert selectors.open_allocations_for(officer_in_team) == [allocated]
    done = _reply(allocated, officer_in_team)
    done.task.refresh_from_db()
    assert done.task.done_by == officer_in_team and done.replied_by == officer_in_team
    assert done.information == "Jan 120, Feb 98"
    done.request.refresh_from_db()
    assert done.request.stage == Stage.DRAFTING
    assert selectors.open_allocations_for(officer_in_team) == []
    assert CaseEvent.objects.filter(case=done.task.case, kind="task_done", actor=officer_in_team).exists()
    assert AuditEvent.objects.filter(target_type="foi.allocation", target_id=str(done.pk), action="update",
                                     actor=officer_in_team).exists()


def test_a_second_reply_is_refused_and_changes_nothing(allocated, officer_in_team):
    _reply(allocated, officer_in_team)
    with pytest.raises(ValidationError, match="already been marked as done"):
        _reply(allocated, officer_in_team, information="Something else")
    allocated.refresh_from_db()
    assert allocated.information == "Jan 120, Feb 98"


def test_only_the_team_asked_may_reply(allocated, officer_outside_team, coordinator, administrator, foi_outsider):
    for who in (officer_outside_team, coordinator, administrator, foi_outsider):
        with pytest.raises(PermissionDenied):
            _reply(allocated, who)
    allocated.task.refresh_from_db()
    assert allocated.task.done_at is None


def test_the_engine_lets_the_holder_mark_only_that_task_done(allocated, officer_in_team, coordinator):
    """Asked for one task, the holder works nothing else on the FOI case."""
    from oxtom.cases.services import case_task_add, case_task_complete

    other = case_task_add(case=allocated.task.case, title="Check the cost estimate", by=coordinator)
    with pytest.raises(PermissionDenied):
        case_task_complete(task=other, by=officer_in_team)
    with pytest.raises(PermissionDenied):
        case_task_add(case=allocated.task.case, title="Anything", by=officer_in_team)


def test_a_reply_needs_information_or_a_file(allocated, officer_in_team):
    with pytest.raises(ValidationError, match="Enter the information"):
        _reply(allocated, officer_in_team, information="  \u200b ")
    with pytest.raises(ValidationError, match="100,000 characters or fewer"):
        _reply(allocated, officer_in_team, information="x" * 100_001)
    with pytest.raises(ValidationError, match="must be a PDF, Word document"):
        _reply(allocated, officer_in_team, information="", data=b"MZ\x90\x00 not a document", filename="a.exe")
    allocated.task.refresh_from_db()
    assert allocated.task.done_at is None


def test_a_file_alone_is_a_reply_kept_under_our_name(allocated, officer_in_team):
    done = _reply(allocated, officer_in_team, information="", data=b"month,repaired\nJan,120\n",
                  filename="../../etc/<potholes>.exe.csv")
    assert done.filename == "potholes.exe.csv" and done.content_type == "text/csv" and done.size == 23
    assert "etc" not in done.file.name and done.file.read() == b"month,repaired\nJan,120\n"


def test_no_reply_once_the_response_has_moved_on(allocated, officer_in_team):
    type(allocated.request).objects.filter(pk=allocated.request_id).update(stage=Stage.AWAITING_APPROVAL)
    with pytest.raises(ValidationError, match="no longer needs this"):
        _reply(allocated, officer_in_team)


def test_hostile_text_is_kept_as_text(allocated, officer_in_team, client_for, coordinator):
    _reply(allocated, officer_in_team, information="<script>alert(1)</script>\u202e")
    allocated.refresh_from_db()
    assert allocated.information == "<script>alert(1)</script>"
    page = client_for(coordinator).get(reverse("foi_staff:case", kwargs={"reference": allocated.request.case.reference}))
    assert "<script>alert(1)</script>" not in page.content.decode() and "&lt;script&gt;" in page.content.decode()


# --- the pages --------------------------------------------------------------------------------------------

ROLES = ["anonymous", "resident_a", "adviser", "officer_in_team", "officer_outside_team", "team_leader",
         "councillor_of_division", "coordinator", "foi_outsider", "administrator"]
# The list: any member of staff (theirs only, so empty for most); the allocation: its team's officers only.
LIST = {"anonymous": "login", "resident_a": 403, "councillor_of_division": 403, "adviser": 200,
        "officer_in_team": 200, "officer_outside_team": 200, "team_leader": 200, "coordinator": 200,
        "foi_outsider": 200, "administrator": 200}
DETAIL = {**{role: 404 for role in ROLES}, "anonymous": "login", "resident_a": 403, "councillor_of_division": 403,
          "officer_in_team": 200, "team_leader": 200}


def _check(response, want, what):
    if want == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], what
    else:
        assert response.status_code == want, (what, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(request, client_for, allocated, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    listing = client.get(reverse("foi_staff:holder_allocations"))
    _check(listing, LIST[role], "list")
    if LIST[role] == 200:
        assert (allocated.request.case.reference in listing.content.decode()) == (DETAIL[role] == 200), role
    detail = reverse("foi_staff:holder_allocation", kwargs={"pk": allocated.pk})
    _check(client.get(detail), DETAIL[role], "detail")
    _check(client.post(detail, {"information": "From the matrix"}), DETAIL[role] if DETAIL[role] != 200 else 302,
           "reply")
    allocated.task.refresh_from_db()
    assert (allocated.task.done_at is not None) == (DETAIL[role] == 200)
    # The co-ordinator's download of the reply: the FOI team's, like the rest of the case.
    file_url = reverse("foi_staff:allocation_file", kwargs={"reference": allocated.request.case.reference,
                                                           "pk": allocated.pk})
    response = client.get(file_url)
    if role == "anonymous":
        _check(response, "login", "file")
    else:
        assert response.status_code in ({404} if role in ("coordinator", "administrator") else {403, 404}), role


def test_the_holder_reads_the_request_without_who_asked(client_for, allocated, officer_in_team):
    page = client_for(officer_in_team).get(reverse("foi_staff:holder_allocation", kwargs={"pk": allocated.pk}))
    text = page.content.decode()
    assert "Potholes repaired by month" in text and "potholes repaired on the A34 in 2025" in text
    assert "Nick" not in text and "Requester" not in text and "nick@example.org" not in text
    assert AuditEvent.objects.filter(target_type="foi.allocation", target_id=str(allocated.pk), action="view",
                                     actor=officer_in_team).exists()


def test_reply_with_a_file_through_the_page_once_and_the_coordinator_sees_it(client_for, allocated, officer_in_team,
                                                                             coordinator):
    client = client_for(officer_in_team)
    url = reverse("foi_staff:holder_allocation", kwargs={"pk": allocated.pk})
    for data, message in [
        ({"information": ""}, "Enter the information, or a note of where it is, or attach a file"),
        ({"information": "x" * 100_001}, "100000 characters"),
        ({"information": "", "file": SimpleUploadedFile("run.exe", b"MZ\x90\x00binary")}, "must be a PDF"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), data
        assert "There is a problem" in response.content.decode()
    key = client.get(url).content.decode().split('name="submission_key" value="')[1].split('"')[0]
    data = {"information": "Monthly figures attached", "submission_key": key,
            "file": SimpleUploadedFile("potholes.csv", b"month,repaired\nJan,120\n", content_type="text/csv")}
    done = client.post(url, data)
    assert done.status_code == 302 and done["Location"] == reverse("foi_staff:holder_allocations")
    data["file"] = SimpleUploadedFile("potholes.csv", b"month,repaired\nJan,120\n", content_type="text/csv")
    assert client.post(url, data).status_code == 302  # the double click: answered, not acted on
    allocated.refresh_from_db()
    assert allocated.information == "Monthly figures attached" and allocated.filename == "potholes.csv"
    assert AuditEvent.objects.filter(target_type="foi.allocation", target_id=str(allocated.pk), action="update").count() == 1
    assert "Monthly figures attached" in client.get(url).content.decode()  # read-only now
    ref = allocated.request.case.reference
    case_page = client_for(coordinator).get(reverse("foi_staff:case", kwargs={"reference": ref})).content.decode()
    file_url = reverse("foi_staff:allocation_file", kwargs={"reference": ref, "pk": allocated.pk})
    assert "Monthly figures attached" in case_page and file_url in case_page
    response = client_for(coordinator).get(file_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"month,repaired\nJan,120\n"
    assert client_for(officer_in_team).get(file_url).status_code in (403, 404)  # the FOI team's case, not theirs


def test_the_staff_home_lists_open_allocations_with_due_dates(client_for, allocated, officer_in_team,
                                                             officer_outside_team):
    home = client_for(officer_in_team).get("/staff/").content.decode()
    assert 'id="foi-allocations"' in home and allocated.request.case.reference in home
    assert f"{allocated.task.due_on:%-d %B %Y}" in home
    assert 'id="foi-allocations"' not in client_for(officer_outside_team).get("/staff/").content.decode()
    _reply(allocated, officer_in_team)
    assert 'id="foi-allocations"' not in client_for(officer_in_team).get("/staff/").content.decode()


def test_the_list_costs_the_same_queries_with_more_allocations(client_for, make_request, coordinator, foi_setup,
                                                              officer_in_team):
    client = client_for(officer_in_team)

    def add(n):
        for _ in range(n):
            request = services.foi_triage(request=make_request(), valid=True, regime="foi", by=coordinator)
            services.foi_allocate(request=request, team=foi_setup["holder"], asked="Figures",
                                  due_on=request.case.due_at - dt.timedelta(days=2), by=coordinator)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("foi_staff:holder_allocations")).status_code == 200
        return len(captured)

    add(1)
    few = count()
    add(6)
    many = count()
    assert many == few <= 4, (few, many)  # 3 measured: session, user, the list
    assert Allocation.objects.count() == 7 and len(selectors.open_allocations_for(officer_in_team)) == 7
