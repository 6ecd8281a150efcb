"""Residents' parking permit rules, table-driven: zone, residence, vehicle, household limit, charges, exclusions."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from applications import rules

from .rule_support import service

TODAY = dt.date(2026, 11, 28)
PERMIT = service("parking-permit")


def answers(**changes):
    base = {"address_line_1": "12 Cowley Road", "postcode": "OX4 1HP", "lives_at_address": "yes",
            "vehicle_registration": "ab12cde", "vehicle_kept_at_address": "yes", "vehicle_keeper": "me"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def run(a, held=0, svc=PERMIT, kind="new"):
    return rules.evaluate(svc, a, today=TODAY, facts={"household_permits": held}, kind=kind)


@pytest.mark.parametrize("postcode, zone, fee", [
    ("OX1 1AA", "A", 6500),     # district OX1
    ("OX4 1HP", "B", 5500),
    ("ox16 5aa", "C", 4500),    # normalised
    ("OX16 5AA", "C", 4500),
])
def test_zone_comes_from_the_address_and_sets_the_first_charge(postcode, zone, fee):
    result = run(answers(postcode=postcode))
    assert result.outcome == "approve", result.reasons
    assert result.details["zone"] == zone
    assert result.fee_pence == fee
    assert result.validity_months == 12
    assert result.details["vehicle_registration"] == "AB12 CDE"


def test_ox1_does_not_match_ox16_or_ox10():
    # A district prefix must match the whole outward code, not its first characters.
    result = run(answers(postcode="OX10 0AA"))
    assert result.outcome == "refuse"
    assert "not in a residents' parking zone" in " ".join(result.reasons)


@pytest.mark.parametrize("held, outcome, fee", [
    (0, "approve", 5500), (1, "approve", 9000), (2, "approve", 14000), (3, "refuse", 0),
])
def test_household_limit_and_escalating_charge_zone_b(held, outcome, fee):
    result = run(answers(), held=held)
    assert result.outcome == outcome
    assert result.fee_pence == fee
    if outcome == "refuse":
        assert "already has 3 permits" in " ".join(result.reasons)
    else:
        assert result.details["household_permit_number"] == held + 1


def test_zone_a_allows_two_permits():
    assert run(answers(postcode="OX1 2AB"), held=1).fee_pence == 13000
    assert run(answers(postcode="OX1 2AB"), held=2).outcome == "refuse"


@pytest.mark.parametrize("changes, fragment", [
    ({"lives_at_address": "no"}, "only for people who live at the address"),
    ({"vehicle_kept_at_address": "no"}, "normally be kept at the address"),
    ({"vehicle_keeper": "other"}, "registered to you"),
    ({"postcode": "SW1A 1AA"}, "not in a residents' parking zone"),
])
def test_ineligible_answers_are_refused_with_reasons_not_errors(changes, fragment):
    result = run(answers(**changes))
    assert result.is_complete
    assert result.outcome == "refuse"
    assert fragment in " ".join(result.reasons)
    assert result.fee_pence == 0


def test_excluded_property_by_address_is_refused_with_the_planning_reason():
    result = run(answers(address_line_1="1 Canal Wharf", postcode="OX4 6ZZ"))
    assert result.outcome == "refuse"
    assert "planning condition" in " ".join(result.reasons)


def test_excluded_property_by_uprn_is_refused_whatever_the_address_line():
    result = run(answers(address_line_1="Flat 1, Canal Wharf", postcode="OX4 6ZZ", uprn="100121000001"))
    assert result.outcome == "refuse"
    assert "car-free" in " ".join(result.reasons)


def test_zone_by_uprn_and_by_street_is_config():
    svc = service("parking-permit", zones=[
        {"code": "D", "name": "Zone D", "postcodes": [], "uprns": ["200000000001"], "charges_pence": [3000],
         "max_permits": 1},
        {"code": "E", "name": "Zone E", "postcodes": ["OX2"], "streets": ["Walton Street"],
         "charges_pence": [2000], "max_permits": 1},
    ])
    assert run(answers(postcode="OX9 9ZZ", uprn="200000000001"), svc=svc).details["zone"] == "D"
    assert run(answers(postcode="OX2 6AE", address_line_1="14a Walton Street"), svc=svc).details["zone"] == "E"
    assert run(answers(postcode="OX2 6AE", address_line_1="3 Observatory Street"), svc=svc).outcome == "refuse"


@pytest.mark.parametrize("raw, normalised", [
    ("AB12CDE", "AB12 CDE"), ("ab12 cde", "AB12 CDE"), ("AB-12-CDE", "AB12 CDE"),   # current (2001-)
    ("A123BCD", "A123 BCD"), ("P7ABC", "P7 ABC"),                                   # prefix (1983-2001)
    ("ABC123D", "ABC 123D"), ("ABC1A", "ABC 1A"),                                   # suffix (1963-1983)
    ("ABC 1234", "ABC 1234"), ("1234 AB", "1234 AB"), ("A 1", "A 1"),               # dateless
])
def test_registration_formats_are_accepted_and_normalised(raw, normalised):
    assert rules.normalise_registration(raw) == normalised
    assert run(answers(vehicle_registration=raw)).details["vehicle_registration"] == normalised


@pytest.mark.parametrize("raw", ["OX1 1CO", "OX4", "OX41HPX", "<b>OX4 1HP</b>", "O" * 200])
def test_postcodes_not_in_the_royal_mail_shape_are_errors(raw):
    # The same check as the portal's forms (oxtom.places.postcodes), so both agree on what a postcode is.
    assert rules.normalise_postcode(raw) == ""
    result = run(answers(postcode=raw))
    assert not result.is_complete and "postcode" in result.errors


@pytest.mark.parametrize("raw", [
    "", "ABCDEFGH", "AB12CDEF", "IQ12ABC", "AB12CDI", "12345ABC", "<script>alert(1)</script>", "AB12 CD€",
    "AB_12CDE", "A" * 200, "ABCD123",
])
def test_bad_registrations_are_errors_not_refusals(raw):
    result = run(answers(vehicle_registration=raw))
    assert not result.is_complete
    if raw:
        assert "vehicle_registration" in result.errors
    else:
        assert "vehicle_registration" in result.questions_missing


def test_missing_answers_are_listed():
    result = run({"postcode": "OX4 1HP"})
    assert set(result.questions_missing) >= {"address_line_1", "lives_at_address", "vehicle_registration"}
    assert "uprn" not in result.questions_missing  # optional


def test_address_comes_from_the_customer_record_when_not_answered():
    customer = SimpleNamespace(address_line_1="3 Iffley Road", postcode="OX4 1EA", uprn="", date_of_birth=None)
    a = answers(address_line_1=None, postcode=None)
    result = rules.evaluate(PERMIT, a, customer=customer, today=TODAY, facts={"household_permits": 0})
    assert result.outcome == "approve"
    assert result.details["postcode"] == "OX4 1EA"


def test_bad_postcode_is_an_error():
    assert "postcode" in run(answers(postcode="NOT A POSTCODE")).errors


def test_replacement_pays_the_replacement_fee():
    assert run(answers(), kind="replacement").fee_pence == PERMIT.replacement_fee_pence


def test_questions_describe_the_journey():
    codes = [q.code for q in rules.questions(PERMIT)]
    assert codes[:2] == ["address_line_1", "postcode"]
    assert "vehicle_registration" in codes
    assert next(q for q in rules.questions(PERMIT) if q.code == "postcode").prefill == "postcode"
