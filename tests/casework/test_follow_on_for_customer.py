"""The engine: a customer opens a follow-on of their own decided case themselves (a complaint's stage 2),
or an adviser does for them; anyone else is refused and nothing is saved."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseEvent
from oxtom.core.models import AuditEvent

from .factories import ServiceFactory


@pytest.fixture
def review_service(team):
    return ServiceFactory(code="test-review", name="Review", team=team, reference_prefix="RV", kind="request",
                          different_decider=True, sla_working_days={"1": 20, "2": 20, "3": 20, "4": 20})


def _decided(make_case, officer):
    case = make_case()
    case = s.case_assign(case=case, assignee=officer, expected_version=case.version, by=officer)
    return s.case_decide(case=case, decision="refused", reasons="No", expected_version=case.version, by=officer)


def test_customer_opens_a_follow_on_of_their_own_case(make_case, review_service, officer_in_team, resident_a):
    parent = _decided(make_case, officer_in_team)
    child = s.case_open_follow_on_for_customer(parent=parent, service=review_service, reason="I disagree",
                                               by=resident_a)
    assert child.parent == parent and child.customer.user == resident_a and child.channel == "web"
    assert CaseEvent.objects.filter(case=parent, kind=CaseEvent.Kind.FOLLOW_ON_OPENED).exists()
    assert AuditEvent.objects.filter(actor=resident_a, summary__contains=f"of {parent.reference}").exists()
    with pytest.raises(ValidationError, match="already open"):
        s.case_open_follow_on_for_customer(parent=parent, service=review_service, reason="Again", by=resident_a)
    # The officer who decided the parent cannot decide the follow-on.
    child = s.case_assign(case=child, assignee=officer_in_team, expected_version=child.version, by=officer_in_team)
    with pytest.raises(PermissionDenied, match="another officer"):
        s.case_decide(case=child, decision="approved", reasons="Fine", expected_version=child.version,
                      by=officer_in_team)


def test_others_are_refused_and_nothing_is_saved(make_case, review_service, officer_in_team, resident_b, adviser,
                                                 resident_a):
    parent = _decided(make_case, officer_in_team)
    before = Case.objects.count()
    for person, behalf in ((resident_b, False), (resident_b, True), (None, False)):
        with pytest.raises(PermissionDenied):
            s.case_open_follow_on_for_customer(parent=parent, service=review_service, reason="x", by=person,
                                               on_behalf_of=behalf)
    assert Case.objects.count() == before
    undecided = make_case()
    with pytest.raises(ValidationError, match="Decide or close"):
        s.case_open_follow_on_for_customer(parent=undecided, service=review_service, reason="x", by=resident_a)
    child = s.case_open_follow_on_for_customer(parent=parent, service=review_service, reason="For them", by=adviser,
                                               on_behalf_of=True)
    assert child.customer == parent.customer
