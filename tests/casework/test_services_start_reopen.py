"""case_start_work (work under way without a named officer) and case_reopen_by_customer."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseEvent, Outcome, Status


def refresh(case):
    return Case.objects.get(pk=case.pk)


def test_start_work_from_new_and_accepted(make_case, officer_in_team):
    case = make_case()
    case = s.case_start_work(case=case, note="Crew booked", expected_version=case.version, by=officer_in_team)
    assert refresh(case).status == Status.IN_PROGRESS
    event = case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED).first()
    assert (event.from_status, event.to_status, event.text) == ("new", "in_progress", "Crew booked")
    other = make_case()
    other = s.case_accept(case=other, expected_version=other.version, by=officer_in_team)
    other = s.case_start_work(case=other, expected_version=other.version, by=officer_in_team)
    assert refresh(other).status == Status.IN_PROGRESS


def test_start_work_refusals(make_case, officer_in_team, officer_outside_team, resident_a):
    case = make_case()
    for outsider in (officer_outside_team, resident_a):
        with pytest.raises(PermissionDenied):
            s.case_start_work(case=case, expected_version=case.version, by=outsider)
    with pytest.raises(ValidationError, match="changed this case"):
        s.case_start_work(case=case, expected_version=case.version + 1, by=officer_in_team)
    case = s.case_start_work(case=case, expected_version=case.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="already started"):
        s.case_start_work(case=case, expected_version=case.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="5,000 characters"):
        fresh = make_case()
        s.case_start_work(case=fresh, note="x" * 5001, expected_version=fresh.version, by=officer_in_team)
    case = s.case_close(case=case, outcome=Outcome.COMPLETED, expected_version=case.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="closed"):
        s.case_start_work(case=case, expected_version=case.version, by=officer_in_team)


def test_customer_reopens_their_own_closed_case(make_case, officer_in_team, resident_a, resident_b):
    case = make_case()
    case = s.case_close(case=case, outcome=Outcome.COMPLETED, expected_version=case.version, by=officer_in_team)
    for stranger in (resident_b, officer_in_team):
        with pytest.raises(PermissionDenied):
            s.case_reopen_by_customer(case=case, reason="Still broken", expected_version=case.version, by=stranger)
    with pytest.raises(ValidationError, match="Enter why"):
        s.case_reopen_by_customer(case=case, reason=" ", expected_version=case.version, by=resident_a)
    case = s.case_reopen_by_customer(case=case, reason="Still broken", expected_version=case.version, by=resident_a)
    case = refresh(case)
    assert case.status == Status.ACCEPTED and case.outcome == "" and case.closed_at is None
    with pytest.raises(ValidationError, match="Only a closed case"):
        s.case_reopen_by_customer(case=case, reason="Again", expected_version=case.version, by=resident_a)


def test_customer_cannot_reopen_a_duplicate(make_case, officer_in_team, resident_a):
    original, copy = make_case(), make_case()
    copy = s.case_link_duplicate(case=copy, original=original, expected_version=copy.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="duplicate"):
        s.case_reopen_by_customer(case=copy, reason="x", expected_version=copy.version, by=resident_a)


def test_recategorise_same_team_keeps_status_and_recomputes_due(make_case, officer_in_team, team, service):
    from .factories import ServiceFactory

    other = ServiceFactory(code="casework-pavement", team=team, sla_working_days={"1": 1, "2": 2, "3": 3, "4": 4})
    case = make_case()
    case = s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    case = s.case_recategorise(case=case, service=other, reason="Really the pavement",
                               expected_version=case.version, by=officer_in_team)
    case = refresh(case)
    assert case.service == other and case.status == Status.ACCEPTED and case.team == team
    assert (case.due_at - case.received_at.date()).days <= 5


def test_recategorise_to_another_team_requeues_and_refusals(make_case, officer_in_team, other_team, service):
    from .factories import ServiceFactory

    moved = ServiceFactory(code="casework-fly", team=other_team)
    enquiry = ServiceFactory(code="casework-enq", team=other_team, kind="enquiry")
    case = make_case()
    with pytest.raises(ValidationError, match="already of this type"):
        s.case_recategorise(case=case, service=service, reason="x", expected_version=case.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="same kind"):
        s.case_recategorise(case=case, service=enquiry, reason="x", expected_version=case.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="Enter why"):
        s.case_recategorise(case=case, service=moved, reason="", expected_version=case.version, by=officer_in_team)
    case = s.case_recategorise(case=case, service=moved, reason="Rubbish", expected_version=case.version,
                               by=officer_in_team)
    case = refresh(case)
    assert case.team == other_team and case.status == Status.NEW and case.assignee is None
    assert case.events.filter(kind=CaseEvent.Kind.REFERRED).exists()
