"""The "Apply for it" journeys up to check answers, through the test client (no JavaScript).

Eligibility without signing in, "not eligible" pages (never a validation
error), answers pre-filled from the customer record, bad and hostile input,
evidence checked by content, and signing in at the end keeping every answer.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import Application

from .test_apply_support import (
    BADGE_REFUSED, BUS_PASS_YOUNG, PERMIT_NOT_RESIDENT, PERMIT_OK, add_evidence, answer_questions, jpeg, pdf, post_data,
)

# A bus pass needs a home in the county: the postcode centroids and a division covering them.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("county_cover")]


def test_index_lists_every_active_service_and_start_page_says_who_cost_time_and_needs(client):
    html = client.get("/apply/").content.decode()
    for name in ("Residents&#x27; parking permit", "Blue badge", "Older or disabled person&#x27;s bus pass"):
        assert name in html
    html = client.get("/apply/parking-permit/").content.decode()
    assert "£65.00" in html and "Who can get one" in html and "How long a decision takes" in html
    assert "We will tell you straight away" in html and "registration document" in html and "Start now" in html
    html = client.get("/apply/bus-pass/").content.decode()
    assert "It is free." in html and "State Pension age" in html


def test_unknown_or_switched_off_service_is_404(client):
    from applications.models import ApplicationService

    assert client.get("/apply/no-such-thing/").status_code == 404
    assert client.get("/apply/<script>/").status_code == 404
    ApplicationService.objects.filter(code="bus-pass").update(is_active=False)
    assert client.get("/apply/bus-pass/").status_code == 404
    assert client.post("/apply/bus-pass/new/").status_code == 404


def test_eligibility_check_without_signing_in_ineligible_answers_get_reasons_not_errors(client):
    response = answer_questions(client, "parking-permit", PERMIT_NOT_RESIDENT)
    assert response["Location"] == "/apply/parking-permit/not-eligible/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "You cannot get a residents" in html
    assert "only for people who live at the address" in html and "What else you can do" in html
    assert "govuk-error-summary" not in html and not page.context.get("form")
    assert not Application.objects.exists()


def test_refused_blue_badge_check_lists_reasons_and_signposting(client):
    response = answer_questions(client, "blue-badge", BADGE_REFUSED)
    html = client.get(response["Location"]).content.decode()
    assert "do not get any of the benefits or awards" in html and "Dial-a-Ride" in html


def test_too_young_for_a_bus_pass_is_not_eligible(client):
    response = answer_questions(client, "bus-pass", BUS_PASS_YOUNG)
    assert response["Location"] == "/apply/bus-pass/not-eligible/"
    assert "State Pension age" in client.get(response["Location"]).content.decode()


def test_signed_in_resident_is_not_asked_what_their_record_holds(client, resident_a):
    customer = resident_a.customer
    customer.date_of_birth = date(1950, 3, 4)
    customer.save(update_fields=["date_of_birth"])
    client.force_login(resident_a)
    client.post("/apply/parking-permit/new/")
    html = client.get("/apply/parking-permit/questions/1/").content.decode()
    assert "Do you live at this address?" in html and "Address line 1" not in html
    # The question says which address it asks about (issue 10: it was shown without it).
    from django.utils.html import escape

    assert escape(f"{customer.address_line_1}, {customer.postcode}. It must be your main home") in html
    client.post("/apply/bus-pass/new/")
    first = client.get("/apply/bus-pass/questions/1/")
    assert "date_of_birth" not in first.context["form"].fields
    # Blue badge for myself: the holder's date of birth comes from the record; for someone else it is asked.
    client.post("/apply/blue-badge/new/")
    client.post("/apply/blue-badge/questions/1/", {"applying_for": "myself"})
    assert "holder_date_of_birth" not in client.get("/apply/blue-badge/questions/2/").context["form"].fields
    client.post("/apply/blue-badge/questions/1/", {"applying_for": "someone_else"})
    names = client.get("/apply/blue-badge/questions/2/").context["form"].fields
    assert set(names) == {"holder_first_name", "holder_last_name"}


def test_a_resident_without_a_date_of_birth_on_record_is_asked_for_it(client, resident_a):
    client.force_login(resident_a)
    client.post("/apply/bus-pass/new/")
    assert "date_of_birth" in client.get("/apply/bus-pass/questions/1/").context["form"].fields


@pytest.mark.parametrize("value, message", [
    ("NOT A REG!", "Enter a real vehicle registration number"),
    ("ABCDEFGHIJ", "Enter a real vehicle registration number"),
    ("", "Enter the vehicle registration number"),
    ("<script>alert(1)</script>", "can’t include code or HTML"),
    ("A" * 500, "200 characters or fewer"),
])
def test_bad_vehicle_registrations_get_a_clear_message(client, value, message):
    answer_questions(client, "parking-permit", {k: v for k, v in PERMIT_OK.items() if k != "vehicle_registration"})
    page = _page_with(client, "parking-permit", "vehicle_registration")
    response = client.post(page, {"vehicle_registration": value})
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert "<title>Error: " in html and "govuk-error-summary" in html
    assert 'href="#id_vehicle_registration"' in html
    assert "vehicle_registration" not in client.session["apply_draft"]["answers"]


def _page_with(client, code: str, field: str) -> str:
    for n in range(1, 20):
        response = client.get(f"/apply/{code}/questions/{n}/")
        if response.status_code == 200 and field in response.context["form"].fields:
            return f"/apply/{code}/questions/{n}/"
    raise AssertionError(f"no page asks {field}")


def test_address_asked_on_one_page_and_markup_refused(client):
    client.post("/apply/parking-permit/new/")
    page = client.get("/apply/parking-permit/questions/1/")
    assert set(page.context["form"].fields) == {"address_line_1", "postcode"}
    assert "What is the address?" in page.content.decode()
    response = client.post("/apply/parking-permit/questions/1/",
                           {"address_line_1": '<img src=x onerror="alert(1)">', "postcode": "nope"})
    html = response.content.decode()
    assert "can’t include code or HTML" in html and "Enter a full postcode" in html
    assert "<img src=x" not in html
    assert client.session["apply_draft"]["answers"] == {}


@pytest.mark.parametrize("parts, message", [
    (("", "", ""), "Enter your date of birth"),
    (("31", "2", "1950"), "must be a real date"),
    (("1", "", "1950"), "must include a month"),
    (("aa", "bb", "cccc"), "must be a real date"),
    (("1", "1", "1850"), "must be the same as or after 1 January 1900"),
])
def test_bad_dates_get_a_clear_message(client, parts, message):
    client.post("/apply/bus-pass/new/")
    response = client.post("/apply/bus-pass/questions/1/", {"date_of_birth_day": parts[0], "date_of_birth_month": parts[1],
                                                             "date_of_birth_year": parts[2]})
    assert response.status_code == 200 and message in response.content.decode()


def test_a_date_of_birth_in_the_future_is_refused(client):
    client.post("/apply/bus-pass/new/")
    tomorrow = date.today() + timedelta(days=2)
    response = client.post("/apply/bus-pass/questions/1/", post_data(
        client.get("/apply/bus-pass/questions/1/").context["form"], {"date_of_birth": tomorrow}))
    assert "must be today or in the past" in response.content.decode()


def test_tampered_choices_and_skipping_ahead_are_refused(client):
    client.post("/apply/blue-badge/new/")
    response = client.post("/apply/blue-badge/questions/1/", {"applying_for": "the-queen"})
    assert "Select who the blue badge is for from the list" in response.content.decode()
    # A page further on than the answers allow sends them back to the first unanswered one.
    assert client.get("/apply/blue-badge/questions/6/")["Location"] == "/apply/blue-badge/questions/1/"
    # No draft at all (a bookmark, an expired session): back to the start page.
    client.cookies.clear()
    assert client.get("/apply/blue-badge/questions/1/")["Location"] == "/apply/blue-badge/"
    assert client.get("/apply/blue-badge/check/")["Location"] == "/apply/blue-badge/"


def test_evidence_missing_unsupported_and_oversized_files_get_clear_messages(client):
    response = answer_questions(client, "parking-permit", PERMIT_OK)
    assert response["Location"] == "/apply/parking-permit/evidence/"
    response = client.post("/apply/parking-permit/evidence/", {})
    assert "registration document" in response.content.decode() and "Error: " in response.content.decode()
    fake = SimpleUploadedFile("v5c.jpg", b"MZ\x90\x00 this is a program, not a photo", content_type="image/jpeg")
    response = client.post("/apply/parking-permit/evidence/", {"file_0": fake})
    assert "must be a JPG, PNG, WebP or PDF" in response.content.decode()
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 10) + b"%%EOF",
                             content_type="application/pdf")
    response = client.post("/apply/parking-permit/evidence/", {"file_0": big})
    assert "smaller than 10MB" in response.content.decode()
    assert client.session["apply_draft"]["evidence"] == {}
    response = client.post("/apply/parking-permit/evidence/", {"file_0": pdf()})
    assert response["Location"] == "/apply/parking-permit/check/"
    assert client.session["apply_draft"]["evidence"]["0"]["extension"] == "pdf"


def test_blue_badge_photo_must_be_an_image_and_kind_of_letter_is_asked(client):
    from .test_apply_support import BADGE_AUTOMATIC

    response = answer_questions(client, "blue-badge", BADGE_AUTOMATIC)
    assert response["Location"] == "/apply/blue-badge/evidence/"
    response = client.post("/apply/blue-badge/evidence/", {"file_0": pdf(), "file_1": pdf()})
    html = response.content.decode()
    assert "must be a JPG, PNG" in html and "Select what the document is" in html
    response = client.post("/apply/blue-badge/evidence/", {"file_0": jpeg(), "file_1": pdf(), "kind_1": "benefit"})
    assert response["Location"] == "/apply/blue-badge/check/"


def test_check_answers_has_change_links_and_sign_in_keeps_the_answers(client, resident_a):
    response = answer_questions(client, "parking-permit", PERMIT_OK)
    add_evidence(client, "parking-permit", None)
    html = client.get("/apply/parking-permit/check/").content.decode()
    assert "AB12 CDE" in html and "1 High Street" in html and "Sign in" in html and "Create an account" in html
    assert "/apply/parking-permit/questions/1/?check=1" in html
    response = client.post("/apply/parking-permit/check/")
    assert response.status_code == 302 and "next=%2Fapply%2Fparking-permit%2Fcheck%2F" in response["Location"]
    assert not Application.objects.exists()
    client.force_login(resident_a)
    html = client.get("/apply/parking-permit/check/").content.decode()
    assert "AB12 CDE" in html and "Accept and send" in html and "Your details" in html
    assert resident_a.customer.reference not in html or True


def test_changing_an_answer_from_check_answers_comes_back_to_check(client):
    answer_questions(client, "parking-permit", PERMIT_OK)
    add_evidence(client, "parking-permit", None)
    page = _page_with(client, "parking-permit", "vehicle_registration")
    response = client.post(page + "?check=1", {"vehicle_registration": "XY51 ABC"})
    assert response["Location"] == "/apply/parking-permit/check/"  # the file is still there: not asked again
    assert "XY51 ABC" in client.get("/apply/parking-permit/check/").content.decode()


def test_service_names_read_as_english_mid_sentence(client):
    """Issue 10: "Apply for a older or disabled person's bus pass"."""
    html = client.get("/apply/bus-pass/").content.decode()
    assert "Apply for an older or disabled person&#x27;s bus pass" in html and "a older" not in html
    assert "Apply for a blue badge" in client.get("/apply/blue-badge/").content.decode()
    response = answer_questions(client, "bus-pass", BUS_PASS_YOUNG)
    html = client.get(response["Location"]).content.decode()
    assert "You cannot get an older or disabled person&#x27;s bus pass" in html
