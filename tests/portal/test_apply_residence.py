"""A bus pass is for people who live in the county (issue 10, item 8).

A new account that never gave an address is asked for it; an address on the
record is shown filled in to confirm; an address outside the county gets the
"not eligible" page (never a form error) and nothing is issued.
"""
from __future__ import annotations

from datetime import date

import pytest

from applications import services as app_services
from applications.models import Application, ApplicationService, Entitlement
from oxtom.customers.models import Channel
from tests import factories as f

from tests.applications.conftest import PDF, png

from .test_apply_support import BUS_PASS_OLD, add_evidence, post_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("county_cover")]

OLD = {"date_of_birth": date(1950, 1, 2), "disability_category": ""}


@pytest.fixture
def newcomer(client):
    """A new account: a customer record with a date of birth and no address at all."""
    user = f.UserFactory(email="new.resident@example.org", full_name="New Resident")
    f.CustomerFactory(user=user, email=user.email, address_line_1="", town="", postcode="",
                      date_of_birth=date(1950, 1, 2))
    client.force_login(user)
    return user


def address_page(client):
    """Start the bus pass and follow the pages to the one that asks for the address."""
    response = client.post("/apply/bus-pass/new/")
    for _ in range(5):
        page = client.get(response["Location"])
        if "address_line_1" in page.context["form"].fields:
            return response["Location"], page
        response = client.post(response["Location"], post_data(page.context["form"], OLD))
    raise AssertionError("the bus pass never asked for an address")


def carry_on(client, response):
    """Answer the pages still to come (the older person's answers) after `response`; the first non-question reply."""
    for _ in range(5):
        location = response.get("Location", "")
        if "/questions/" not in location:
            return response
        page = client.get(location)
        response = client.post(location, post_data(page.context["form"], OLD))
    raise AssertionError("too many pages")


def test_a_new_account_without_an_address_is_asked_for_it(client, newcomer):
    location, page = address_page(client)
    html = page.content.decode()
    assert "What is the address?" in html and "the pass is for people who live in Oxfordshire" in html
    assert 'id="from-record"' not in html
    # One page heading: the page's question, not each box's label (the view's `heading` must not leak).
    assert html.count("<h1") == 1
    # Skipping the address is not possible: the rules ask for it again.
    response = client.post(location, {})
    assert response.status_code == 200 and "Enter the first line of your address" in response.content.decode()
    assert not Application.objects.exists()


def test_an_address_outside_the_county_is_not_eligible_not_a_form_error(client, newcomer):
    location, page = address_page(client)
    response = client.post(location, {"address_line_1": "10 Downing Street", "postcode": "sw1a 2aa"})
    response = carry_on(client, response)
    assert response["Location"] == "/apply/bus-pass/not-eligible/"
    html = client.get("/apply/bus-pass/not-eligible/").content.decode()
    assert "We can only give bus passes to people who live in Oxfordshire, and SW1A 2AA is not in Oxfordshire." in html
    assert "govuk-error-summary" not in html
    # Going straight to check answers does not get round it.
    assert client.post("/apply/bus-pass/check/")["Location"] == "/apply/bus-pass/not-eligible/"
    assert not Application.objects.exists() and not Entitlement.objects.exists()


def test_an_address_in_the_county_goes_on_to_a_pass(client, newcomer):
    location, _ = address_page(client)
    response = client.post(location, {"address_line_1": "12 Cowley Road", "postcode": "ox4 1hp"})
    response = carry_on(client, response)
    assert response["Location"].endswith("/evidence/")
    add_evidence(client, "bus-pass", None)
    check = client.get("/apply/bus-pass/check/").content.decode()
    assert "12 Cowley Road" in check and "OX4 1HP" in check
    assert client.post("/apply/bus-pass/check/")["Location"] == "/apply/bus-pass/confirmation/"
    application = Application.objects.get()
    assert application.status == "issued"
    assert application.answers["postcode"] == "OX4 1HP"


def test_the_address_on_the_record_is_shown_to_confirm(client, resident_a):
    customer = resident_a.customer
    customer.address_line_1, customer.postcode, customer.date_of_birth = "3 Iffley Road", "OX4 1EA", date(1950, 1, 2)
    customer.save()
    client.force_login(resident_a)
    location, page = address_page(client)
    html = page.content.decode()
    assert 'id="from-record"' in html and 'value="3 Iffley Road"' in html and 'value="OX4 1EA"' in html
    # Moved out of the county since: the new answer decides, not the record.
    response = carry_on(client, client.post(location, {"address_line_1": "1 Castle Street", "postcode": "CF10 1BS"}))
    assert response["Location"] == "/apply/bus-pass/not-eligible/"


@pytest.mark.parametrize("answers, message", [
    ({"address_line_1": "<script>alert(1)</script>", "postcode": "OX4 1HP"}, "can’t include code or HTML"),
    ({"address_line_1": "x" * 201, "postcode": "OX4 1HP"}, "200 characters or fewer"),
    ({"address_line_1": "12 Cowley Road", "postcode": "not a postcode"}, "Enter a full postcode"),
    ({"address_line_1": "12 Cowley Road", "postcode": "OX4 1HP" * 50}, "Your postcode must be 200 characters or fewer"),
])
def test_bad_and_hostile_addresses_get_a_clear_message(client, newcomer, answers, message):
    location, _ = address_page(client)
    response = client.post(location, answers)
    assert response.status_code == 200 and message in response.content.decode()
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_the_service_refuses_to_decide_without_an_address(newcomer):
    service = ApplicationService.objects.get(code="bus-pass")
    customer = newcomer.customer
    with pytest.raises(app_services.ApplicationError):
        app_services.application_submit(service=service, customer=customer, answers={}, evidence=[],
                                        channel=Channel.WEB, by=newcomer, submission_key="no-address-1")
    assert not Application.objects.exists()


def test_the_service_refuses_an_address_outside_the_county(newcomer):
    service = ApplicationService.objects.get(code="bus-pass")
    application = app_services.application_submit(
        service=service, customer=newcomer.customer, answers={"address_line_1": "1 Castle Street",
                                                              "postcode": "CF10 1BS"},
        evidence=[("photo", png()), ("identity", PDF)], channel=Channel.WEB, by=newcomer, submission_key="outside-1")
    assert application.status == "refused" and not Entitlement.objects.exists()
    assert "not in Oxfordshire" in application.reasons[0]


def test_a_bus_pass_cannot_change_address_through_the_change_service(client, resident_a):
    customer = resident_a.customer
    customer.address_line_1, customer.postcode, customer.date_of_birth = "3 Iffley Road", "OX4 1EA", date(1950, 1, 2)
    customer.save()
    client.force_login(resident_a)
    from .test_apply_support import apply_through

    apply_through(client, "bus-pass", BUS_PASS_OLD)
    entitlement = Entitlement.objects.get()
    with pytest.raises(app_services.ApplicationError):
        app_services.entitlement_change_circumstances(entitlement=entitlement, changes={
            "address_line_1": "1 Castle Street", "postcode": "CF10 1BS"}, by=resident_a, channel=Channel.WEB)
