"""case_create is the only way a case is made: idempotent by the form's key, and given everything at once.

Callers (street reports, councillors' enquiries, applications) used to
check the key themselves and patch the new case with an UPDATE; now they
pass the key and the rest to case_create and write nothing to the case.
"""
from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import enquiries
from oxtom.cases.models import Case, CaseEvent
from oxtom.cases.services import DuplicateSubmission
from oxtom.cases.services import create as create_module
from oxtom.core.models import AuditEvent

from .test_member_enquiries import CONSTITUENT, raise_it

pytestmark = pytest.mark.django_db


def _case_writes(queries) -> list[str]:
    """UPDATEs of the case table (the engine's own conditional writes aside, none happen on create)."""
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and '"casework_case"' in q["sql"]]


def test_the_same_key_twice_gives_the_first_case_and_saves_nothing_more(make_case):
    key = uuid.uuid4().hex
    first = make_case(submission_key=key)
    assert Case.objects.get(pk=first.pk).submission_key == key
    events, audits = CaseEvent.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DuplicateSubmission) as caught:
        make_case(submission_key=f"  {key} ", title="A different title")
    assert caught.value.case.pk == first.pk
    assert Case.objects.count() == 1
    assert (CaseEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)


def test_no_key_never_clashes(make_case):
    make_case(), make_case(submission_key="")
    assert Case.objects.filter(submission_key="").count() == 2


def test_an_oversized_key_is_refused(make_case):
    with pytest.raises(ValidationError, match="expired"):
        make_case(submission_key="k" * 65)
    assert not Case.objects.exists()


def test_a_twin_that_wins_the_race_is_the_case_returned(make_case, monkeypatch):
    """Both submissions passed the first look; the unique key decides and the loser rolls back."""
    key = uuid.uuid4().hex
    first = make_case(submission_key=key)
    looks = []
    real = create_module.case_for_submission

    def blind_first_look(k):
        looks.append(k)
        return None if len(looks) == 1 else real(k)

    monkeypatch.setattr(create_module, "case_for_submission", blind_first_look)
    with pytest.raises(DuplicateSubmission) as caught:
        make_case(submission_key=key)
    assert caught.value.case.pk == first.pk and len(looks) == 2
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.CREATED).count() == 1


def test_a_councillors_enquiry_is_made_whole_without_an_update(councillor_of_division, enquiry_service):
    key = uuid.uuid4().hex
    with CaptureQueriesContext(connection) as queries:
        case = raise_it(councillor_of_division, enquiry_service, submission_key=key)
    assert _case_writes(queries.captured_queries) == []
    case = Case.objects.get(pk=case.pk)
    assert case.version == 1
    assert (case.raised_by, case.submission_key, case.shared_with_councillor) == (councillor_of_division, key, True)
    assert case.consent_recorded_at is not None and case.consent_wording == enquiries.CONSENT_WORDING


def test_an_enquiry_about_a_place_records_no_consent(councillor_of_division, enquiry_service):
    case = raise_it(councillor_of_division, enquiry_service, constituent=None, consent_given=False,
                    location="The ford on Mill Lane")
    case = Case.objects.get(pk=case.pk)
    assert case.consent_wording == "" and case.consent_recorded_at is None


def test_a_repeated_enquiry_makes_no_second_constituent(councillor_of_division, enquiry_service):
    from oxtom.customers.models import Customer

    key = uuid.uuid4().hex
    first = raise_it(councillor_of_division, enquiry_service, submission_key=key)
    customers = Customer.objects.count()
    with pytest.raises(DuplicateSubmission) as caught:
        raise_it(councillor_of_division, enquiry_service, submission_key=key,
                 constituent={**CONSTITUENT, "email": "someone.else@example.org"})
    assert caught.value.case.pk == first.pk and Customer.objects.count() == customers


def test_raised_by_must_be_a_signed_in_person(make_case):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValidationError):
        make_case(raised_by=AnonymousUser())
    assert not Case.objects.exists()
