"""The starting catalogue of street report types, seeded by migration 0002.

Administrators change all of it in admin afterwards; seeding never
overwrites a row that exists. Thresholds follow common UK highway
intervention levels (e.g. a carriageway pothole 40 mm deep and 150 mm
across; a pavement trip of 20 mm) and are meant to be tuned locally.
"""
from __future__ import annotations

from oxtom.accounts.seeding import teams_ensure

TEAMS = [
    # Same slugs and words as seed_demo, so either may run first.
    ("highways-north", "Highways North", "Roads, pavements, drainage and street lighting: Cherwell and West Oxfordshire"),
    ("environmental-enforcement", "Environmental Enforcement", "Fly-tipping on the highway and waste enforcement"),
]

_SLA_STREET = {"1": 2, "2": 5, "3": 20, "4": 40}


def _values(*pairs: tuple[str, str]) -> list[dict]:
    return [{"key": k, "name": n} for k, n in pairs]


def _q(code, datatype, description, order, required=True, values=None, hint="", errors=("", ""), emergency=(),
       **extra):
    """One question; `errors` = (error_name, error_subject) for its messages (catalogue.error_words);
    `emergency`: value keys that are emergencies; `extra`: min, max, range_message (catalogue.py)."""
    question = {"code": code, "datatype": datatype, "description": description, "order": order,
                "required": required, "variable": True, "datatype_description": hint, **extra}
    if errors[0]:
        question["error_name"] = errors[0]
    if errors[1]:
        question["error_subject"] = errors[1]
    if values:
        question["values"] = _values(*values)
        for value in question["values"]:
            if value["key"] in emergency:
                value["emergency"] = True
    return question


# Sane bounds for measurements (catalogue.clean_answers): beyond them the answer is a typing slip.
BOUNDS = {
    "depth_mm": {"min": 1, "max": 1000,
                 "range_message": "Enter a depth between 1 and 1,000 millimetres (1,000 mm is 1 metre)"},
    "width_mm": {"min": 1, "max": 20000,
                 "range_message": "Enter a width between 1 and 20,000 millimetres (20,000 mm is 20 metres)"},
    "trip_height_mm": {"min": 1, "max": 1000,
                       "range_message": "Enter a height or depth between 1 and 1,000 millimetres "
                                        "(1,000 mm is 1 metre)"},
}
# Answers that are a danger now: the journey says to call, and a report made anyway is urgent.
EMERGENCIES = {("street-light", "fault"): ("exposed_wiring",), ("traffic-signal", "fault"): ("all_out",)}


_DETAILS = _q("details", "text", "Describe the problem", 90, required=False,
              errors=("a description of the problem", "The description of the problem"),
              hint="Do not include your name or other personal details: this description is shown publicly")

REPORT_TYPES = [
    {
        "code": "pothole", "name": "Pothole", "group": "Roads and pavements", "team": "highways-north",
        "hint": "A hole in the road or cycle lane", "prefix": "HW", "order": 10, "photos_required": True,
        "keywords": "road,pothole,carriageway",
        "questions": [
            _q("depth_mm", "number", "How deep is it, in millimetres?", 10, hint="A 2p coin standing on its edge is about 26 mm",
               errors=("how deep the pothole is", "The depth"), **BOUNDS["depth_mm"]),
            _q("width_mm", "number", "How wide is it at its widest, in millimetres?", 20,
               errors=("how wide the pothole is", "The width"), **BOUNDS["width_mm"]),
            _q("position", "singlevaluelist", "Where is it?", 30, errors=("where the pothole is", ""),
               values=[("road", "In the road"), ("cycle_lane", "In a cycle lane"), ("road_edge", "At the edge of the road")]),
            _DETAILS,
        ],
        "thresholds": [
            {"code": "depth_mm", "op": "gte", "value": 40,
             "reason": "It is less than 40 mm deep, our level for an urgent repair"},
            {"code": "width_mm", "op": "gte", "value": 150,
             "reason": "It is less than 150 mm across, our level for an urgent repair"},
        ],
        "below": ("We will still record it. Our inspectors check every road on a regular cycle and will repair "
                  "it when it reaches our intervention level or when the road is next resurfaced."),
    },
    {
        "code": "street-light", "name": "Faulty street light", "group": "Street lighting and signals",
        "team": "highways-north", "hint": "A light that is out, on all day, flickering or damaged", "prefix": "SL",
        "order": 20, "photos_required": False, "keywords": "street light,lamp,lighting",
        "questions": [
            _q("fault", "singlevaluelist", "What is wrong with the light?", 10, errors=("what is wrong with the light", ""),
               values=[("out", "Out at night"), ("day_burning", "On during the day"), ("flickering", "Flickering"),
                       ("damaged", "Damaged or leaning"), ("exposed_wiring", "Door open or wiring showing")],
               emergency=EMERGENCIES[("street-light", "fault")]),
            _q("column_number", "string", "Number on the lamp post, if you can see one", 20, required=False,
               errors=("the number on the lamp post", "The lamp post number")),
            _DETAILS,
        ],
        "thresholds": [], "below": "",
    },
    {
        "code": "traffic-signal", "name": "Traffic signal fault", "group": "Street lighting and signals",
        "team": "highways-north", "hint": "Traffic lights or a pedestrian crossing not working", "prefix": "TS",
        "order": 30, "photos_required": False, "keywords": "traffic lights,crossing,signals",
        "questions": [
            _q("fault", "singlevaluelist", "What is wrong with the signals?", 10,
               errors=("what is wrong with the signals", ""),
               values=[("all_out", "All lights out"), ("stuck", "Stuck on one colour"),
                       ("crossing", "Crossing button or beeper not working"), ("damaged", "Pole or head damaged")],
               emergency=EMERGENCIES[("traffic-signal", "fault")]),
            _DETAILS,
        ],
        "thresholds": [], "below": "",
    },
    {
        "code": "damaged-pavement", "name": "Damaged pavement", "group": "Roads and pavements",
        "team": "highways-north", "hint": "A loose, broken or uneven paving slab or kerb", "prefix": "HW",
        "order": 40, "photos_required": True, "keywords": "pavement,footway,paving,kerb",
        "questions": [
            _q("trip_height_mm", "number", "How high is the trip or how deep is the gap, in millimetres?", 10,
               errors=("how high the trip or how deep the gap is", "The height of the trip or depth of the gap"),
               **BOUNDS["trip_height_mm"]),
            _q("surface", "singlevaluelist", "What is damaged?", 20, errors=("what is damaged", ""),
               values=[("slab", "Paving slab"), ("tarmac", "Tarmac surface"), ("kerb", "Kerb")]),
            _DETAILS,
        ],
        "thresholds": [
            {"code": "trip_height_mm", "op": "gte", "value": 20,
             "reason": "The trip or gap is less than 20 mm, our level for a repair"},
        ],
        "below": "We will record it and our inspectors will look at it on their next routine visit.",
    },
    {
        "code": "blocked-drain", "name": "Blocked drain or gully", "group": "Drainage and flooding",
        "team": "highways-north", "hint": "A road drain that is blocked or causing flooding", "prefix": "DR",
        "order": 50, "photos_required": False, "keywords": "drain,gully,flooding",
        "questions": [
            _q("flooding", "singlevaluelist", "Is water collecting?", 10, errors=("whether water is collecting", ""),
               values=[("property", "Yes, and it is reaching a property"), ("road", "Yes, on the road or pavement"),
                       ("no", "No, the drain looks blocked")]),
            _DETAILS,
        ],
        "thresholds": [
            {"code": "flooding", "op": "in", "value": ["property", "road"],
             "reason": "There is no standing water, so it is not an urgent clearance"},
        ],
        "below": "We will add the drain to the next planned cleaning round in your area.",
    },
    {
        "code": "fly-tipping", "name": "Fly-tipping", "group": "Street cleaning",
        "team": "environmental-enforcement", "hint": "Rubbish dumped on the road or verge", "prefix": "FT",
        "order": 60, "photos_required": True, "keywords": "fly-tipping,dumping,rubbish",
        "questions": [
            _q("size", "singlevaluelist", "How much has been dumped?", 10, errors=("how much has been dumped", ""),
               values=[("bag", "A single bag or item"), ("car_boot", "A car boot load"),
                       ("van", "A small van load"), ("lorry", "A lorry load or more")]),
            _q("hazardous", "singlevaluelist", "Could it be dangerous?", 20, errors=("whether it could be dangerous", ""),
               values=[("yes", "Yes, for example asbestos, chemicals or needles"), ("no", "No"),
                       ("unsure", "I'm not sure")]),
            _DETAILS,
        ],
        "thresholds": [],
        "below": "",
    },
    {
        "code": "overgrown-vegetation", "name": "Overgrown vegetation", "group": "Roads and pavements",
        "team": "highways-north", "hint": "Hedges, trees or weeds blocking a path, sign or view", "prefix": "HW",
        "order": 70, "photos_required": False, "keywords": "hedge,tree,vegetation,overgrown",
        "questions": [
            _q("obstructs", "singlevaluelist", "What is it blocking?", 10, errors=("what it is blocking", ""),
               values=[("pavement", "The pavement"), ("sightline", "Drivers' view at a junction"),
                       ("sign", "A road sign or street light"), ("nothing", "Nothing, it is untidy")]),
            _DETAILS,
        ],
        "thresholds": [
            {"code": "obstructs", "op": "in", "value": ["pavement", "sightline", "sign"],
             "reason": "It is not blocking a path, sign or view"},
        ],
        "below": ("Untidy vegetation that does not block anything is the landowner's to manage. "
                  "We will record your report but will not normally cut it back."),
    },
    {
        "code": "damaged-sign", "name": "Damaged road sign", "group": "Roads and pavements",
        "team": "highways-north", "hint": "A road sign or bollard that is missing, damaged or unreadable",
        "prefix": "HW", "order": 80, "photos_required": False, "keywords": "sign,bollard",
        "questions": [
            _q("condition", "singlevaluelist", "What is wrong with the sign?", 10, errors=("what is wrong with the sign", ""),
               values=[("missing", "Missing"), ("knocked_down", "Knocked down or twisted"),
                       ("unreadable", "Faded or unreadable"), ("dirty", "Dirty")]),
            _DETAILS,
        ],
        "thresholds": [
            {"code": "condition", "op": "in", "value": ["missing", "knocked_down", "unreadable"],
             "reason": "A dirty sign is cleaned on our routine cycle"},
        ],
        "below": "We will add it to the routine sign-cleaning programme.",
    },
]

# Standard public updates per status (any type). Administrators add type-specific ones.
RESPONSE_TEMPLATES = [
    ("accepted", "Accepted", "Thank you for your report. We have checked it and will repair it."),
    ("scheduled", "Repair booked", "The repair has been booked with our contractor."),
    ("in_progress", "Crew on site", "Our crew is working on this now."),
    ("fixed", "Repaired", "This has been repaired. Thank you for telling us."),
    ("not_fixed", "Below intervention level",
     "Our inspector found this does not meet our level for a repair. We will keep it under routine inspection."),
    ("not_fixed", "Not on the public highway",
     "This is on private land, so we cannot repair it. The landowner is responsible."),
    ("referred", "Passed to the district council",
     "This is looked after by the district council. We have passed your report to them."),
    ("duplicate", "Already reported", "This had already been reported. Updates will appear on the original report."),
]

# Notification templates (oxtom.notify) for reporters and followers.
MESSAGE_TEMPLATES = [
    {"code": "report-received", "channel": "email", "name": "Street report received",
     "subject": "We have received your report ((reference))",
     "body": ("Dear ((name)),\n\nThank you for reporting a problem: ((type)).\n\n((next_steps))\n\n"
              "Your reference is ((reference)). You can follow it at ((link))\n\nOxfordshire County Council")},
    {"code": "report-received", "channel": "sms", "name": "Street report received", "subject": "",
     "body": "Oxfordshire County Council: we have your report ((reference)): ((type)). ((next_steps))"},
    {"code": "report-received", "channel": "letter", "name": "Street report received",
     "subject": "Your report ((reference))",
     "body": ("Dear ((name)),\n\nThank you for reporting a problem: ((type)).\n\n((next_steps))\n\n"
              "Your reference is ((reference)).\n\nYours sincerely,\n\nOxfordshire County Council")},
    {"code": "report-update", "channel": "email", "name": "Street report update",
     "subject": "Update on report ((reference)): ((status))",
     "body": ("Dear ((name)),\n\nReport ((reference)): ((type)) is now: ((status)).\n\n((message))\n\n"
              "See the latest at ((link))\n\nOxfordshire County Council")},
    {"code": "report-update", "channel": "sms", "name": "Street report update", "subject": "",
     "body": "Oxfordshire County Council: report ((reference)) is now ((status)). ((message))"},
    {"code": "report-update", "channel": "letter", "name": "Street report update",
     "subject": "Update on report ((reference))",
     "body": ("Dear ((name)),\n\nReport ((reference)): ((type)) is now: ((status)).\n\n((message))\n\n"
              "Yours sincerely,\n\nOxfordshire County Council")},
    {"code": "report-feedback", "channel": "email", "name": "Street report feedback request",
     "subject": "How did we do with report ((reference))?",
     "body": ("Dear ((name)),\n\nWe have closed report ((reference)): ((type)). ((status)).\n\n((message))\n\n"
              "Please tell us how we did: ((link))\n\nIf the problem is not fixed you can reopen the report "
              "from the same page.\n\nOxfordshire County Council")},
    {"code": "report-feedback", "channel": "sms", "name": "Street report feedback request", "subject": "",
     "body": "Oxfordshire County Council: report ((reference)) is closed: ((status)). Tell us how we did: ((link))"},
    {"code": "report-feedback", "channel": "letter", "name": "Street report feedback request",
     "subject": "Report ((reference))",
     "body": ("Dear ((name)),\n\nWe have closed report ((reference)): ((type)). ((status)).\n\n((message))\n\n"
              "If the problem is not fixed, call us on ((council_phone)).\n\nYours sincerely,\n\nOxfordshire County Council")},
]


def seed(apps) -> None:
    """Create whatever is missing; leave every existing row as an administrator left it."""
    Team = apps.get_model("accounts", "Team")
    Service = apps.get_model("casework", "Service")
    ReportType = apps.get_model("portal", "ReportType")
    ResponseTemplate = apps.get_model("portal", "ResponseTemplate")
    MessageTemplate = apps.get_model("notify", "MessageTemplate")

    teams = teams_ensure(Team, TEAMS)
    for row in REPORT_TYPES:
        service, _ = Service.objects.get_or_create(
            code=row["code"],
            defaults={"name": row["name"], "kind": "report", "team": teams[row["team"]],
                      "reference_prefix": row["prefix"], "sla_working_days": dict(_SLA_STREET),
                      # Report notifications (reporter and followers) come from portal.services.
                      "notify_customer_on_change": False,
                      "description": row["hint"]},
        )
        ReportType.objects.get_or_create(
            service=service,
            defaults={"group": row["group"], "hint": row["hint"], "questions": row["questions"],
                      "thresholds": row["thresholds"], "below_threshold_message": row["below"],
                      "photos_required": row["photos_required"], "display_order": row["order"],
                      "keywords": row["keywords"]},
        )
    if not ResponseTemplate.objects.filter(report_type__isnull=True).exists():
        ResponseTemplate.objects.bulk_create(
            [ResponseTemplate(status=s, title=t, text=x) for s, t, x in RESPONSE_TEMPLATES]
        )
    for row in MESSAGE_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=row["code"], channel=row["channel"],
            defaults={"name": row["name"], "subject": row["subject"], "body": row["body"]},
        )
