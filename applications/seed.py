"""The starting catalogue of things to apply for, seeded by migration 0002.

Every number that varies by council is here as data (fees, validity, zones,
charges, exclusions, how early an application is accepted) and editable in
admin afterwards; seeding never overwrites a row that exists. The demo
zones cover Oxford (OX1, OX4) and Banbury (OX16), where the demo residents
live, so the demo can issue permits.
"""
from __future__ import annotations

from django.conf import settings

from oxtom.accounts.seeding import teams_ensure

TEAMS = [
    # Same slugs and words as seed_demo, so either may run first.
    ("parking-services", "Parking Services", "Residents' parking permits, enforcement and appeals"),
    ("blue-badge-concessions", "Blue Badge and Concessions", "Blue badges and concessionary bus passes"),
]

# Working days per priority: terminal illness is priority 1 (urgent) on the blue badge.
_SLA = {"1": 1, "2": 3, "3": 10, "4": 20}
# A blue badge assessment is promised within 12 weeks (60 working days), as most councils do.
_SLA_BLUE_BADGE = {"1": 1, "2": 3, "3": 60, "4": 60}

SERVICES = [
    {
        "code": "parking-permit", "name": "Residents' parking permit", "team": "parking-services",
        "case_prefix": "PP", "number_prefix": "RP",
        "summary": "Park in your residents' parking zone. A permit lasts 12 months and is for one vehicle.",
        "fee_pence": 6500, "replacement_fee_pence": 1000, "validity_months": 12,
        "decision_promise": "We will tell you straight away, or within ((working_days)) if an officer needs to check",
        "auto_renew": True,
        "config": {
            # Zones are matched on UPRN, then the full postcode, then the postcode sector ("OX4 1"),
            # then the postcode district ("OX4"); street names narrow a district match when given.
            "zones": [
                {"code": "A", "name": "Zone A: Oxford city centre", "postcodes": ["OX1"], "streets": [],
                 "uprns": [], "max_permits": 2, "charges_pence": [6500, 13000]},
                {"code": "B", "name": "Zone B: East Oxford", "postcodes": ["OX4"], "streets": [],
                 "uprns": [], "max_permits": 3, "charges_pence": [5500, 9000, 14000]},
                {"code": "C", "name": "Zone C: Banbury town", "postcodes": ["OX16"], "streets": [],
                 "uprns": [], "max_permits": 3, "charges_pence": [4500, 7500, 12000]},
            ],
            # Properties barred from permits, e.g. by a planning condition on a car-free development.
            "excluded_properties": [
                {"uprn": "100121000001", "postcode": "OX4 6ZZ", "address_line_1": "1 Canal Wharf",
                 "reason": "Homes at Canal Wharf were built as car-free: a planning condition bars them from "
                           "residents' parking permits"},
            ],
            "required_evidence": [
                {"kinds": ["vehicle"], "message": "Add the vehicle's registration document (V5C) or lease or company car letter"},
            ],
        },
    },
    {
        "code": "blue-badge", "name": "Blue badge", "team": "blue-badge-concessions",
        "case_prefix": "BB", "number_prefix": "BB",
        "summary": "Park closer to where you need to go if you or someone you look after has a disability or health condition.",
        "fee_pence": 1000, "replacement_fee_pence": 1000, "validity_months": 36, "sla": _SLA_BLUE_BADGE,
        "decision_promise": "We will tell you straight away, or within ((working_days)) if an officer needs to assess your application",
        # Blue badges are never renewed automatically: every renewal is a new application.
        "auto_renew": False,
        "config": {
            "pip_moving_around_min_points": 8,
            "pip_planning_journeys_points": 10,
            "pip_planning_journeys_descriptor": "e",
            "afcs_max_tariff": 8,
            "child_max_age_years": 3,
            "required_evidence": [
                {"kinds": ["photo"], "message": "Add a recent passport-style photo of the badge holder"},
                {"kinds": ["benefit", "medical"],
                 "message": "Add a letter that shows the award or condition, for example a PIP or DLA award letter"},
            ],
            "signposting": [
                "If your needs change, you can apply again at any time.",
                f"Community transport and Dial-a-Ride may help with journeys: call {settings.COUNCIL_PHONE}.",
                "You can ask a local car park operator about accessible spaces that do not need a blue badge.",
            ],
        },
    },
    {
        "code": "bus-pass", "name": "Older or disabled person's bus pass", "team": "blue-badge-concessions",
        "case_prefix": "BP", "number_prefix": "BP",
        "summary": "Free off-peak bus travel in England if you are of State Pension age or have an eligible disability.",
        "fee_pence": 0, "replacement_fee_pence": 1000, "validity_months": 60,
        "decision_promise": "We will tell you straight away, or within ((working_days)) if an officer needs to check",
        "auto_renew": True,
        "config": {
            "apply_days_before_spa": 14,
            # Passes are for residents: the home postcode must be in this area (the current boundary set).
            "area_name": "Oxfordshire",
            # Evidence that shows a statutory disability category without further assessment.
            "automatic_evidence": {
                "blind": ["registered_sight_impaired"],
                "deaf": [],
                "speech": [],
                "walking": ["dla_higher_mobility", "pip_moving_around_8", "wpms", "afcs_1_8"],
                "arms": [],
                "learning": [],
                "driving": ["dvla_refusal"],
            },
            "required_evidence": [
                {"kinds": ["photo"], "message": "Add a recent passport-style photo of the pass holder"},
                {"kinds": ["identity", "benefit", "medical"],
                 "message": "Add proof of your age or a letter that shows your disability or award"},
            ],
            "signposting": [
                "Some councils and bus companies offer discounted travel for people who do not qualify.",
                "A Disabled Persons Railcard gives a third off most rail fares.",
            ],
        },
    },
]

_SIGN = "Oxfordshire County Council"


def _by_channel(code: str, name: str, *, subject: str, letter_subject: str, opening: str, email_link: str,
                sms: str) -> list[dict]:
    """One message in email, SMS and letter: the email and letter share their opening and ((message))."""
    body = f"Dear ((name)),\n\n{opening}\n\n((message))\n\n"
    return [
        {"code": code, "channel": "email", "name": name, "subject": subject,
         "body": f"{body}{email_link}\n\n{_SIGN}"},
        {"code": code, "channel": "sms", "name": name, "subject": "", "body": f"{_SIGN}: {sms}"},
        {"code": code, "channel": "letter", "name": name, "subject": letter_subject,
         "body": f"{body}Yours sincerely,\n\n{_SIGN}"},
    ]


MESSAGE_TEMPLATES = [
    *_by_channel(
        "application-decision", "Application decision",
        subject="Your ((service)) application ((reference)): ((headline))",
        letter_subject="Your ((service)) application ((reference))",
        opening="Your ((service)) application ((reference)): ((headline)).",
        email_link="See your application at ((link))",
        sms="your ((service)) application ((reference)): ((headline)). Details: ((link))"),
    *_by_channel(
        "entitlement-issued", "Permit, badge or pass issued",
        subject="Your ((service)) ((number)) has been issued",
        letter_subject="Your ((service)) ((number))",
        opening=("Your ((service)) has been issued. Its number is ((number)) and it is valid "
                 "from ((starts_on)) to ((expires_on)). ((renewal))"),
        email_link="See it in your account at ((link))",
        sms="your ((service)) ((number)) is issued, valid ((starts_on)) to ((expires_on)). ((renewal))"),
    *_by_channel(
        "entitlement-ended", "Permit, badge or pass ended early",
        subject="Your ((service)) ((number)) has ended",
        letter_subject="Your ((service)) ((number)) has ended",
        opening="Your ((service)) ((number)) ended on ((ended_on)) and can no longer be used.",
        email_link="See it in your account at ((link))",
        sms="your ((service)) ((number)) ended on ((ended_on)). ((message)) Details: ((link))"),
    *_by_channel(
        "refund-made", "Refund made",
        subject="We have refunded ((amount)) for your ((service)) ((number))",
        letter_subject="Refund for your ((service)) ((number))",
        opening="We have refunded ((amount)) to the card you paid with, for the unused part of your "
                "((service)) ((number)).",
        email_link="See it in your account at ((link))",
        sms="we have refunded ((amount)) to your card for the unused part of ((number)). ((message))"),
    *_by_channel(
        "renewal-refunded", "Renewal not made, fee refunded",
        subject="We have not renewed your ((service)) ((number)) and have refunded ((amount))",
        letter_subject="Your ((service)) ((number)) was not renewed",
        opening="We have not renewed your ((service)) ((number)) and have refunded the whole ((amount)) to "
                "the card it was paid with.",
        email_link="See it in your account at ((link))",
        sms="we have not renewed ((number)) and have refunded the whole ((amount)) to your card. ((message))"),
]


def seed(apps) -> None:
    """Create whatever is missing; leave every existing row as an administrator left it."""
    Team = apps.get_model("accounts", "Team")
    Service = apps.get_model("casework", "Service")
    ApplicationService = apps.get_model("applications", "ApplicationService")
    MessageTemplate = apps.get_model("notify", "MessageTemplate")

    teams = teams_ensure(Team, TEAMS)
    for row in SERVICES:
        case_service, _ = Service.objects.get_or_create(
            code=row["code"],
            defaults={"name": row["name"], "kind": "application", "team": teams[row["team"]],
                      "reference_prefix": row["case_prefix"], "sla_working_days": dict(row.get("sla", _SLA)),
                      # Decisions are told by applications.services, not generic status mail.
                      "notify_customer_on_change": False, "description": row["summary"]},
        )
        ApplicationService.objects.get_or_create(
            code=row["code"],
            defaults={"name": row["name"], "summary": row["summary"], "case_service": case_service,
                      "number_prefix": row["number_prefix"], "fee_pence": row["fee_pence"],
                      "replacement_fee_pence": row["replacement_fee_pence"],
                      "validity_months": row["validity_months"], "decision_promise": row["decision_promise"],
                      "config": row["config"], "auto_renew": row["auto_renew"]},
        )
    for row in MESSAGE_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=row["code"], channel=row["channel"],
            defaults={"name": row["name"], "subject": row["subject"], "body": row["body"]},
        )
