"""Business admin services: routing, allocation by skill, agreeing a date, hand-over, rating, menus, figures."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bas import selectors, services
from bas.models import Attachment, BasRequest, MenuItem, OfficerSkill
from oxtom.cases.models import Case, Status
from oxtom.core.calendar import Calendar, add_working_days
from oxtom.core.models import AuditEvent
from oxtom.notify.models import OutboundMessage

from tests.office_files import docx_bytes, pptx_bytes

from .conftest import make_item, pdf_upload

pytestmark = pytest.mark.django_db


def _ask(item, by, *, details="Slides for a team briefing", days=10, files=(), key=""):
    return services.request_submit(item=item, details=details, by=by, files=files, submission_key=key,
                                   needed_by=timezone.localdate() + dt.timedelta(days=days))


def test_a_request_is_a_case_in_the_requesters_directorate_team_and_the_leader_is_told(presentations, sue, john,
                                                                                      bas_team):
    r = _ask(presentations, sue, files=[pdf_upload()])
    case = r.case
    assert (case.requested_by, case.customer, case.team, case.status) == (sue, None, bas_team, Status.NEW)
    assert case.due_at == add_working_days(timezone.localdate(), 5, Calendar.ENGLAND_AND_WALES)
    assert r.directorate.slug == "customers-resources"
    assert [a.kind for a in r.attachments.all()] == [Attachment.Kind.BRIEF]
    assert OutboundMessage.objects.filter(recipient=john.email, template_code="staff-alert").exists()
    assert AuditEvent.objects.filter(target_type="bas.basrequest", target_id=str(r.pk), action="create").exists()


def test_a_highways_colleague_goes_to_the_environment_bas_team(presentations, officer_in_team, env_bas_team):
    r = _ask(presentations, officer_in_team)
    assert r.case.team == env_bas_team and r.directorate.slug == "environment-place"


def test_an_item_with_its_own_team_goes_there(directorates, bas_team, env_bas_team, sue):
    item = make_item("streetworks", "Streetworks notices", team=env_bas_team, days=10)
    assert _ask(item, sue).case.team == env_bas_team


def test_double_submit_makes_one_request(presentations, sue):
    first = _ask(presentations, sue, key="k" * 24)
    with pytest.raises(services.DuplicateSubmission) as twice:
        _ask(presentations, sue, key="k" * 24)
    assert twice.value.case.pk == first.case.pk
    assert BasRequest.objects.count() == 1 and Case.objects.filter(requested_by=sue).count() == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"details": ""}, "Enter what you need"),
    ({"details": "x" * 5001}, "5,000 characters or fewer"),
    ({"days": -1}, "today or in the future"),
    ({"days": 400}, "within the next year"),
    ({"files": [SimpleUploadedFile("evil.pdf", b"<script>alert(1)</script>")]}, "must be a PDF, Word (DOCX)"),
    ({"files": [SimpleUploadedFile("empty.pdf", b"")]}, "empty"),
    ({"files": [SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024))]}, "smaller than 10MB"),
    ({"files": [pdf_upload(f"n{i}.pdf") for i in range(6)]}, "5 files or fewer"),
])
def test_bad_requests_are_refused_and_nothing_is_saved(presentations, sue, kwargs, message):
    with pytest.raises(ValidationError) as refused:
        _ask(presentations, sue, **kwargs)
    assert message in str(refused.value)
    assert not BasRequest.objects.exists() and not Case.objects.exists() and not Attachment.objects.exists()


def test_a_pdf_with_javascript_is_refused(presentations, sue):
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationError) as refused:
        _ask(presentations, sue, files=[SimpleUploadedFile("active.pdf", out.getvalue())])
    assert "active.pdf" in str(refused.value)
    assert not BasRequest.objects.exists()


def test_residents_and_inactive_items_cannot_be_asked(presentations, resident_a, sue):
    with pytest.raises(PermissionDenied):
        _ask(presentations, resident_a)
    MenuItem.objects.filter(pk=presentations.pk).update(is_active=False)
    presentations.refresh_from_db()
    with pytest.raises(ValidationError):
        _ask(presentations, sue)


def test_the_suggestion_is_the_best_skilled_officer_then_the_least_busy(presentations, minutes, sue, john, mike, bea):
    OfficerSkill.objects.create(user=mike, item=presentations, level=3)
    OfficerSkill.objects.create(user=bea, item=presentations, level=2)
    busy = _ask(minutes, sue)
    services.request_allocate(bas_request=busy, officer=mike, expected_version=busy.case.version, by=john)
    r = _ask(presentations, sue)
    first = services.allocation_candidates(r)
    assert first[0].officer == mike and first[0].suggested and first[0].open_requests == 1  # skill before load
    OfficerSkill.objects.filter(user=bea).update(level=3)
    again = services.allocation_candidates(r)
    assert again[0].officer == bea and again[0].open_requests == 0  # equal skill: the one with capacity
    assert [c.level_label for c in again[:2]] == ["Expert", "Expert"]
    assert john in [c.officer for c in again]  # the leader can take work too, listed without a skill


def test_only_a_leader_allocates_and_the_officer_and_requester_are_told(presentations, sue, john, mike, bea):
    r = _ask(presentations, sue)
    with pytest.raises(PermissionDenied):
        services.request_allocate(bas_request=r, officer=mike, expected_version=r.case.version, by=bea)
    r = services.request_allocate(bas_request=r, officer=mike, expected_version=r.case.version, by=john)
    assert r.case.assignee == mike and r.case.status == Status.IN_PROGRESS
    assert OutboundMessage.objects.filter(recipient=mike.email).exists()
    assert OutboundMessage.objects.filter(recipient=sue.email).exists()
    with pytest.raises(ValidationError):  # a stale page
        services.request_allocate(bas_request=r, officer=bea, expected_version=r.case.version - 1, by=john)


def test_agreeing_a_date_propose_counter_accept(presentations, sue, john, mike, colleague):
    r = _ask(presentations, sue)
    with pytest.raises(ValidationError):  # not allocated yet
        services.request_propose_date(bas_request=r, date=timezone.localdate(), expected_version=r.version, by=mike)
    r = services.request_allocate(bas_request=r, officer=mike, expected_version=r.case.version, by=john)
    day = timezone.localdate() + dt.timedelta(days=7)
    r = services.request_propose_date(bas_request=r, date=day, expected_version=r.version, by=mike)
    assert r.date_state == BasRequest.DateState.PROPOSED
    with pytest.raises(PermissionDenied):  # the proposer cannot accept their own date
        services.request_accept_date(bas_request=r, expected_version=r.version, by=mike)
    with pytest.raises(PermissionDenied):
        services.request_propose_date(bas_request=r, date=day, expected_version=r.version, by=colleague)
    r = services.request_propose_date(bas_request=r, date=day + dt.timedelta(days=1), expected_version=r.version,
                                      by=sue)
    assert r.date_state == BasRequest.DateState.COUNTERED
    with pytest.raises(PermissionDenied):
        services.request_accept_date(bas_request=r, expected_version=r.version, by=sue)
    with pytest.raises(ValidationError):
        services.request_accept_date(bas_request=r, expected_version=r.version - 1, by=mike)
    r = services.request_accept_date(bas_request=r, expected_version=r.version, by=mike)
    assert (r.date_state, r.agreed_date) == (BasRequest.DateState.AGREED, day + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.request_propose_date(bas_request=r, date=timezone.localdate() - dt.timedelta(days=1),
                                      expected_version=r.version, by=mike)


def test_messages_go_both_ways_and_strangers_are_refused(presentations, sue, john, mike, colleague):
    r = _ask(presentations, sue)
    services.request_message(bas_request=r, text="Can we talk on Monday?", by=sue)
    assert OutboundMessage.objects.filter(recipient=john.email, subject__icontains="message").exists() or \
        OutboundMessage.objects.filter(recipient=john.email).count() >= 2
    r = services.request_allocate(bas_request=r, officer=mike, expected_version=r.case.version, by=john)
    services.request_message(bas_request=r, text="Yes, 10am", by=mike)
    assert list(r.messages.values_list("text", flat=True)) == ["Can we talk on Monday?", "Yes, 10am"]
    with pytest.raises(PermissionDenied):
        services.request_message(bas_request=r, text="Hello", by=colleague)
    with pytest.raises(ValidationError):
        services.request_message(bas_request=r, text="   ", by=sue)
    with pytest.raises(ValidationError):
        services.request_message(bas_request=r, text="x" * 2001, by=sue)


def test_hand_over_closes_the_case_logs_it_and_the_requester_rates_it_once(presentations, sue, john, mike, colleague):
    r = _ask(presentations, sue)
    r = services.request_allocate(bas_request=r, officer=mike, expected_version=r.case.version, by=john)
    with pytest.raises(ValidationError) as no_file:
        services.request_deliver(bas_request=r, note="Done", files=[], expected_version=r.version, by=mike)
    assert "Attach the deliverable" in str(no_file.value)
    with pytest.raises(PermissionDenied):
        services.request_deliver(bas_request=r, note="Done", files=[pdf_upload()], expected_version=r.version,
                                 by=sue)
    with pytest.raises(ValidationError):
        services.request_rate(bas_request=r, rating=5, by=sue)  # not delivered yet
    with pytest.raises(ValidationError) as macros:  # a macro-enabled deck renamed .pptx
        services.request_deliver(bas_request=r, note="Slides", expected_version=r.version, by=mike, files=[
            SimpleUploadedFile("slides.pptx", pptx_bytes(**{"ppt/vbaProject.bin": b"\x00"}))])
    assert "slides.pptx: The selected file contains macros" in str(macros.value)
    r = services.request_deliver(bas_request=r, note="Slides attached", files=[
        SimpleUploadedFile("slides.pptx", pptx_bytes(), content_type="application/octet-stream"),
        SimpleUploadedFile("Speaker notes.docx", docx_bytes()), pdf_upload("handout.pdf")],
        expected_version=r.version, by=mike)
    delivered = {a.filename: a.content_type.rsplit(".", 1)[-1] for a in r.attachments.filter(kind="deliverable")}
    assert delivered == {"slides.pptx": "presentation", "Speaker notes.docx": "document",
                         "handout.pdf": "application/pdf"}
    assert r.case.status == Status.CLOSED and r.case.outcome == "completed" and r.on_time is True
    assert r.working_days == 0 and r.attachments.filter(kind="deliverable").count() == 3
    assert AuditEvent.objects.filter(target_type="bas.basrequest", target_id=str(r.pk),
                                     summary__startswith="Delivered").exists()
    for bad in (0, 6, None, True, "5"):
        with pytest.raises(ValidationError):
            services.request_rate(bas_request=r, rating=bad, by=sue)
    with pytest.raises(PermissionDenied):
        services.request_rate(bas_request=r, rating=5, by=colleague)
    r = services.request_rate(bas_request=r, rating=4, comment="Great", by=sue)
    assert (r.rating, r.rating_comment) == (4, "Great")
    with pytest.raises(ValidationError) as twice:
        services.request_rate(bas_request=r, rating=5, by=sue)
    assert "already rated" in str(twice.value)
    with pytest.raises(ValidationError):  # completed: no more dates
        services.request_propose_date(bas_request=r, date=timezone.localdate(), expected_version=r.version, by=mike)


def test_officers_record_skills(presentations, minutes, mike, sue):
    assert services.skills_set(levels={presentations.pk: 3, minutes.pk: None}, by=mike) == 1
    assert selectors.skills_of(mike) == {presentations.pk: 3}
    assert services.skills_set(levels={presentations.pk: None}, by=mike) == 1
    with pytest.raises(ValidationError):
        services.skills_set(levels={presentations.pk: 9}, by=mike)
    with pytest.raises(ValidationError):
        services.skills_set(levels={999999: 1}, by=mike)
    with pytest.raises(PermissionDenied):
        services.skills_set(levels={presentations.pk: 1}, by=sue)


def test_the_manager_edits_the_menu_and_the_service_follows(presentations, john, mike, env_bas_team):
    item = services.menu_item_save(item=presentations, menu=presentations.menu, name="Presentations and slides",
                                   description="Slides", what_to_provide="Key points", target_working_days=7,
                                   team=env_bas_team, expected_version=presentations.version, by=john)
    item.service.refresh_from_db()
    assert item.service.sla_working_days == {"1": 7, "2": 7, "3": 7, "4": 7}
    assert (item.service.name, item.service.team) == ("Presentations and slides", env_bas_team)
    with pytest.raises(ValidationError):  # stale
        services.menu_item_save(item=item, menu=item.menu, name="X", description="Y", what_to_provide="",
                                target_working_days=3, team=None, expected_version=1, by=john)
    with pytest.raises(PermissionDenied):
        services.menu_item_save(item=item, menu=item.menu, name="X", description="Y", what_to_provide="",
                                target_working_days=3, team=None, expected_version=item.version, by=mike)
    new = services.menu_item_save(item=None, menu=item.menu, name="Room bookings", description="Rooms",
                                  what_to_provide="", target_working_days=2, team=None, by=john)
    assert new.code == "room-bookings" and new.service.code == "bas-room-bookings" and new.service.kind == "request"
    with pytest.raises(ValidationError) as same:
        services.menu_item_save(item=None, menu=item.menu, name="Room bookings", description="Rooms",
                                what_to_provide="", target_working_days=2, team=None, by=john)
    assert "already a service" in str(same.value)
    for days in (0, 61):
        with pytest.raises(ValidationError):
            services.menu_item_save(item=None, menu=item.menu, name="Other", description="Rooms",
                                    what_to_provide="", target_working_days=days, team=None, by=john)


def _delivered(item, by, officer, leader, *, rating=None):
    r = _ask(item, by)
    r = services.request_allocate(bas_request=r, officer=officer, expected_version=r.case.version, by=leader)
    r = services.request_deliver(bas_request=r, note="Done", files=[pdf_upload()], expected_version=r.version,
                                 by=officer)
    if rating:
        r = services.request_rate(bas_request=r, rating=rating, by=by)
    return r


def test_performance_figures_and_the_registered_measures(presentations, minutes, sue, officer_in_team, john, mike):
    _delivered(presentations, sue, mike, john, rating=5)
    late = _delivered(presentations, sue, mike, john, rating=2)
    BasRequest.objects.filter(pk=late.pk).update(on_time=False, working_days=8)
    _ask(minutes, officer_in_team)
    p = selectors.performance()
    assert (p.total.received, p.total.delivered, p.total.on_time_percent) == (3, 2, 50.0)
    assert p.total.median_days == 4 and p.total.mean_rating == 3.5
    by_item = {row.name: row for row in p.by_item}
    assert by_item["Presentations"].received == 2 and by_item["Minute taking"].delivered == 0
    assert {row.name: row.received for row in p.by_directorate} == {
        "Customers, Organisational Development and Resources": 2, "Environment and Place": 1}

    from performance.computations import REGISTRY, Context

    month = timezone.localdate().replace(day=1)
    ctx = Context(months=[month], division_ids=[])

    def county(code):
        frame = REGISTRY[code](ctx)
        return frame[frame["division_id"].isna()]

    assert float(county("bas-requests")["value"].iloc[0]) == 3
    assert float(county("bas-delivered")["value"].iloc[0]) == 2
    assert float(county("bas-delivered-on-time")["value"].iloc[0]) == 1
    assert float(county("bas-median-days")["value"].iloc[0]) == 4
    assert float(county("bas-ratings")["value"].iloc[0]) == 2
    assert float(county("bas-ratings-good")["value"].iloc[0]) == 1
