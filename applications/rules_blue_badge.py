"""Blue badge rules (England), after the DfT's published criteria.

Eligible without further assessment (approved automatically):
- the higher rate of the mobility component of Disability Living Allowance;
- Personal Independence Payment: 8 points or more in the "moving around"
  activity, or 10 points specifically for descriptor E ("cannot undertake any
  journey because it would cause overwhelming psychological distress") in
  "planning and following journeys";
- registered blind (severely sight impaired);
- War Pensioners' Mobility Supplement;
- Armed Forces Compensation Scheme tariff 1 to 8, certified as having a
  permanent and substantial disability that causes inability to walk or very
  considerable difficulty walking.
Subject to further assessment (referred to an officer): very considerable
difficulty walking, severe disability in both arms (drives, cannot work a
parking meter), a child under 3 who needs bulky medical equipment or must be
near a vehicle for treatment, very considerable psychological distress or
risk of serious harm on journeys, and terminal illness (fast-tracked).
Anything else is refused with reasons and signposting. The thresholds are
config so a change of guidance is an admin edit.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from .rules import APPROVE, REFER, REFUSE, YES, Question, ServiceRules, _whole, add_months, age_on, register

CODE = "blue-badge"

# PIP mobility activity 1, "planning and following journeys": descriptor -> points.
PLANNING_DESCRIPTORS = {"a": 0, "b": 4, "c": 8, "d": 10, "e": 10, "f": 12}
MOVING_AROUND_POINTS = ("0", "4", "8", "10", "12")

AWARDS = (
    ("dla_higher_mobility", "Disability Living Allowance, higher rate mobility component"),
    ("pip", "Personal Independence Payment (PIP)"),
    ("registered_blind", "Registered blind (severely sight impaired)"),
    ("wpms", "War Pensioners' Mobility Supplement"),
    ("afcs", "Armed Forces Compensation Scheme award"),
    ("none", "None of these"),
)

_SELF = (("myself", "Myself"), ("someone_else", "Someone else"))
_ELSE = ("applying_for", ("someone_else",))


def questions(config: dict) -> list[Question]:
    return [
        Question("applying_for", "Who is the blue badge for?", datatype="choice", choices=_SELF,
                 error_name="who the blue badge is for"),
        Question("holder_first_name", "Badge holder's first name", show_if=_ELSE,
                 error_name="the badge holder's first name"),
        Question("holder_last_name", "Badge holder's last name", show_if=_ELSE,
                 error_name="the badge holder's last name"),
        Question("relationship", "Your relationship to the badge holder", "For example, parent or carer",
                 show_if=_ELSE),
        Question("holder_date_of_birth", "Badge holder's date of birth", datatype="date", prefill="date_of_birth",
                 prefill_when=("applying_for", ("myself",)), error_name="the badge holder's date of birth"),
        Question("awards", "Does the badge holder get any of these?", "Select all that apply",
                 "multichoice", choices=AWARDS, exclusive=("none",),
                 error_name="which of these the badge holder gets, or ‘None of these’"),
        Question("pip_moving_around_points", "PIP points for 'moving around'", "As shown on the PIP award letter",
                 "number", choices=tuple((p, p) for p in MOVING_AROUND_POINTS), show_if=("awards", ("pip",)),
                 error_name="the PIP points for ‘moving around’"),
        Question("pip_planning_descriptor", "PIP descriptor for 'planning and following journeys'",
                 "The letter shown on the PIP award letter", "choice",
                 choices=tuple((k, f"{k.upper()} ({v} points)") for k, v in PLANNING_DESCRIPTORS.items()),
                 show_if=("awards", ("pip",)), error_name="the PIP descriptor for ‘planning and following journeys’"),
        Question("afcs_tariff", "Armed Forces Compensation Scheme tariff level", "A number from 1 to 15",
                 "number", choices=tuple((str(n), str(n)) for n in range(1, 16)), show_if=("awards", ("afcs",)),
                 error_name="the Armed Forces Compensation Scheme tariff level"),
        Question("afcs_permanent_walking", "Is it certified as a permanent and substantial disability that makes "
                 "walking impossible or very difficult?", datatype="yesno", show_if=("awards", ("afcs",))),
        Question("walking_difficulty", "Does the badge holder find walking very difficult, or is it impossible "
                 "without help?", datatype="yesno"),
        Question("both_arms", "Does the badge holder drive regularly, with a severe disability in both arms "
                 "that makes parking meters impossible or very hard to use?", datatype="yesno"),
        Question("journey_distress", "Do journeys cause the badge holder very considerable psychological "
                 "distress, or put them at risk of serious harm?", datatype="yesno"),
        Question("child_equipment", "Is the badge holder a child under 3 who must always have bulky medical "
                 "equipment with them?", datatype="yesno"),
        Question("child_near_vehicle", "Is the badge holder a child under 3 who must always be near a vehicle "
                 "for emergency treatment?", datatype="yesno"),
        Question("terminal_illness", "Does the badge holder have a terminal illness?",
                 "We deal with these applications first", "yesno"),
    ]


def decide(config: dict, answers: dict, facts: dict, today: dt.date, kind: str) -> tuple[str, list[str], dict]:
    awards = set(answers.get("awards") or [])
    min_moving = int(config.get("pip_moving_around_min_points", 8))
    planning_points = int(config.get("pip_planning_journeys_points", 10))
    planning_descriptor = str(config.get("pip_planning_journeys_descriptor", "e")).lower()
    max_tariff = int(config.get("afcs_max_tariff", 8))
    child_age = int(config.get("child_max_age_years", 3))
    birth = dt.date.fromisoformat(answers["holder_date_of_birth"])
    holder_age = age_on(birth, today)
    myself = answers["applying_for"] == "myself"
    details: dict[str, Any] = {
        "applying_for": answers["applying_for"],
        "holder_name": "" if myself else f"{answers['holder_first_name']} {answers['holder_last_name']}".strip(),
        "holder_date_of_birth": answers["holder_date_of_birth"],
    }
    if not myself:
        details["relationship"] = answers.get("relationship", "")

    automatic: list[str] = []
    if "dla_higher_mobility" in awards:
        automatic.append("gets the higher rate of the mobility component of Disability Living Allowance")
    if "pip" in awards:
        moving = answers.get("pip_moving_around_points")
        if moving is not None and moving >= min_moving:
            automatic.append(f"scored {moving} points in the PIP 'moving around' activity")
        descriptor = answers.get("pip_planning_descriptor")
        if descriptor == planning_descriptor and PLANNING_DESCRIPTORS.get(descriptor) == planning_points:
            automatic.append(f"scored {planning_points} points for descriptor {descriptor.upper()} in the PIP "
                             "'planning and following journeys' activity")
    if "registered_blind" in awards:
        automatic.append("is registered blind (severely sight impaired)")
    if "wpms" in awards:
        automatic.append("gets the War Pensioners' Mobility Supplement")
    afcs_tariff = answers.get("afcs_tariff")
    afcs_in_band = "afcs" in awards and afcs_tariff is not None and 1 <= afcs_tariff <= max_tariff
    if afcs_in_band and answers.get("afcs_permanent_walking") == YES:
        automatic.append(f"has an Armed Forces Compensation Scheme award at tariff {afcs_tariff} with a certified "
                         "permanent and substantial walking disability")

    who = "You" if myself else "The badge holder"
    if automatic:
        details["route"] = "automatic"
        return APPROVE, [f"{who} qualif{'y' if myself else 'ies'} without further assessment: "
                         f"{'you' if myself else 'they'} {reason}." for reason in automatic], details

    further: list[str] = []
    priority = 3
    if answers["terminal_illness"] == YES:
        further.append("terminal illness: we deal with these applications first")
        priority = 1
        details["fast_track"] = True
    if answers["walking_difficulty"] == YES or (afcs_in_band and answers.get("afcs_permanent_walking") != YES):
        further.append("difficulty walking")
    if answers["both_arms"] == YES:
        further.append("a severe disability in both arms")
    if answers["journey_distress"] == YES:
        further.append("distress or risk of harm during journeys")
    child_reasons = [r for code, r in (("child_equipment", "a young child who needs bulky medical equipment"),
                                       ("child_near_vehicle", "a young child who must be near a vehicle"))
                     if answers[code] == YES]
    if child_reasons and holder_age < child_age:
        further.extend(child_reasons)
        # A badge given for a young child's needs ends when the child reaches the age limit.
        details["expires_by"] = (add_months(birth, 12 * child_age) - dt.timedelta(days=1)).isoformat()
    if further:
        details.update({"route": "further_assessment", "priority": priority, "assessment": further})
        return REFER, [f"An officer needs to assess the application for {', '.join(further)}."], details

    reasons = [f"{who} do{'' if myself else 'es'} not get any of the benefits or awards that qualify "
               "without further assessment."]
    if "pip" in awards:
        reasons.append(f"PIP qualifies with {min_moving} or more points in 'moving around', or "
                       f"{planning_points} points for descriptor {planning_descriptor.upper()} in 'planning "
                       "and following journeys'.")
    if child_reasons and holder_age >= child_age:
        reasons.append(f"The rules for young children apply only to children under {child_age}.")
    reasons.append("You told us about no walking, arm, journey or health difficulty that we could assess.")
    details["signposting"] = list(config.get("signposting") or [])
    return REFUSE, reasons, details


# Start page words ("who can apply", "what you will need"); config who_can_apply / you_will_need replace them.
START_TEXT = {
    "who": [
        ("You get a badge without further assessment if you get the higher rate of the mobility part of "
         "Disability Living Allowance, 8 points or more for moving around or 10 points for planning and "
         "following journeys in Personal Independence Payment, War Pensioners' Mobility Supplement, or "
         "Armed Forces Compensation tariff 1 to 8 with a certified permanent walking disability, or you "
         "are registered blind."),
        ("You can also apply if walking is very difficult, you cannot use parking meters because of a "
         "severe disability in both arms, journeys cause you very considerable distress, or for a child "
         "under 3 with bulky medical equipment. An officer assesses these."),
        "You can apply for yourself or for someone you look after.",
    ],
    "need": [
        "The award letter for any benefit you get, or other evidence of the condition.",
    ],
}


def config_problems(config: dict) -> list[str]:
    """This service's own config checks (rules.config_problems runs the shared ones first)."""
    problems: list[str] = []
    for key, low, high in (("pip_moving_around_min_points", 0, 12), ("pip_planning_journeys_points", 0, 12),
                           ("afcs_max_tariff", 1, 15), ("child_max_age_years", 0, 18)):
        if key in config and not _whole(config[key], low, high):
            problems.append(f"\"{key}\" must be a whole number from {low} to {high}")
    if str(config.get("pip_planning_journeys_descriptor", "e")).lower() not in "abcdef":
        problems.append("\"pip_planning_journeys_descriptor\" must be a letter from a to f")
    return problems


register(CODE, ServiceRules(questions=questions, decide=decide, config_problems=config_problems,
    start_text=START_TEXT))
