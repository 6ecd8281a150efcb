"""Business admin pages through the test client: the role matrix on every URL, requester isolation,
bad and duplicate input, files, the staff home, and constant query counts on the menu and queue."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bas import services
from bas.models import BasRequest, MenuItem, OfficerSkill
from oxtom.cases.models import Case

from .conftest import pdf_upload

pytestmark = pytest.mark.django_db


def _ask(item, by, details="Slides for the team briefing"):
    return services.request_submit(item=item, details=details, by=by,
                                   needed_by=timezone.localdate() + dt.timedelta(days=10), files=[pdf_upload()])


def _date(day: dt.date, name: str = "needed_by") -> dict:
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


@pytest.fixture
def world(presentations, sue, john, mike, bea, colleague):
    r = _ask(presentations, sue)
    return {"r": r, "ref": r.case.reference, "file": r.attachments.get().pk}


def _urls(ref: str, file_id: int) -> dict[str, str]:
    return {
        "menu": "/staff/bas/", "new": "/staff/bas/request/presentations/", "mine": "/staff/bas/requests/",
        "detail": f"/staff/bas/requests/{ref}/", "date": f"/staff/bas/requests/{ref}/date/",
        "message": f"/staff/bas/requests/{ref}/messages/", "deliver": f"/staff/bas/requests/{ref}/deliver/",
        "rate": f"/staff/bas/requests/{ref}/rate/", "allocate": f"/staff/bas/requests/{ref}/allocate/",
        "file": f"/staff/bas/requests/{ref}/files/{file_id}/", "queues": "/staff/bas/queue/",
        "queue": "/staff/bas/queue/business-admin-support/", "skills": "/staff/bas/skills/",
        "manage": "/staff/bas/manage/", "manage_new": "/staff/bas/manage/new/",
        "manage_item": "/staff/bas/manage/presentations/", "performance": "/staff/bas/performance/",
    }


# Expected GET status per role; "login" is a redirect to sign in.
MATRIX = {
    #          menu new  mine detail date message deliver rate allocate file queues queue skills manage m_new m_item perf
    "anon":     ["login"] * 17,
    "resident": [403] * 17,
    "sue":      [200, 200, 200, 200, 200, 200, 403, 200, 403, 200, 403, 404, 403, 403, 403, 403, 403],
    "colleague": [200, 200, 200, 404, 404, 404, 404, 404, 404, 404, 403, 404, 403, 403, 403, 403, 403],
    "mike":     [200, 200, 200, 200, 200, 200, 200, 200, 403, 200, 302, 200, 200, 403, 403, 403, 403],
    "john":     [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "outsider": [200, 200, 200, 404, 404, 404, 404, 404, 404, 404, 403, 404, 403, 403, 403, 403, 403],
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_matrix_on_every_url(client_for, world, role, resident_a, officer_outside_team, request):
    users = {"anon": None, "resident": resident_a, "outsider": officer_outside_team}
    user = users[role] if role in users else request.getfixturevalue(role)
    client = client_for(user)
    got = []
    for name, url in _urls(world["ref"], world["file"]).items():
        response = client.get(url)
        status = response.status_code
        got.append("login" if status == 302 and "/accounts/login/" in response.get("Location", "") else status)
    assert got == MATRIX[role], dict(zip(_urls(world["ref"], world["file"]), got))


def test_posts_by_strangers_change_nothing(client_for, world, colleague, mike):
    ref = world["ref"]
    client = client_for(colleague)
    assert client.post(f"/staff/bas/requests/{ref}/messages/", {"text": "hi"}).status_code == 404
    assert client.post(f"/staff/bas/requests/{ref}/date/accept/", {"version": 1}).status_code == 404
    assert client.post(f"/staff/bas/requests/{ref}/allocate/", {"officer": mike.pk}).status_code == 404
    mike_client = client_for(mike)
    assert mike_client.post(f"/staff/bas/requests/{ref}/allocate/", {"officer": mike.pk, "version": 1}).status_code == 403
    r = BasRequest.objects.get(pk=world["r"].pk)
    assert r.case.assignee is None and not r.messages.exists()


def test_sue_asks_through_the_form_and_a_double_submit_makes_one_request(client_for, presentations, sue, john):
    client = client_for(sue)
    page = client.get("/staff/bas/request/presentations/").content.decode()
    assert "Business Admin Support" in page and "What to send" in page
    data = {"details": "Slides for the briefing", "submission_key": "a" * 24,
            **_date(timezone.localdate() + dt.timedelta(days=7)), "files": [pdf_upload(), pdf_upload("two.pdf")]}
    first = client.post("/staff/bas/request/presentations/", data)
    assert first.status_code == 302, first.content.decode()[-3000:]
    r = BasRequest.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/staff/bas/requests/{r.case.reference}/"
    assert r.attachments.count() == 2
    again = client.post("/staff/bas/request/presentations/", {**data, "files": [pdf_upload()]})
    assert again.status_code == 302 and BasRequest.objects.count() == 1 and Case.objects.count() == 1
    detail = client.get(first["Location"]).content.decode()
    assert "Slides for the briefing" in detail and "Waiting for an officer" in detail


@pytest.mark.parametrize("data, message", [
    ({"details": ""}, "Enter what you need"),
    ({"details": "x" * 5001}, "5,000 characters or fewer"),
    ({"details": "ok", "needed_by_day": "31", "needed_by_month": "2", "needed_by_year": "2030"}, "real date"),
    ({"details": "ok", "needed_by_day": "1", "needed_by_month": "1", "needed_by_year": "2020"}, "today or in the future"),
    ({"details": "ok", "needed_by_day": "", "needed_by_month": "", "needed_by_year": ""}, "Enter the date you need it by"),
    ({"details": "ok", "files": ["evil"]}, "must be a PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), JPG, PNG or WebP"),
])
def test_bad_input_on_the_request_form(client_for, presentations, sue, data, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    day = timezone.localdate() + dt.timedelta(days=5)
    payload = {**_date(day), **data}
    if payload.get("files") == ["evil"]:
        payload["files"] = [SimpleUploadedFile("x.pdf", b"<html><script>alert(1)</script>")]
    response = client_for(sue).post("/staff/bas/request/presentations/", payload)
    body = response.content.decode()
    assert response.status_code == 400 and "Error: " in body
    assert message in body, body[body.find("govuk-error-summary"):][:1500]
    assert not BasRequest.objects.exists()


def test_hostile_text_is_shown_as_text(client_for, presentations, sue):
    r = _ask(presentations, sue, details='<script>alert("x")</script> {{ 7*7 }}')
    body = client_for(sue).get(f"/staff/bas/requests/{r.case.reference}/").content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_allocate_date_deliver_rate_through_the_pages(client_for, world, sue, john, mike, bea, presentations):
    OfficerSkill.objects.create(user=mike, item=presentations, level=3)
    ref = world["ref"]
    leader = client_for(john)
    page = leader.get(f"/staff/bas/requests/{ref}/allocate/").content.decode()
    assert "Suggested: <strong>Mike Officer</strong>" in page
    bad = leader.post(f"/staff/bas/requests/{ref}/allocate/", {"officer": "99999", "version": 1})
    assert bad.status_code == 400 and "Choose an officer from the list" in bad.content.decode()
    case = Case.objects.get(reference=ref)
    assert leader.post(f"/staff/bas/requests/{ref}/allocate/",
                       {"officer": mike.pk, "version": case.version}).status_code == 302
    officer = client_for(mike)
    day = timezone.localdate() + dt.timedelta(days=6)
    r = BasRequest.objects.get(pk=world["r"].pk)
    assert officer.post(f"/staff/bas/requests/{ref}/date/", {**_date(day, "date"), "version": r.version}).status_code == 302
    requester = client_for(sue)
    r.refresh_from_db()
    assert "Accept" in requester.get(f"/staff/bas/requests/{ref}/").content.decode()
    assert requester.post(f"/staff/bas/requests/{ref}/date/accept/", {"version": r.version}).status_code == 302
    r.refresh_from_db()
    assert r.date_state == "agreed" and r.agreed_date == day
    stale = requester.post(f"/staff/bas/requests/{ref}/date/accept/", {"version": r.version - 1}, follow=True)
    assert "Someone changed this request" in stale.content.decode() or "no proposed date" in stale.content.decode()
    assert requester.post(f"/staff/bas/requests/{ref}/messages/", {"text": "Thanks Mike"}).status_code == 302
    empty = requester.post(f"/staff/bas/requests/{ref}/messages/", {"text": ""})
    assert empty.status_code == 400 and "Enter your message" in empty.content.decode()
    officer = client_for(mike)
    no_file = officer.post(f"/staff/bas/requests/{ref}/deliver/", {"note": "Here", "version": r.version})
    assert no_file.status_code == 400 and "Attach the deliverable" in no_file.content.decode()
    done = officer.post(f"/staff/bas/requests/{ref}/deliver/",
                        {"note": "Slides attached", "version": r.version, "files": [pdf_upload("slides.pdf")]})
    assert done.status_code == 302
    r.refresh_from_db()
    assert r.delivered_at is not None and r.case.status == "closed"
    requester = client_for(sue)
    page = requester.get(f"/staff/bas/requests/{ref}/").content.decode()
    assert "slides.pdf" in page and "Send rating" in page
    assert requester.post(f"/staff/bas/requests/{ref}/rate/", {"rating": "9"}).status_code == 400
    assert requester.post(f"/staff/bas/requests/{ref}/rate/", {"rating": "5", "comment": "Spot on"}).status_code == 302
    twice = requester.post(f"/staff/bas/requests/{ref}/rate/", {"rating": "1"})
    assert twice.status_code == 400 and "already rated" in twice.content.decode()
    r.refresh_from_db()
    assert r.rating == 5
    deliverable = r.attachments.get(kind="deliverable")
    download = requester.get(f"/staff/bas/requests/{ref}/files/{deliverable.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert requester.get(f"/staff/bas/requests/{ref}/files/999999/").status_code == 404
    perf = client_for(john).get("/staff/bas/performance/").content.decode()
    assert "Presentations" in perf and "100.0%" in perf


def test_the_case_page_links_to_the_request_page(client_for, world, mike):
    page = client_for(mike).get(f"/staff/cases/{world['ref']}/").content.decode()
    assert f"/staff/bas/requests/{world['ref']}/" in page


def test_manager_edits_a_menu_item_in_the_page(client_for, presentations, john, bas_team):
    client = client_for(john)
    url = "/staff/bas/manage/presentations/"
    form = {"name": "Presentations", "menu": presentations.menu_id, "description": "Slides drafted",
            "what_to_provide": "Key points", "target_working_days": "8", "team": "", "is_active": "on",
            "version": presentations.version}
    bad = client.post(url, {**form, "target_working_days": "99"})
    assert bad.status_code == 400 and "from 1 to 60 working days" in bad.content.decode()
    assert client.post(url, {**form, "team": "424242"}).status_code == 400
    assert client.post(url, form).status_code == 302
    presentations.refresh_from_db()
    presentations.service.refresh_from_db()
    assert presentations.target_working_days == 8 and presentations.service.sla_working_days["3"] == 8
    same = client.post(url, {**form, "version": presentations.version})
    assert same.status_code == 400 and "Nothing has changed" in same.content.decode()
    stale = client.post(url, {**form, "target_working_days": "9", "version": 1})
    assert stale.status_code == 400 and "Someone changed this service" in stale.content.decode()
    new = client.post("/staff/bas/manage/new/", {**form, "name": "Room booking", "version": ""})
    assert new.status_code == 302 and MenuItem.objects.filter(code="room-booking").exists()
    assert "Room booking" in client.get("/staff/bas/").content.decode()


def test_officer_records_skills_in_the_page(client_for, presentations, mike):
    client = client_for(mike)
    assert client.post("/staff/bas/skills/", {f"item_{presentations.pk}": "7"}).status_code == 400
    assert client.post("/staff/bas/skills/", {f"item_{presentations.pk}": "3"}).status_code == 302
    assert OfficerSkill.objects.get(user=mike).level == 3


def test_staff_home_shows_the_section(client_for, world, sue, john):
    page = client_for(sue).get("/staff/").content.decode()
    assert "Request business admin support" in page and world["ref"] in page
    leader = client_for(john).get("/staff/").content.decode()
    assert "1 request waiting for an officer" in leader


def test_menu_and_queue_cost_the_same_for_more_data(client_for, presentations, minutes, sue, john, officer_in_team):
    from bas.models import Menu

    _ask(presentations, sue)
    client = client_for(john)
    for url in ("/staff/bas/", "/staff/bas/queue/business-admin-support/", "/staff/bas/requests/"):
        client.get(url)
    counts = {}
    for url in ("/staff/bas/", "/staff/bas/queue/business-admin-support/"):
        with CaptureQueriesContext(connection) as before:
            client.get(url)
        counts[url] = len(before)
    extra = Menu.objects.create(name="More", slug="more", position=5)
    from .conftest import make_item

    for n in range(4):
        make_item(f"extra-{n}", f"Extra {n}", menu=extra, default_team=presentations.service.team)
        _ask(presentations, sue)
        _ask(minutes, john)
    for url, before in counts.items():
        with CaptureQueriesContext(connection) as after:
            body = client.get(url).content.decode()
        assert len(after) == before, url
    assert body.count("/staff/bas/requests/BA-") >= 9
    mine = client_for(sue)
    mine.get("/staff/bas/requests/")
    with CaptureQueriesContext(connection) as listing:
        assert mine.get("/staff/bas/requests/").content.decode().count("/staff/bas/requests/BA-") == 5
    _ask(presentations, sue)
    with CaptureQueriesContext(connection) as more:
        mine.get("/staff/bas/requests/")
    assert len(more) == len(listing)
