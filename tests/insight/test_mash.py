"""The MASH referral service on the case engine: a referral is an urgent, special-category safeguarding case in
the MASH team's queue with no child on the customer record; screening closes it with its outcome; only the
MASH team opens referrals, every view is audited; bad, hostile, oversized and duplicate input is refused."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from insight.models import Referral
from oxtom.cases.models import Case, Priority, Status
from oxtom.cases.services import DuplicateSubmission
from oxtom.core.models import AuditEvent
from tests import factories as f

from .conftest import make_referral, screen


def test_a_referral_is_an_urgent_special_category_case_in_the_mash_queue(maya, mash_team):
    referral = make_referral(maya)
    case = referral.case
    assert case.team == mash_team and case.service.code == "mash-referral" and case.status == Status.NEW
    assert case.safeguarding and case.special_category and case.priority == Priority.URGENT
    assert case.customer is None and case.requested_by == maya  # the child is never on the customer record
    assert case.answers == {} and "Alfie" not in case.title
    assert AuditEvent.objects.filter(target_type="insight.referral", action="create").count() == 1


def test_screening_closes_the_case_with_its_outcome_once(maya):
    referral = make_referral(maya)
    screened = screen(referral, maya, "early_help")
    case = Case.objects.get(pk=referral.case.pk)
    assert case.status == Status.CLOSED and case.outcome == "completed"
    assert screened.screening_outcome == "early_help" and screened.screened_by == maya
    nfa = screen(make_referral(maya, child="C-2"), maya, "nfa")
    assert Case.objects.get(pk=nfa.case.pk).outcome == "no_further_action"
    with pytest.raises(ValidationError, match="already been screened"):
        screen(referral, maya, "nfa")


def test_screening_refuses_a_stale_page_and_a_bad_outcome(maya):
    from oxtom.cases.services import StaleCaseError

    referral = make_referral(maya)
    with pytest.raises(ValidationError, match="outcome"):
        from insight import services
        services.referral_screen(referral=referral, outcome="adopt", reasons="x", expected_version=1, by=maya)
    with pytest.raises((StaleCaseError, ValidationError)):
        from insight import services
        services.referral_screen(referral=referral, outcome="nfa", reasons="x",
                                 expected_version=referral.case.version + 5, by=maya)
    assert Referral.objects.get(pk=referral.pk).screening_outcome == ""


def test_only_the_mash_team_records_or_screens(maya, outsider, bi):
    for user in (outsider, bi):
        with pytest.raises(PermissionDenied):
            make_referral(user)
    referral = make_referral(maya)
    with pytest.raises(PermissionDenied):
        screen(referral, outsider)


@pytest.mark.parametrize("field,value,message", [
    ("deprivation_decile", 11, "decile"), ("child_key", "bad key!", "identifier"),
    ("child_sex", "x", "sex"), ("referrer_agency", "mi5", "agency"),
    ("concerns", "x" * 5001, "5,000 characters"), ("child_name", " ", "child's name"),
    ("child_date_of_birth", dt.date(2000, 1, 1), "under 18"),
])
def test_bad_input_is_refused_and_nothing_is_made(maya, field, value, message):
    with pytest.raises(ValidationError, match=message):
        make_referral(maya, **{field: value})
    assert not Referral.objects.exists() and not Case.objects.exists()


def test_the_same_form_twice_makes_one_referral(maya):
    first = make_referral(maya, submission_key="k" * 24)
    with pytest.raises(DuplicateSubmission) as twin:
        make_referral(maya, submission_key="k" * 24)
    assert twin.value.case == first.case and Referral.objects.count() == 1


# --- the pages --------------------------------------------------------------------------------------

@pytest.fixture
def resident(db):
    return f.UserFactory(email="res@example.org", roles=["resident"])


def test_role_matrix_on_the_mash_pages(client_for, maya, lee, outsider, bi, resident):
    reference = make_referral(maya).case.reference
    urls = ["/staff/insight/mash/", "/staff/insight/mash/new/", f"/staff/insight/mash/{reference}/"]
    for user, expected in ((maya, 200), (lee, 200), (outsider, 403), (bi, 403), (resident, 403)):
        c = client_for(user)
        for url in urls:
            assert c.get(url).status_code == expected, (user.email, url)
    anonymous = client_for(None)
    for url in urls:
        assert anonymous.get(url).status_code == 302
    # The role without membership of the MASH team: the referral does not exist for them.
    stranger = f.UserFactory(email="mash.elsewhere@example.org", roles=["mash_officer"])
    assert client_for(stranger).get(urls[2]).status_code == 404
    assert client_for(maya).get("/staff/insight/mash/SG-2026-NOPE/").status_code == 404


def test_every_view_of_a_referral_is_audited(client_for, maya):
    referral = make_referral(maya)
    c = client_for(maya)
    c.get(f"/staff/insight/mash/{referral.case.reference}/")
    c.get("/staff/insight/mash/")
    views = AuditEvent.objects.filter(action="view", target_type="insight.referral", target_id=str(referral.pk),
                                      actor=maya)
    assert views.count() == 2


def test_the_pages_take_constant_queries(client_for, maya, django_assert_max_num_queries):
    for n in range(8):
        r = make_referral(maya, child=f"C-{n % 3}", days_ago=20 - n)
        if n % 2:
            screen(r, maya)
    c = client_for(maya)
    with django_assert_max_num_queries(20):
        assert c.get("/staff/insight/mash/").status_code == 200
    with django_assert_max_num_queries(22):
        assert c.get(f"/staff/insight/mash/{r.case.reference}/").status_code == 200


def _form(**extra):
    data = {"referrer_agency": "school", "referrer_name": "Ms Head", "referrer_contact": "", "child_name": "Daisy Dummett",
            "child_key": "C-9", "child_date_of_birth_day": "3", "child_date_of_birth_month": "4", "child_date_of_birth_year":
            str(timezone.localdate().year - 9), "child_sex": "female", "child_ethnicity": "B",
            "deprivation_decile": "2", "concerns": "Persistent absence and bruising noticed.", "school_flag": "on"}
    data.update(extra)
    return data


def test_recording_a_referral_through_the_form(client_for, maya):
    c = client_for(maya)
    response = c.post("/staff/insight/mash/new/", _form(submission_key="s" * 24))
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/insight/mash/{referral.case.reference}/"
    assert referral.school_flag and referral.child_date_of_birth.month == 4
    again = c.post("/staff/insight/mash/new/", _form(submission_key="s" * 24))
    assert again.status_code == 302 and Referral.objects.count() == 1  # a double POST acts once


def test_the_form_says_what_is_wrong_and_escapes_hostile_text(client_for, maya):
    c = client_for(maya)
    page = c.post("/staff/insight/mash/new/", _form(deprivation_decile="", concerns="x" * 5001))
    text = page.content.decode()
    assert page.status_code == 200 and "Choose the area&#x27;s deprivation decile" in text
    assert "5,000 characters or fewer" in text and "<title>Error:" in text
    assert not Referral.objects.exists()
    c.post("/staff/insight/mash/new/", _form(concerns="<script>alert(1)</script>"))
    referral = Referral.objects.get()
    page = c.get(f"/staff/insight/mash/{referral.case.reference}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_screening_through_the_page(client_for, maya):
    referral = make_referral(maya)
    url = f"/staff/insight/mash/{referral.case.reference}/"
    c = client_for(maya)
    bad = c.post(url, {"outcome": "", "reasons": "", "version": referral.case.version})
    assert "Choose the outcome of screening" in bad.content.decode()
    ok = c.post(url, {"outcome": "assessment", "reasons": "Section 47 threshold met",
                      "version": referral.case.version})
    assert ok.status_code == 302 and Referral.objects.get().screening_outcome == "assessment"
    again = c.post(url, {"outcome": "nfa", "reasons": "x", "version": referral.case.version})
    assert again.status_code == 302 and Referral.objects.get().screening_outcome == "assessment"
