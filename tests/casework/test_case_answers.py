"""Case pages show answers through the owner registry: councillors' enquiries, and cases no owner renders."""
from __future__ import annotations

import uuid

import pytest

from casework import enquiries
from oxtom.cases import owners
from oxtom.cases import services as s
from oxtom.cases.models import Case
from tests.answers_support import assert_readable

pytestmark = pytest.mark.django_db


@pytest.fixture
def enquiry(councillor_of_division, enquiry_service, resident_a):
    # For a constituent who has an account (found by email), so they can read it under /account/cases/.
    constituent = {"first_name": "Alice", "last_name": "Resident", "email": resident_a.email, "phone": "",
                   "address_line_1": "1 Bridge Street", "postcode": "OX16 5AB"}
    return enquiries.member_enquiry_raise(service=enquiry_service, title="Flooding at the ford",
                                  details="Water over the road after rain", location="Bridge Street ford",
                                  constituent=constituent, consent_given=True, submission_key=uuid.uuid4().hex,
                                  by=councillor_of_division)


ENQUIRY_SHOWS = ["Details of the enquiry", "Water over the road after rain", "Place", "Bridge Street ford",
                 "Raised by"]
ENQUIRY_NEVER = ["Enquiry Water"]  # the stored key as a row heading


def test_enquiry_on_the_staff_case_page(client_for, officer_in_team, enquiry):
    body = client_for(officer_in_team).get(f"/staff/cases/{enquiry.reference}/").content.decode()
    assert_readable(body, shows=ENQUIRY_SHOWS, never=ENQUIRY_NEVER)


def test_enquiry_on_the_constituents_case_page(client_for, resident_a, enquiry):
    assert enquiry.customer.user_id == resident_a.pk
    body = client_for(resident_a).get(f"/account/cases/{enquiry.reference}/").content.decode()
    assert_readable(body, shows=["What you told us", *ENQUIRY_SHOWS], never=ENQUIRY_NEVER)


def test_enquiry_on_the_councillors_page(client_for, councillor_of_division, enquiry):
    body = client_for(councillor_of_division).get(f"/members/cases/{enquiry.reference}/").content.decode()
    assert_readable(body, shows=["Your enquiry", *ENQUIRY_SHOWS], never=ENQUIRY_NEVER)


def test_a_case_no_owner_renders_still_shows_words(client_for, make_case, officer_in_team, resident_a):
    case = make_case(answers={"where_exactly": "High Street", "depth_mm": 60, "items": ["cones", "barrier"],
                              "extra": {"seen_on": "2026-03-01", "urgent": True}})
    for user, prefix in ((officer_in_team, "/staff/cases/"), (resident_a, "/account/cases/")):
        body = client_for(user).get(f"{prefix}{case.reference}/").content.decode()
        assert_readable(body, shows=["Where exactly", "High Street", "Depth (mm)", "60", "cones", "barrier",
                                     "Seen on: 1 March 2026", "Urgent: Yes"],
                        never=["where_exactly", "seen_on", "2026-03-01", "True"])


def test_the_first_renderer_that_knows_the_case_is_used(monkeypatch, make_case):
    case = make_case()
    from oxtom.core.answers import Row

    mine = owners.CaseAnswers(rows=(Row("Question", "Answer"),))
    calls = []
    monkeypatch.setattr(owners, "_renderers", [])
    owners.register_case_answers(lambda c, audience, user: calls.append(audience) and None)
    owners.register_case_answers(lambda c, audience, user: mine if c.pk == case.pk else None)
    assert owners.case_answers(case, audience=owners.STAFF) is mine
    assert owners.case_answers(case, audience=owners.CUSTOMER) is mine
    assert calls == ["staff", "customer"]
    other = Case(answers={"where": "Mill Lane"})
    other.pk = -1
    assert owners.case_answers(other, audience=owners.STAFF).rows == (Row("Where", "Mill Lane"),)
    with pytest.raises(ValueError):
        owners.case_answers(case, audience="public")


def test_portal_applications_and_enquiries_register_renderers():
    # Registered in their AppConfig.ready(): casework imports neither portal nor applications.
    assert len(owners._renderers) >= 3
    assert "street_report__report_type" in owners.owner_relations()


@pytest.mark.parametrize("service_name, title, label, own_title", [
    ("Pothole", "Pothole", "Pothole", ""),
    ("Pothole", " pothole ", "Pothole", ""),
    ("Blue badge", "Blue badge application AP-1", "Blue badge application AP-1", "Blue badge application AP-1"),
    ("Members' enquiry", "Flooding at the ford", "Members' enquiry: Flooding at the ford", "Flooding at the ford"),
    ("Pothole", "", "Pothole", ""),
])
def test_a_case_is_named_once(service_name, title, label, own_title):
    from oxtom.cases.models import Service

    case = Case(service=Service(name=service_name), title=title)
    assert case.label == label and case.own_title == own_title


def test_enquiry_on_the_constituents_customer_timeline(client_for, officer_in_team, resident_a, enquiry):
    body = client_for(officer_in_team).get(f"/staff/customers/{enquiry.customer.reference}/").content.decode()
    assert_readable(body.split('id="timeline"', 1)[1], shows=[f"Open case {enquiry.reference}", *ENQUIRY_SHOWS],
                    never=ENQUIRY_NEVER)


def test_a_case_no_owner_renders_shows_words_on_the_customer_timeline(client_for, make_case, officer_in_team,
                                                                       resident_a):
    case = make_case(answers={"where_exactly": "High Street", "depth_mm": 60, "extra": {"urgent": True}})
    body = client_for(officer_in_team).get(f"/staff/customers/{resident_a.customer.reference}/").content.decode()
    assert_readable(body.split('id="timeline"', 1)[1],
                    shows=[f"Open case {case.reference}", "Where exactly", "High Street", "Depth (mm)", "Urgent: Yes"],
                    never=["where_exactly", "True"])
