"""Blue badge rules against the DfT criteria: automatic, further assessment, refusal."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from applications import rules

from .rule_support import service

TODAY = dt.date(2026, 11, 28)
BADGE = service("blue-badge")
NOTHING = {"walking_difficulty": "no", "both_arms": "no", "journey_distress": "no", "child_equipment": "no",
           "child_near_vehicle": "no", "terminal_illness": "no"}


def answers(**changes):
    base = {"applying_for": "myself", "holder_date_of_birth": "1950-03-01", "awards": ["none"], **NOTHING}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def run(a):
    return rules.evaluate(BADGE, a, today=TODAY)


@pytest.mark.parametrize("changes", [
    {"awards": ["dla_higher_mobility"]},
    {"awards": ["pip"], "pip_moving_around_points": 8, "pip_planning_descriptor": "a"},
    {"awards": ["pip"], "pip_moving_around_points": "12", "pip_planning_descriptor": "a"},
    {"awards": ["pip"], "pip_moving_around_points": 0, "pip_planning_descriptor": "e"},
    {"awards": ["registered_blind"]},
    {"awards": ["wpms"]},
    {"awards": ["afcs"], "afcs_tariff": 1, "afcs_permanent_walking": "yes"},
    {"awards": ["afcs"], "afcs_tariff": 8, "afcs_permanent_walking": "yes"},
])
def test_eligible_without_further_assessment_is_approved(changes):
    result = run(answers(**changes))
    assert result.outcome == "approve", result.reasons
    assert result.details["route"] == "automatic"
    assert result.fee_pence == 1000
    assert result.validity_months == 36
    assert "without further assessment" in result.reasons[0]


@pytest.mark.parametrize("points, outcome", [(0, "refuse"), (4, "refuse"), (8, "approve"), (10, "approve"),
                                             (12, "approve")])
def test_pip_moving_around_threshold_is_8(points, outcome):
    result = run(answers(awards=["pip"], pip_moving_around_points=points, pip_planning_descriptor="a"))
    assert result.outcome == outcome


def test_pip_7_points_is_not_a_real_score():
    # PIP moving around descriptors score 0, 4, 8, 10 or 12: 7 is a typing mistake, not a refusal.
    result = run(answers(awards=["pip"], pip_moving_around_points=7, pip_planning_descriptor="a"))
    assert "pip_moving_around_points" in result.errors


@pytest.mark.parametrize("descriptor, outcome", [
    ("e", "approve"),    # 10 points for descriptor E: overwhelming psychological distress
    ("d", "refuse"),     # also 10 points, but descriptor D does not qualify automatically
    ("f", "refuse"),     # 12 points, still not descriptor E
    ("c", "refuse"),
])
def test_planning_journeys_only_descriptor_e_qualifies(descriptor, outcome):
    result = run(answers(awards=["pip"], pip_moving_around_points=4, pip_planning_descriptor=descriptor))
    assert result.outcome == outcome, result.reasons


def test_descriptor_d_with_journey_distress_is_referred():
    result = run(answers(awards=["pip"], pip_moving_around_points=4, pip_planning_descriptor="d",
                         journey_distress="yes"))
    assert result.outcome == "refer"


@pytest.mark.parametrize("tariff, certified, outcome", [
    (8, "yes", "approve"), (9, "yes", "refuse"), (1, "no", "refer"), (15, "no", "refuse"),
])
def test_armed_forces_tariff_1_to_8_with_certified_walking_disability(tariff, certified, outcome):
    result = run(answers(awards=["afcs"], afcs_tariff=tariff, afcs_permanent_walking=certified))
    assert result.outcome == outcome


@pytest.mark.parametrize("changes, fragment", [
    ({"walking_difficulty": "yes"}, "difficulty walking"),
    ({"both_arms": "yes"}, "both arms"),
    ({"journey_distress": "yes"}, "journeys"),
    ({"holder_date_of_birth": "2025-01-10", "child_equipment": "yes"}, "bulky medical equipment"),
    ({"holder_date_of_birth": "2024-01-10", "child_near_vehicle": "yes"}, "near a vehicle"),
])
def test_further_assessment_is_referred_to_an_officer(changes, fragment):
    result = run(answers(**changes))
    assert result.outcome == "refer"
    assert fragment in result.reasons[0]
    assert result.details["priority"] == 3
    assert result.fee_pence == 1000  # charged only if the officer approves


def test_terminal_illness_is_fast_tracked_with_top_priority():
    result = run(answers(terminal_illness="yes"))
    assert result.outcome == "refer"
    assert result.details["priority"] == 1 and result.details["fast_track"] is True


def test_child_rules_stop_at_3():
    # 3 years old on TODAY: no longer a child under 3.
    result = run(answers(holder_date_of_birth="2023-11-28", child_equipment="yes"))
    assert result.outcome == "refuse"
    assert "under 3" in " ".join(result.reasons)
    assert run(answers(holder_date_of_birth="2023-11-29", child_equipment="yes")).outcome == "refer"


def test_nothing_qualifying_is_refused_with_reasons_and_signposting():
    result = run(answers())
    assert result.outcome == "refuse"
    assert result.fee_pence == 0
    assert "do not get any of the benefits" in result.reasons[0]
    assert result.details["signposting"]


def test_applying_for_someone_else_records_the_holder():
    result = run(answers(applying_for="someone_else", holder_first_name="Ivy", holder_last_name="Jones",
                         relationship="Daughter", awards=["dla_higher_mobility"]))
    assert result.outcome == "approve"
    assert result.details["holder_name"] == "Ivy Jones"
    assert "The badge holder qualifies" in result.reasons[0]


def test_someone_else_needs_their_name():
    result = run(answers(applying_for="someone_else"))
    assert {"holder_first_name", "holder_last_name", "relationship"} <= set(result.questions_missing)


def test_date_of_birth_prefills_only_when_applying_for_myself():
    customer = SimpleNamespace(date_of_birth=dt.date(1950, 3, 1), address_line_1="", postcode="", uprn="")
    mine = rules.evaluate(BADGE, answers(holder_date_of_birth=None, awards=["wpms"]), customer=customer,
                          today=TODAY)
    assert mine.outcome == "approve"
    theirs = rules.evaluate(BADGE, answers(holder_date_of_birth=None, applying_for="someone_else",
                                           holder_first_name="A", holder_last_name="B", relationship="son"),
                            customer=customer, today=TODAY)
    assert "holder_date_of_birth" in theirs.questions_missing


@pytest.mark.parametrize("dob, message", [("2027-01-01", "today or in the past"), ("31/02/1950", "real date"),
                                          ("1850-01-01", "after")])
def test_bad_dates_are_errors(dob, message):
    result = run(answers(holder_date_of_birth=dob))
    assert message in result.errors["holder_date_of_birth"]


@pytest.mark.parametrize("awards", [["bogus"], "dla_higher_mobility<script>", [1, 2]])
def test_tampered_choices_are_errors(awards):
    assert "awards" in run(answers(awards=awards)).errors


def test_thresholds_are_config():
    stricter = service("blue-badge", pip_moving_around_min_points=10)
    result = rules.evaluate(stricter, answers(awards=["pip"], pip_moving_around_points=8,
                                              pip_planning_descriptor="a"), today=TODAY)
    assert result.outcome == "refuse"


def test_a_badge_for_a_young_child_ends_before_their_third_birthday():
    result = run(answers(holder_date_of_birth="2025-01-10", child_equipment="yes"))
    assert result.details["expires_by"] == "2028-01-09"
    assert "expires_by" not in run(answers(walking_difficulty="yes")).details


@pytest.mark.parametrize("awards", [["pip", "none"], ["none", "dla_higher_mobility", "wpms"]])
def test_none_of_these_cannot_be_chosen_with_an_award(awards):
    result = run(answers(awards=awards, pip_moving_around_points=12, pip_planning_descriptor="a"))
    assert not result.is_complete
    assert result.errors["awards"] == "Select the ones that apply, or select ‘None of these’"


def test_none_of_these_on_its_own_is_an_answer():
    result = run(answers(awards=["none"]))
    assert "awards" not in result.errors
