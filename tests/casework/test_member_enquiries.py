"""Councillors raise enquiries for constituents (with consent) or about places, and track them."""
from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casework import enquiries
from oxtom.cases import services as s
from oxtom.cases.models import Case
from oxtom.customers.models import Customer

ROLES = [
    "anonymous", "resident_a", "adviser", "officer_in_team", "officer_outside_team",
    "team_leader", "councillor_of_division", "councillor_elsewhere", "administrator",
]


CONSTITUENT = {"first_name": "Doris", "last_name": "Day", "email": "doris.day@example.org", "phone": "",
               "address_line_1": "1 Bridge Street", "postcode": "ox16 5ab"}


def raise_it(by, service, **overrides):
    params = dict(service=service, title="Flooding at the ford", details="Water over the road after rain",
                  location="", constituent=dict(CONSTITUENT), consent_given=True,
                  submission_key=uuid.uuid4().hex, by=by)
    params.update(overrides)
    return enquiries.member_enquiry_raise(**params)


def test_enquiry_for_constituent_records_consent_and_goes_to_the_team(councillor_of_division, enquiry_service,
                                                                      division_a, team):
    case = raise_it(councillor_of_division, enquiry_service)
    case = Case.objects.get(pk=case.pk)
    assert case.raised_by == councillor_of_division and case.team == team and case.division == division_a
    assert case.consent_recorded_at and "agreed" in case.consent_wording
    assert case.customer.email == "doris.day@example.org" and case.customer.postcode == "OX16 5AB"
    assert case.reference.startswith("ME-")
    assert case.answers["Enquiry"] == "Water over the road after rain"
    assert Case.objects.for_user(councillor_of_division).filter(pk=case.pk).exists()


def test_existing_constituent_record_is_reused_by_email(councillor_of_division, enquiry_service):
    first = raise_it(councillor_of_division, enquiry_service)
    second = raise_it(councillor_of_division, enquiry_service, title="Second")
    assert first.customer_id == second.customer_id
    assert Customer.objects.filter(email="doris.day@example.org").count() == 1


def test_enquiry_about_a_place_needs_no_constituent(councillor_of_division, enquiry_service):
    case = raise_it(councillor_of_division, enquiry_service, constituent=None, consent_given=False,
                    location="Bridge Street ford")
    assert case.customer.user == councillor_of_division and case.consent_recorded_at is None


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"consent_given": False}, "consent"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"details": "  "}, "details"),
        ({"details": "d" * 5001}, "details"),
        ({"constituent": None, "consent_given": False, "location": ""}, "location"),
        ({"constituent": {**CONSTITUENT, "postcode": "NOT A POSTCODE"}}, "postcode"),
        ({"constituent": {**CONSTITUENT, "first_name": "<script>alert(1)</script>"}}, "first_name"),
        ({"constituent": {**CONSTITUENT, "email": "", "address_line_1": "", "postcode": ""}}, "email"),
    ],
)
def test_bad_enquiries_are_refused_and_nothing_is_saved(councillor_of_division, enquiry_service, overrides, field):
    with pytest.raises(ValidationError) as exc:
        raise_it(councillor_of_division, enquiry_service, **overrides)
    assert field in exc.value.message_dict
    assert not Case.objects.exists() and not Customer.objects.filter(email="doris.day@example.org").exists()


def test_only_councillors_raise_enquiries(officer_in_team, resident_a, enquiry_service):
    for user in (officer_in_team, resident_a):
        with pytest.raises(PermissionDenied):
            raise_it(user, enquiry_service)


def test_non_enquiry_service_is_refused(councillor_of_division, service):
    with pytest.raises(ValidationError, match="enquiry service"):
        raise_it(councillor_of_division, service)


def test_same_submission_twice_makes_one_case(councillor_of_division, enquiry_service):
    key = uuid.uuid4().hex
    first = raise_it(councillor_of_division, enquiry_service, submission_key=key)
    with pytest.raises(enquiries.DuplicateSubmission) as exc:
        raise_it(councillor_of_division, enquiry_service, submission_key=key)
    assert exc.value.case.pk == first.pk and Case.objects.count() == 1


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/members/enquiries/", "/members/enquiries/new/"])
def test_enquiry_pages_role_matrix(request, client_for, enquiry_service, role, path):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    response = client_for(user).get(path)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == (200 if role.startswith("councillor") else 403)


def _post(client, enquiry_service, **overrides):
    data = {"service": str(enquiry_service.pk), "about": "constituent", "title": "Flooding at the ford",
            "details": "Water over the road", "location": "", "consent": "on",
            "submission_key": "k" * 32, **{k: v for k, v in CONSTITUENT.items()}}
    data.update(overrides)
    return client.post("/members/enquiries/new/", data)


def test_councillor_raises_and_tracks_an_enquiry(client_for, councillor_of_division, councillor_elsewhere,
                                                 enquiry_service, officer_in_team):
    client = client_for(councillor_of_division)
    response = _post(client, enquiry_service)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/members/cases/{case.reference}/"
    page = client.get(response["Location"]).content.decode()
    assert "Water over the road" in page and case.reference in page
    assert case.reference in client.get("/members/enquiries/").content.decode()
    # The officer's public reply shows; the other councillor cannot open it.
    s.case_accept(case=case, expected_version=1, by=officer_in_team)
    s.case_add_public_update(case=case, text="Drainage team visiting Monday", expected_version=2, by=officer_in_team)
    assert "Drainage team visiting Monday" in client.get(f"/members/cases/{case.reference}/").content.decode()
    assert client_for(councillor_elsewhere).get(f"/members/cases/{case.reference}/").status_code == 404
    # Double submit of the same form: no second case.
    response = _post(client_for(councillor_of_division), enquiry_service)
    assert response.status_code == 302 and Case.objects.count() == 1


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"consent": ""}, "Confirm that the constituent has given their consent"),
        ({"about": ""}, "Choose who the enquiry is for"),
        ({"service": ""}, "Choose what the enquiry is about"),
        ({"service": "99999"}, "Choose a subject from the list"),
        ({"title": ""}, "Enter a subject for the enquiry"),
        ({"details": "x" * 5001}, "The details must be 5,000 characters or fewer"),
        ({"first_name": ""}, "Enter the constituent&#x27;s first name"),
        ({"postcode": "'; DROP TABLE"}, "Enter a real postcode"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"submission_key": ""}, "The form has expired"),
        ({"about": "place", "location": ""}, "Enter the place the enquiry is about"),
    ],
)
def test_enquiry_form_bad_input(client_for, councillor_of_division, enquiry_service, overrides, message):
    response = _post(client_for(councillor_of_division), enquiry_service, **overrides)
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body and message in body
    assert not Case.objects.exists()


def test_hostile_subject_is_escaped(client_for, councillor_of_division, enquiry_service):
    client = client_for(councillor_of_division)
    _post(client, enquiry_service, title="<script>alert('x')</script>")
    body = client.get("/members/enquiries/").content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body


# --- the response target ---------------------------------------------------------------------------------


def test_a_fresh_install_has_the_members_enquiry_service_with_a_10_working_day_target(db):
    from oxtom.cases.models import Service

    service = Service.objects.get(code="members-enquiry")  # seeded by casework migration 0008
    assert service.kind == Service.Kind.ENQUIRY and service.is_active
    assert service.sla_working_days == {"1": 10, "2": 10, "3": 10, "4": 10}
    assert service.team.slug == "member-services"


def test_response_target_is_the_services_working_days_and_an_administrator_can_change_it(
        councillor_of_division, enquiry_service, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from oxtom.cases import rules
    from oxtom.core.calendar import add_working_days

    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 21, 10, tzinfo=dt.timezone.utc))
    case = raise_it(councillor_of_division, enquiry_service)
    # Monday 21 December 2026: 10 working days skip Christmas Day, Boxing Day (substitute Mon 28) and New Year.
    assert case.due_at == add_working_days(dt.date(2026, 12, 21), 10) == dt.date(2027, 1, 7)
    enquiry_service.sla_working_days = {"1": 5, "2": 5, "3": 5, "4": 5}
    enquiry_service.save()
    quicker = raise_it(councillor_of_division, enquiry_service, title="Another")
    assert quicker.due_at == rules.due_date(received_on=dt.date(2026, 12, 21), sla_working_days=5)


# --- the councillor hears when their enquiry moves ------------------------------------------------------


def test_councillor_is_emailed_when_their_enquiry_moves_without_the_constituents_details(
        councillor_of_division, enquiry_service, officer_in_team):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate, OutboundMessage

    seed_templates(MessageTemplate)
    case = raise_it(councillor_of_division, enquiry_service)
    case = s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    s.case_add_note(case=case, text="Private: Doris called twice", expected_version=case.version, by=officer_in_team)
    s.case_add_public_update(case=case, text="Inspector visiting Tuesday", expected_version=case.version,
                             by=officer_in_team)
    case = s.case_decide(case=case, decision="action_taken", reasons="Drain cleared", expected_version=case.version,
                         by=officer_in_team)
    alerts = list(OutboundMessage.objects.filter(recipient=councillor_of_division.email).order_by("created_at"))
    subjects = [m.subject for m in alerts]
    assert subjects == [f"Your enquiry {case.reference} is now accepted", f"Your enquiry {case.reference} has an update",
                        f"Your enquiry {case.reference} is now decided"]
    for message in alerts:
        assert f"/members/cases/{case.reference}/" in message.body
        assert "Doris" not in message.body and "doris.day" not in message.body and "Inspector" not in message.body


def test_cases_not_raised_by_a_councillor_alert_no_councillor(make_case, officer_in_team, councillor_of_division):
    from oxtom.notify.models import OutboundMessage

    case = make_case()
    s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    assert not OutboundMessage.objects.filter(recipient=councillor_of_division.email).exists()
