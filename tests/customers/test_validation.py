"""Field rules for the customer record: postcodes, phones, names, dates of birth, emails."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from oxtom.customers.validation import (
    PHONE_MESSAGE,
    POSTCODE_MESSAGE,
    clean_customer_data,
    format_phone_for_display,
    is_outward_code,
    normalise_email,
    normalise_name,
    normalise_organisation_name,
    normalise_phone,
    normalise_postcode,
    parse_dob_query,
    validate_date_of_birth,
)


@pytest.mark.parametrize("raw, expected", [
    ("OX1 1DS", "OX1 1DS"),
    ("ox11ds", "OX1 1DS"),
    ("  ox1   1ds ", "OX1 1DS"),
    ("OX10 0AB", "OX10 0AB"),
    ("sw1a1aa", "SW1A 1AA"),
    ("M1 1AE", "M1 1AE"),
    ("B33 8TH", "B33 8TH"),
    ("EC1A 1BB", "EC1A 1BB"),
    ("GIR0AA", "GIR 0AA"),
])
def test_postcodes_are_upper_cased_with_one_space(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", [
    "OX1", "OX1 1D", "1OX 1DS", "OX1 1CS",  # C is never an inward unit letter
    "OXX1 1DS", "OX1 1DSS", "<script>alert(1)</script>", "' OR 1=1 --", "OX1;DROP TABLE",
    "OX1 1DS" * 50, "O X 1 1 D S 1", "ОX1 1DS",  # Cyrillic O
])
def test_invalid_hostile_and_oversized_postcodes_are_refused_with_a_clear_message(raw):
    with pytest.raises(ValidationError) as exc:
        normalise_postcode(raw)
    assert exc.value.messages == [POSTCODE_MESSAGE]


def test_blank_postcode_asks_for_one():
    with pytest.raises(ValidationError, match="Enter a postcode"):
        normalise_postcode("   ")


def test_outward_codes_are_recognised():
    assert is_outward_code("OX1") and is_outward_code("ox10") and is_outward_code("SW1A")
    assert not is_outward_code("OX1 1DS") and not is_outward_code("Smith")


@pytest.mark.parametrize("raw, expected", [
    ("01865 792422", "+441865792422"),
    ("07700 900982", "+447700900982"),
    ("+44 808 157 0192", "+448081570192"),
    ("(01865) 792-422", "+441865792422"),
    ("0044 7700 900982", "+447700900982"),
    ("+33 1 42 68 53 00", "+33142685300"),
])
def test_phones_are_stored_in_e164(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", [
    "123", "01865", "0786 1234 56789 123", "not a number", "07700 900982<script>",
    "'; DROP TABLE customers;--", "1" * 200, "+44 20 7946 096",  # too short
])
def test_invalid_hostile_and_oversized_phones_are_refused_with_the_govuk_message(raw):
    with pytest.raises(ValidationError) as exc:
        normalise_phone(raw)
    assert exc.value.messages == [PHONE_MESSAGE]


def test_phones_display_as_people_write_them():
    assert format_phone_for_display("+441865792422") == "01865 792422"
    assert format_phone_for_display("") == ""


@pytest.mark.parametrize("raw, expected", [
    ("Mary", "Mary"), ("  O'Brien ", "O'Brien"), ("Smith-Jones", "Smith-Jones"), ("Zoë", "Zoë"),
    ("St. John", "St. John"), ("D’Arcy", "D’Arcy"), ("van  der   Berg", "van der Berg"), ("Siân", "Siân"),
])
def test_real_names_are_accepted_and_tidied(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("<script>alert(1)</script>", "must only include letters"),
    ("Robert'); DROP TABLE customers;--", "must only include letters"),
    ("R2D2", "must only include letters"),
    ("a" * 101, "100 characters or fewer"),
    ("-Smith", "must only include letters"),
])
def test_hostile_and_oversized_names_are_refused(raw, message):
    with pytest.raises(ValidationError, match=message):
        normalise_name(raw, label="last name")


def test_required_name_asks_for_it():
    with pytest.raises(ValidationError, match="Enter the first name"):
        normalise_name("  ", label="first name", required=True)


def test_organisation_names_allow_ampersands_but_not_markup():
    assert normalise_organisation_name("Smith & Sons (Oxford) Ltd.") == "Smith & Sons (Oxford) Ltd."
    with pytest.raises(ValidationError):
        normalise_organisation_name("<b>Evil</b> Ltd")
    with pytest.raises(ValidationError, match="200 characters"):
        normalise_organisation_name("A" * 201)


def test_date_of_birth_not_in_the_future_nor_before_1900():
    today = timezone.localdate()
    assert validate_date_of_birth(dt.date(1980, 2, 29)) == dt.date(1980, 2, 29)
    assert validate_date_of_birth(today - dt.timedelta(days=1)) == today - dt.timedelta(days=1)
    for not_past in (today, today + dt.timedelta(days=1)):
        with pytest.raises(ValidationError, match="in the past"):
            validate_date_of_birth(not_past)
    with pytest.raises(ValidationError, match="after 1 January 1900"):
        validate_date_of_birth(dt.date(1899, 12, 31))


def test_dob_queries():
    assert parse_dob_query("07/03/1987") == dt.date(1987, 3, 7)
    assert parse_dob_query("7-3-1987") == dt.date(1987, 3, 7)
    assert parse_dob_query("31/02/1987") is None
    assert parse_dob_query("Smith") is None


def test_emails_are_lower_cased_and_checked():
    assert normalise_email(" Jo.Bloggs@Example.ORG ") == "jo.bloggs@example.org"
    for bad in ("jo@", "not an email", "<script>@x.com", "a@" + "b" * 260 + ".com"):
        with pytest.raises(ValidationError):
            normalise_email(bad)


def test_clean_customer_data_reports_every_field_at_once():
    with pytest.raises(ValidationError) as exc:
        clean_customer_data({"first_name": "<b>", "last_name": "", "postcode": "nope", "phone": "12"})
    errors = exc.value.message_dict
    assert set(errors) >= {"first_name", "last_name", "postcode", "phone"}
    assert errors["postcode"] == [POSTCODE_MESSAGE]


def test_preferred_channel_needs_a_way_to_reach_them():
    base = {"first_name": "Ann", "last_name": "Lee"}
    with pytest.raises(ValidationError) as exc:
        clean_customer_data({**base, "preferred_channel": "sms", "phone": "01865 792422"})
    assert "mobile" in exc.value.message_dict["phone"][0]
    with pytest.raises(ValidationError) as exc:
        clean_customer_data({**base, "preferred_channel": "post"})
    assert set(exc.value.message_dict) == {"address_line_1", "postcode"}
    assert clean_customer_data({**base, "preferred_channel": "sms", "phone": "07700 900982"})["phone"] == "+447700900982"


def test_unknown_fields_are_a_programming_error():
    with pytest.raises(ValueError):
        clean_customer_data({"merged_into": 1})
