"""Older and disabled person's bus pass (English National Concessionary Travel Scheme).

Older person's pass: from State Pension age (rules.state_pension_date),
applications accepted `apply_days_before_spa` days early (config, 14 by
default) with the pass starting on the State Pension date. Disabled person's
pass: the seven statutory categories of Transport Act 2000 s.146; evidence
listed in config `automatic_evidence` for the category approves it, anything
else goes to an officer. No fee for a first pass; replacements pay
`replacement_fee_pence`.

Residence: the council issues passes to people who live in its area (ENCTS
is run by the "travel concession authority" for where you live), so the home
address is asked for, or shown filled in from the record to confirm, and its
postcode must lie in the county (`facts`: oxtom.places' division lookup). An
address outside is refused with where to apply instead; when the places data
is not loaded at all an officer checks it rather than the rules guessing.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from .rules import APPROVE, REFER, REFUSE, Question, ServiceRules, _whole, register, state_pension_date

CODE = "bus-pass"

CATEGORIES = (
    ("blind", "Blind or partially sighted"),
    ("deaf", "Profoundly or severely deaf"),
    ("speech", "Without speech"),
    ("walking", "A disability or injury that has a substantial and long-term effect on walking"),
    ("arms", "No arms, or long-term loss of the use of both arms"),
    ("learning", "A learning disability"),
    ("driving", "Would be refused a driving licence on medical grounds (not alcohol or drugs)"),
)
CATEGORY_LABELS = dict(CATEGORIES)

EVIDENCE = (
    ("registered_sight_impaired", "Registered as sight impaired or severely sight impaired (CVI)"),
    ("dla_higher_mobility", "Disability Living Allowance, higher rate mobility component"),
    ("pip_moving_around_8", "PIP with 8 or more points in 'moving around'"),
    ("wpms", "War Pensioners' Mobility Supplement"),
    ("afcs_1_8", "Armed Forces Compensation Scheme award, tariff 1 to 8"),
    ("dvla_refusal", "A DVLA letter refusing or revoking a driving licence on medical grounds"),
    ("other", "Other evidence, for example a letter from a specialist"),
)
EVIDENCE_LABELS = dict(EVIDENCE)

_DISABLED = ("disability_category", tuple(code for code, _ in CATEGORIES))


def questions(config: dict) -> list[Question]:
    return [
        Question("date_of_birth", "Date of birth", datatype="date", prefill="date_of_birth",
                 error_name="your date of birth"),
        Question("address_line_1", "Address line 1", "Your home address: the pass is for people who live in "
                 f"{_area(config)}", prefill="address_line_1", confirm=True,
                 error_name="the first line of your address"),
        Question("postcode", "Postcode", prefill="postcode", confirm=True, error_name="your postcode"),
        Question("disability_category", "Do you have any of these disabilities?",
                 "Answer if you are under State Pension age, or want a disabled person's pass", "choice",
                 choices=(*CATEGORIES, ("none", "None of these")), required=False,
                 error_name="if you have any of these disabilities"),
        Question("disability_evidence", "What evidence can you send?", datatype="choice", choices=EVIDENCE,
                 show_if=_DISABLED, error_name="what evidence you can send"),
    ]


def _area(config: dict) -> str:
    return str(config.get("area_name") or "Oxfordshire")


def facts(service: Any, answers: dict, customer: Any) -> dict:
    """Whether the postcode lies in the county: True, False, or None when no boundaries are loaded."""
    from oxtom.places.selectors import current_boundary_set, division_for_postcode

    if current_boundary_set() is None:
        return {"in_area": None}
    return {"in_area": division_for_postcode(answers.get("postcode")) is not None}


def decide(config: dict, answers: dict, facts: dict, today: dt.date, kind: str) -> tuple[str, list[str], dict]:
    in_area = facts.get("in_area")
    if in_area is False:
        area = _area(config)
        return REFUSE, [f"We can only give bus passes to people who live in {area}, and {answers['postcode']} is "
                        f"not in {area}.",
                        "Apply to the council for the area where you live. You can find it on GOV.UK: "
                        "search for \"find your local council\"."], {
            "signposting": list(config.get("signposting") or []), "postcode": answers["postcode"]}
    outcome, reasons, details = _decide_eligibility(config, answers, today)
    if in_area is None and outcome == APPROVE:
        return REFER, [*reasons, f"An officer needs to check that your address is in {_area(config)}."], details
    return outcome, reasons, details


def _decide_eligibility(config: dict, answers: dict, today: dt.date) -> tuple[str, list[str], dict]:
    birth = dt.date.fromisoformat(answers["date_of_birth"])
    spa = state_pension_date(birth)
    early_days = int(config.get("apply_days_before_spa", 14))
    accept_from = spa - dt.timedelta(days=early_days)
    details: dict[str, Any] = {"date_of_birth": answers["date_of_birth"], "state_pension_date": spa.isoformat()}

    if today >= accept_from:
        details.update({"pass_type": "older", "starts_on": max(today, spa).isoformat()})
        reason = ("You have reached State Pension age." if today >= spa else
                  f"You reach State Pension age on {spa:%-d %B %Y}: your pass starts that day.")
        return APPROVE, [reason], details

    age_reason = (f"You reach State Pension age on {spa:%-d %B %Y}. You can apply for an older person's pass "
                  f"from {accept_from:%-d %B %Y}.")
    category = answers.get("disability_category")
    if category in CATEGORY_LABELS:
        evidence = answers["disability_evidence"]
        details.update({"pass_type": "disabled", "category": category, "evidence": evidence})
        automatic = (config.get("automatic_evidence") or {}).get(category) or []
        if evidence in automatic:
            return APPROVE, [f"You qualify for a disabled person's pass: {CATEGORY_LABELS[category].lower()}, "
                             f"shown by: {EVIDENCE_LABELS[evidence].lower()}."], details
        return REFER, [f"An officer needs to check your evidence for: {CATEGORY_LABELS[category].lower()}."], details

    details["signposting"] = list(config.get("signposting") or [])
    return REFUSE, [age_reason, "You did not tell us about a disability in one of the seven groups the "
                                "national scheme covers."], details


# Start page words ("who can apply", "what you will need"); config who_can_apply / you_will_need replace them.
START_TEXT = {
    "who": [
        "You have reached State Pension age. You can apply up to 2 weeks before.",
        ("Or you are disabled in one of the ways the national scheme covers: blind or partially sighted, "
         "profoundly or severely deaf, without speech, walking is very difficult, you have no arms or "
         "cannot use both, you have a learning disability, or you would be refused a driving licence on "
         "medical grounds."),
    ],
    "need": [],
}


def config_problems(config: dict) -> list[str]:
    """This service's own config checks (rules.config_problems runs the shared ones first)."""
    problems: list[str] = []
    if "apply_days_before_spa" in config and not _whole(config["apply_days_before_spa"], 0, 90):
        problems.append("\"apply_days_before_spa\" must be a whole number of days from 0 to 90")
    if "area_name" in config and not (isinstance(config["area_name"], str) and config["area_name"].strip()):
        problems.append("\"area_name\" must be the name of the council's area, like \"Oxfordshire\"")
    automatic = config.get("automatic_evidence", {})
    if not isinstance(automatic, dict) or not all(isinstance(v, list) for v in automatic.values()):
        problems.append("\"automatic_evidence\" must map each category to a list of evidence codes")
    return problems


# A move is told through the contact details (the pass stays valid until it expires or is reported).
register(CODE, ServiceRules(questions=questions, decide=decide, facts=facts, changeable=frozenset(),
    config_problems=config_problems, start_text=START_TEXT))
