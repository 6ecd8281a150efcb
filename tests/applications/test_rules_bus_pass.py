"""Bus pass (ENCTS) rules: State Pension age from date of birth, 14 days early, the seven categories."""
from __future__ import annotations

import datetime as dt

import pytest

from applications import rules

from .rule_support import service

BUS = service("bus-pass")


HOME = {"address_line_1": "12 Cowley Road", "postcode": "OX4 1HP"}
IN_AREA = {"in_area": True}


def run(today, in_area=True, **a):
    """The rules on these answers at a home in the county (`in_area` is the places look-up's answer)."""
    return rules.evaluate(BUS, {**HOME, **a}, today=today, facts={"in_area": in_area})


@pytest.mark.parametrize("born, spa", [
    ("1950-06-15", "2015-06-15"),   # before 6 Dec 1953: 65
    ("1953-12-05", "2018-12-05"),
    ("1953-12-06", "2019-03-06"),   # Pensions Act 2011 table starts
    ("1954-01-05", "2019-03-06"),
    ("1954-01-06", "2019-05-06"),
    ("1954-09-30", "2020-09-06"),
    ("1954-10-05", "2020-09-06"),
    ("1954-10-06", "2020-10-06"),   # 66
    ("1960-04-05", "2026-04-05"),
    ("1960-04-06", "2026-05-06"),   # 66 years 1 month (Pensions Act 2014)
    ("1960-05-05", "2026-06-05"),
    ("1960-05-06", "2026-07-06"),   # 66 years 2 months
    ("1960-12-25", "2027-09-25"),   # 66 years 9 months
    ("1961-03-05", "2028-02-05"),   # 66 years 11 months
    ("1961-03-06", "2028-03-06"),   # 67
    ("1977-04-05", "2044-04-05"),
    ("1980-07-01", "2048-07-01"),   # 68
])
def test_state_pension_date_schedule(born, spa):
    assert rules.state_pension_date(dt.date.fromisoformat(born)) == dt.date.fromisoformat(spa)


BORN = "1960-04-06"  # State Pension age on 6 May 2026
SPA = dt.date(2026, 5, 6)


@pytest.mark.parametrize("today, outcome", [
    (SPA, "approve"),                               # exactly State Pension age
    (SPA + dt.timedelta(days=400), "approve"),
    (SPA - dt.timedelta(days=14), "approve"),       # 14 days early: accepted
    (SPA - dt.timedelta(days=15), "refuse"),        # 15 days early: too soon
])
def test_older_persons_pass_from_state_pension_age_accepting_2_weeks_early(today, outcome):
    result = run(today, date_of_birth=BORN)
    assert result.outcome == outcome
    if outcome == "approve":
        assert result.details["pass_type"] == "older"
        assert result.details["starts_on"] == max(today, SPA).isoformat()
        assert result.fee_pence == 0
        assert result.validity_months == 60
    else:
        assert "You can apply for an older person's pass from 22 April 2026" in result.reasons[0]
        assert result.details["signposting"]


def test_how_early_is_config():
    three_weeks = service("bus-pass", apply_days_before_spa=21)
    assert rules.evaluate(three_weeks, {**HOME, "date_of_birth": BORN}, today=SPA - dt.timedelta(days=21),
                          facts=IN_AREA).outcome == "approve"


@pytest.mark.parametrize("category, evidence, outcome", [
    ("blind", "registered_sight_impaired", "approve"),
    ("blind", "other", "refer"),
    ("deaf", "other", "refer"),
    ("speech", "other", "refer"),
    ("walking", "dla_higher_mobility", "approve"),
    ("walking", "pip_moving_around_8", "approve"),
    ("walking", "wpms", "approve"),
    ("walking", "afcs_1_8", "approve"),
    ("walking", "registered_sight_impaired", "refer"),   # evidence for another category
    ("arms", "other", "refer"),
    ("learning", "other", "refer"),
    ("driving", "dvla_refusal", "approve"),
])
def test_disabled_persons_pass_seven_categories(category, evidence, outcome):
    result = run(dt.date(2026, 11, 28), date_of_birth="1990-01-01", disability_category=category,
                 disability_evidence=evidence)
    assert result.outcome == outcome, result.reasons
    assert result.details["pass_type"] == "disabled"
    assert result.fee_pence == 0


def test_under_pension_age_without_a_disability_is_refused():
    result = run(dt.date(2026, 11, 28), date_of_birth="1990-01-01", disability_category="none")
    assert result.outcome == "refuse"
    assert "seven groups" in result.reasons[1]


def test_category_needs_evidence_answer():
    result = run(dt.date(2026, 11, 28), date_of_birth="1990-01-01", disability_category="walking")
    assert result.questions_missing == ["disability_evidence"]


def test_replacement_pass_pays_the_replacement_fee():
    result = rules.evaluate(BUS, {**HOME, "date_of_birth": "1950-01-01"}, today=dt.date(2026, 11, 28),
                            facts=IN_AREA, kind="replacement")
    assert result.fee_pence == BUS.replacement_fee_pence == 1000


@pytest.mark.parametrize("dob", ["2030-01-01", "not a date", "", "1799-01-01"])
def test_bad_dates_of_birth(dob):
    result = run(dt.date(2026, 11, 28), date_of_birth=dob)
    assert not result.is_complete


def test_required_evidence_comes_from_config():
    assert rules.required_evidence_missing(BUS, ["photo", "identity"]) == []
    missing = rules.required_evidence_missing(BUS, [])
    assert len(missing) == 2 and "photo" in missing[0]
    assert rules.required_evidence_missing(BUS, ["photo", "benefit"]) == []


# --- residence: the pass is for people who live in the county (issue 10, item 8) ---------------------

def test_the_home_address_is_asked_and_confirmed_even_when_the_record_has_one():
    asked = {q.code: q for q in rules.questions(BUS)}
    assert asked["address_line_1"].required and asked["postcode"].required
    assert asked["address_line_1"].confirm and asked["postcode"].confirm
    assert [q.code for q in rules.questions(BUS)][:3] == ["date_of_birth", "address_line_1", "postcode"]


def test_no_address_is_not_a_decision():
    result = rules.evaluate(BUS, {"date_of_birth": "1950-01-01"}, today=dt.date(2026, 11, 28), facts=IN_AREA)
    assert not result.is_complete
    assert set(result.questions_missing) == {"address_line_1", "postcode"}


def test_an_address_outside_the_county_is_refused_with_where_to_apply():
    result = run(dt.date(2026, 11, 28), in_area=False, date_of_birth="1950-01-01", postcode="sw1a 1aa")
    assert result.outcome == "refuse" and result.fee_pence == 0
    assert result.reasons[0] == "We can only give bus passes to people who live in Oxfordshire, and SW1A 1AA is not in Oxfordshire."
    assert "find your local council" in result.reasons[1]
    assert "pass_type" not in result.details


def test_the_area_name_is_config():
    elsewhere = service("bus-pass", area_name="Somerset")
    result = rules.evaluate(elsewhere, {**HOME, "date_of_birth": "1950-01-01"}, today=dt.date(2026, 11, 28),
                            facts={"in_area": False})
    assert "live in Somerset" in result.reasons[0]
    assert rules.config_problems("bus-pass", {"area_name": ""}) == [
        "\"area_name\" must be the name of the council's area, like \"Oxfordshire\""]


def test_without_boundaries_loaded_an_officer_checks_the_address_rather_than_approving():
    result = run(dt.date(2026, 11, 28), in_area=None, date_of_birth="1950-01-01")
    assert result.outcome == "refer"
    assert result.reasons[-1] == "An officer needs to check that your address is in Oxfordshire."
    # Too young is still too young: nothing for an officer to check.
    assert run(dt.date(2026, 11, 28), in_area=None, date_of_birth="1990-01-01",
               disability_category="none").outcome == "refuse"


@pytest.mark.parametrize("postcode", ["not a postcode", "<script>", "X" * 600])
def test_a_bad_postcode_is_an_error_not_a_decision(postcode):
    result = run(dt.date(2026, 11, 28), date_of_birth="1950-01-01", postcode=postcode)
    assert not result.is_complete and "postcode" in result.errors
