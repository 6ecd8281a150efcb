"""Residents' parking permit rules. Zones, charges, limits and barred properties are config data."""
from __future__ import annotations

import datetime as dt
from typing import Any

from .rules import (
    APPROVE, REFUSE, YES, Question, ServiceRules, _whole, address_key, excluded_property, find_zone, register,
)

CODE = "parking-permit"

_YESNO = "yesno"


def questions(config: dict) -> list[Question]:
    return [
        Question("address_line_1", "Address line 1", "The address the permit is for", prefill="address_line_1",
                 error_name="the first line of the address"),
        Question("postcode", "Postcode", prefill="postcode", error_name="the postcode"),
        Question("uprn", "Property reference (UPRN)", "Filled in from your account when we know it",
                 required=False, prefill="uprn"),
        Question("lives_at_address", "Do you live at this address?", "It must be your main home", _YESNO,
                 about=("address_line_1", "postcode")),
        Question("vehicle_registration", "Vehicle registration number", "For example, AB12 CDE",
                 "registration", error_name="the vehicle registration number"),
        Question("vehicle_kept_at_address", "Is the vehicle normally kept at this address overnight?",
                 datatype=_YESNO, about=("address_line_1", "postcode")),
        Question("vehicle_keeper", "Who is the registered keeper of the vehicle?",
                 datatype="choice", choices=(("me", "Me"), ("company", "My employer or a lease company"),
                                             ("other", "Someone else")),
                 error_name="who the registered keeper of the vehicle is"),
    ]


def facts(service: Any, answers: dict, customer: Any, *, excluding: Any = None) -> dict:
    """The household's permits: active ones plus those approved and waiting for payment.

    `excluding` is the permit a renewal or change replaces (it is not an extra one).
    """
    from .selectors import household_pending_count, household_permit_count

    key = address_key(answers)
    pending = household_pending_count(service, key)
    return {"household_permits": household_permit_count(service, key, excluding=excluding) + pending,
            "household_pending": pending}


def decide(config: dict, answers: dict, facts: dict, today: dt.date, kind: str) -> tuple[str, list[str], dict]:
    reasons: list[str] = []
    zone = find_zone(config, answers)
    excluded = excluded_property(config, answers)
    if answers["lives_at_address"] != YES:
        reasons.append("Permits are only for people who live at the address: you told us you do not live there.")
    if zone is None:
        reasons.append("The address is not in a residents' parking zone, so there is no permit to issue for it.")
    if excluded is not None:
        reasons.append(excluded.get("reason") or "This property cannot have residents' parking permits.")
    if answers["vehicle_kept_at_address"] != YES:
        reasons.append("The vehicle must normally be kept at the address.")
    if answers["vehicle_keeper"] == "other":
        reasons.append("The vehicle must be registered to you, or be a company or lease car you are the main "
                       "user of.")
    held = int(facts.get("household_permits") or 0)
    if zone is not None:
        limit = int(zone.get("max_permits") or 1)
        if held >= limit:
            waiting = int(facts.get("household_pending") or 0)
            counting = (f" (counting {waiting} approved and waiting for payment)" if waiting else "")
            reasons.append(f"Your household already has {held} permit{'s' if held != 1 else ''}{counting}, the "
                           f"most {zone.get('name') or 'this zone'} allows.")
    details: dict[str, Any] = {
        "address_line_1": answers["address_line_1"], "postcode": answers["postcode"],
        "uprn": answers.get("uprn", ""), "address_key": address_key(answers),
        "vehicle_registration": answers["vehicle_registration"],
    }
    if reasons:
        return REFUSE, reasons, details
    charges = [int(c) for c in zone.get("charges_pence") or []]
    # Escalating charge: the household's 2nd permit costs the 2nd price, and so on (the last price repeats).
    fee = charges[min(held, len(charges) - 1)] if charges else None
    details.update({"zone": zone.get("code", ""), "zone_name": zone.get("name", ""),
                    "household_permit_number": held + 1})
    if fee is not None:
        details["fee_pence"] = fee
    ordinal = {1: "first", 2: "second", 3: "third"}.get(held + 1, f"number {held + 1}")
    return APPROVE, [f"You live in {zone.get('name') or 'a permit zone'} and this is your household's "
                     f"{ordinal} permit."], details


# Start page words ("who can apply", "what you will need"); config who_can_apply / you_will_need replace them.
START_TEXT = {
    "who": [
        "You live at an address in a residents' parking zone, and it is your main home.",
        ("The vehicle is registered to you, or is a company or lease car you mainly use, and it is kept at"
         " your address."),
        "Your household has fewer permits than your zone allows.",
        "Some homes cannot have permits, for example car-free developments.",
    ],
    "need": [
        "Your vehicle registration number.",
    ],
}


SETTINGS_NOTE = ("Residents' parking permits may charge by zone and by how many permits a household has: "
                 "those charges are part of the zone settings, not these fees.")


def config_problems(config: dict) -> list[str]:
    """This service's own config checks (rules.config_problems runs the shared ones first)."""
    problems: list[str] = []
    zones = config.get("zones")
    if not isinstance(zones, list) or not zones:
        problems.append("Give at least one parking zone under \"zones\"")
        zones = []
    codes = set()
    for n, zone in enumerate(zones, start=1):
        if not isinstance(zone, dict) or not str(zone.get("code") or "").strip():
            problems.append(f"Zone {n}: give it a \"code\"")
            continue
        if zone["code"] in codes:
            problems.append(f"Zone {zone['code']}: the code is used twice")
        codes.add(zone["code"])
        if not _whole(zone.get("max_permits"), 1, 20):
            problems.append(f"Zone {zone['code']}: \"max_permits\" must be a whole number from 1 to 20")
        charges = zone.get("charges_pence")
        if not isinstance(charges, list) or not charges or not all(_whole(c, 0, 100_000) for c in charges):
            problems.append(f"Zone {zone['code']}: \"charges_pence\" must list charges in pence (0 to 100000), "
                            "first permit first")
        for key in ("postcodes", "streets", "uprns"):
            if not isinstance(zone.get(key, []), list):
                problems.append(f"Zone {zone['code']}: \"{key}\" must be a list")
    for n, entry in enumerate(config.get("excluded_properties") or [], start=1):
        if not isinstance(entry, dict) or not (entry.get("uprn") or (entry.get("address_line_1")
                                                                      and entry.get("postcode"))):
            problems.append(f"Excluded property {n}: give a \"uprn\", or an \"address_line_1\" and \"postcode\"")
    return problems


register(CODE, ServiceRules(questions=questions, decide=decide, facts=facts, config_problems=config_problems,
    special_category=False, household_limit=True, revoke_on_refused_move=True, start_text=START_TEXT,
    settings_note=SETTINGS_NOTE))
