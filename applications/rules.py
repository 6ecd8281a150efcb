"""Eligibility rules for each service: small pure functions, registered by service code.

`evaluate()` reads the answers, the service's `config` (the numbers that vary
by council: zones, charges, thresholds, how early we accept) and a few facts
the caller looked up (e.g. how many permits the household already has), and
returns a RuleResult: approve, refer to an officer, or refuse, with reasons
in plain English. Nothing here touches the database except the documented
fallback in `evaluate()` that looks facts up when the caller gave none, so
the eligibility checker and the application share one answer.

Published criteria followed:
- Blue badge: GOV.UK "Apply for or renew a blue badge" and the DfT Blue Badge
  scheme local authority guidance (England): "eligible without further
  assessment" versus "subject to further assessment".
- Bus pass: the English National Concessionary Travel Scheme (Transport Act
  2000 s.146, the seven disability categories) and the State Pension age
  timetables in the Pensions Acts 1995, 2011 and 2014.
- Residents' parking: local rules, so all of it is data in `config`.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from oxtom.places.postcodes import normalise_postcode as places_normalise_postcode

APPROVE, REFER, REFUSE = "approve", "refer", "refuse"
YES, NO = "yes", "no"
MAX_TEXT_ANSWER = 500


@dataclass(frozen=True)
class Question:
    """One thing the journey asks. `prefill` names the customer field that answers it already."""

    code: str
    label: str
    hint: str = ""
    datatype: str = "text"  # text | yesno | choice | multichoice | date | number | registration
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    prefill: str = ""
    # Asked only when another answer has one of these values: (code, (values...)).
    show_if: tuple[str, tuple[str, ...]] | None = None
    # Pre-filled from the customer record only when this holds (e.g. a blue badge for "myself").
    prefill_when: tuple[str, tuple[str, ...]] | None = None
    # Asked even when the record holds the answer, shown filled in for the person to confirm or correct
    # (a bus pass's home address decides eligibility: a record's old address must not decide it silently).
    confirm: bool = False
    # Choices that stand alone ("None of these"): chosen with any other choice, the answer is not valid.
    exclusive: tuple[str, ...] = ()
    # How error messages name the answer ("who the blue badge is for": "Select who the blue badge is for").
    # A label is often a question, which reads badly in a message; without this, messages quote it.
    error_name: str = ""
    # Earlier answers shown with the question, so "Do you live at this address?" shows the address.
    about: tuple[str, ...] = ()

    def applies(self, answers: dict) -> bool:
        return _holds(self.show_if, answers)

    def prefills(self, answers: dict) -> bool:
        return bool(self.prefill) and self.applies(answers) and _holds(self.prefill_when, answers)


def _holds(condition: tuple[str, tuple[str, ...]] | None, answers: dict) -> bool:
    if condition is None:
        return True
    other, values = condition
    value = answers.get(other)
    if isinstance(value, list):
        return any(v in values for v in value)
    return value in values


@dataclass
class RuleResult:
    outcome: str  # approve | refer | refuse
    reasons: list[str]
    fee_pence: int
    validity_months: int
    details: dict = field(default_factory=dict)
    # Required answers not given, and answers that are not valid (code -> message). While either
    # is non-empty the outcome is not a decision: the journey asks again.
    questions_missing: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_complete(self) -> bool:
        return not self.questions_missing and not self.errors


@dataclass(frozen=True)
class ServiceRules:
    questions: Callable[[dict], list[Question]]
    # (config, answers (cleaned), facts, today, kind) -> (outcome, reasons, details)
    decide: Callable[[dict, dict, dict, dt.date, str], tuple[str, list[str], dict]]
    # Facts the decision needs from the database, looked up by the caller: (service, answers, customer) -> dict
    facts: Callable[[Any, dict, Any], dict] | None = None
    # What a change of circumstances may change ("address", "vehicle"); None: whatever the questions ask.
    changeable: frozenset[str] | None = None
    # The service's own config checks, after the shared ones: config -> problems in an administrator's words.
    config_problems: Callable[[dict], list[str]] | None = None
    # Answers are health information (UK GDPR special category): a referred case is flagged so.
    special_category: bool = True
    # A limit per household (permits per address): decisions for one address are held to one at a
    # time, and the facts leave out the entitlement a renewal or change replaces.
    household_limit: bool = False
    # A refused change of address cannot leave the entitlement valid for a home the holder has left.
    revoke_on_refused_move: bool = False
    # The start page's words ("who can apply", "what you will need"), unless config gives its own.
    start_text: dict[str, list[str]] | None = None
    # A line for the officers' settings page about what the config holds beyond the fees.
    settings_note: str = ""


_REGISTRY: dict[str, ServiceRules] = {}


def register(code: str, rules: ServiceRules) -> None:
    """Service code registers its rules (a new service adds a module that calls this)."""
    _REGISTRY[code] = rules


def rules_for(code: str) -> ServiceRules | None:
    return _REGISTRY.get(code)


def is_special_category(service: Any) -> bool:
    """Whether the service's answers are health information (a service no rules describe: assume so)."""
    found = rules_for(service.code)
    return True if found is None else found.special_category


def settings_note(service: Any) -> str:
    """The service's line for the officers' settings page ("" for none)."""
    found = rules_for(service.code)
    return found.settings_note if found is not None else ""


def changeable(service: Any) -> tuple[bool, bool]:
    """(vehicle, address): what a change of circumstances can tell us for this service."""
    found = rules_for(service.code)
    codes = {q.code for q in questions(service)}
    vehicle, address = "vehicle_registration" in codes, {"address_line_1", "postcode"} <= codes
    if found is not None and found.changeable is not None:
        vehicle, address = vehicle and "vehicle" in found.changeable, address and "address" in found.changeable
    return vehicle, address


# --- dates -----------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved on by whole months; a day the month lacks (29th-31st) becomes its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _birthday(birth: dt.date, years: int) -> dt.date:
    return add_months(birth, 12 * years)


def state_pension_date(birth: dt.date) -> dt.date:
    """The day State Pension age is reached, from the statutory timetables.

    - Born before 6 Dec 1953: 65th birthday. Simplified: women born before
      6 Dec 1953 reached State Pension age earlier under the 1995 and 2011
      equalisation (between 60 and 65), but everyone born then is past 65
      today, so for a bus pass the answer is the same.
    - Born 6 Dec 1953 - 5 Oct 1954 (Pensions Act 2011): a fixed date, from
      6 Mar 2019 rising two months per month of birth to 6 Sep 2020.
    - Born 6 Oct 1954 - 5 Apr 1960: 66th birthday.
    - Born 6 Apr 1960 - 5 Mar 1961 (Pensions Act 2014): 66 years plus 1 to
      11 months, one more month for each month of birth (6th to 5th).
    - Born 6 Mar 1961 - 5 Apr 1977: 67th birthday.
    - Born after 5 Apr 1977: 68th birthday from 6 Apr 1978 (Pensions Act
      2007). Simplified: the 2007 Act phases 67 to 68 for births 6 Apr 1977
      - 5 Apr 1978 by fixed dates in 2044-46; we use 67 for them.
    A birthday on 29 February reaches an age on 28 February in other years
    (add_months' last-day rule); DWP's own calculator is the authority.
    """
    if birth < dt.date(1953, 12, 6):
        return _birthday(birth, 65)
    if birth < dt.date(1954, 10, 6):
        period = _months_from(dt.date(1953, 12, 6), birth)
        return add_months(dt.date(2019, 3, 6), 2 * period)
    if birth < dt.date(1960, 4, 6):
        return _birthday(birth, 66)
    if birth < dt.date(1961, 3, 6):
        return add_months(birth, 66 * 12 + _months_from(dt.date(1960, 4, 6), birth) + 1)
    if birth < dt.date(1978, 4, 6):
        return _birthday(birth, 67)
    return _birthday(birth, 68)


def _months_from(start: dt.date, birth: dt.date) -> int:
    """Whole "6th to 5th" months from `start` (a 6th) to `birth`: 0 for the first month."""
    months = (birth.year - start.year) * 12 + birth.month - start.month
    return months - (1 if birth.day < 6 else 0)


# --- vehicle registrations ---------------------------------------------------------------------

# DVLA formats. Letters I and Q are not used in the current and prefix formats' area and random
# parts (Z only as a random letter); older and dateless marks are less regular, so they are
# checked for shape only.
_REG_FORMATS = (
    ("current", re.compile(r"^([A-HJ-PR-Y]{2}[0-9]{2})([A-HJ-PR-Z]{3})$")),           # AB12 CDE (2001-)
    ("prefix", re.compile(r"^([A-HJ-NP-Y][0-9]{1,3})([A-Z]{3})$")),                   # A123 BCD (1983-2001)
    ("suffix", re.compile(r"^([A-Z]{3})([0-9]{1,3}[A-HJ-NP-Y])$")),                   # ABC 123D (1963-1983)
    ("dateless", re.compile(r"^([A-Z]{1,3})([0-9]{1,4})$")),                          # ABC 1234 (before 1963, NI)
    ("dateless", re.compile(r"^([0-9]{1,4})([A-Z]{1,3})$")),                          # 1234 ABC
)


def normalise_registration(raw: object) -> str | None:
    """'ab12cde', 'AB-12 CDE' -> 'AB12 CDE'; None if it is not a UK registration shape."""
    if not isinstance(raw, str) or len(raw) > 20:
        return None
    compact = re.sub(r"[\s\-]", "", raw).upper()
    if not compact or not compact.isascii() or not compact.isalnum() or len(compact) > 7:
        return None
    for _name, pattern in _REG_FORMATS:
        match = pattern.match(compact)
        if match:
            return f"{match.group(1)} {match.group(2)}"
    return None


# --- addresses ---------------------------------------------------------------------------------

def normalise_postcode(raw: object) -> str:
    """'ox4 1hp' -> 'OX4 1HP'; '' when it is not a full UK postcode (the shape oxtom.places checks)."""
    return places_normalise_postcode(raw) or ""


def _street_key(line: object) -> str:
    return re.sub(r"[^a-z0-9 ]", "", str(line or "").lower()).strip()


def address_key(answers: dict) -> str:
    """One household: the UPRN when known, else the first address line and postcode."""
    uprn = str(answers.get("uprn") or "").strip()
    if uprn:
        return f"uprn:{uprn}"
    return f"addr:{_street_key(answers.get('address_line_1'))}|{normalise_postcode(answers.get('postcode'))}"


def _street_name(line: object) -> str:
    """'12a High Street' -> 'high street'."""
    return re.sub(r"^[0-9]+[a-z]?\s+", "", _street_key(line))


def find_zone(config: dict, answers: dict) -> dict | None:
    """The parking zone for an address: UPRN, then full postcode, sector, district (streets narrow)."""
    zones = config.get("zones") or []
    uprn = str(answers.get("uprn") or "").strip()
    postcode = normalise_postcode(answers.get("postcode"))
    if uprn:
        for zone in zones:
            if uprn in [str(u) for u in zone.get("uprns") or []]:
                return zone
    if not postcode:
        return None
    outward, inward = postcode.split(" ")
    candidates = (postcode, f"{outward} {inward[0]}", outward)
    street = _street_name(answers.get("address_line_1"))
    for candidate in candidates:
        for zone in zones:
            if candidate in [str(p).upper().strip() for p in zone.get("postcodes") or []]:
                streets = [_street_key(s) for s in zone.get("streets") or []]
                if not streets or street in streets:
                    return zone
    return None


@dataclass(frozen=True)
class ZoneFees:
    code: str
    name: str
    charges_pence: tuple[int, ...]  # first permit first; the last repeats for any further permit
    max_permits: int


def zone_fees(service: Any) -> list[ZoneFees]:
    """The charges of each zone, as the decision uses them (config "zones"): [] for a service without zones."""
    result = []
    for zone in (service.config or {}).get("zones") or []:
        if not isinstance(zone, dict):
            continue
        charges = tuple(int(c) for c in zone.get("charges_pence") or [] if isinstance(c, int) and not isinstance(c, bool))
        limit = zone.get("max_permits")
        result.append(ZoneFees(str(zone.get("code") or ""), str(zone.get("name") or zone.get("code") or ""),
                               charges or (int(service.fee_pence),),
                               limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else 1))
    return result


def excluded_property(config: dict, answers: dict) -> dict | None:
    """The exclusion entry that bars this address from permits, if any."""
    uprn = str(answers.get("uprn") or "").strip()
    postcode = normalise_postcode(answers.get("postcode"))
    line = _street_key(answers.get("address_line_1"))
    for entry in config.get("excluded_properties") or []:
        if uprn and str(entry.get("uprn") or "") == uprn:
            return entry
        if (line and postcode and _street_key(entry.get("address_line_1")) == line
                and normalise_postcode(entry.get("postcode")) == postcode):
            return entry
    return None


# --- answers ---------------------------------------------------------------------------------

def _clean(questions: list[Question], answers: dict, today: dt.date) -> tuple[dict, list[str], dict[str, str]]:
    """Type-check answers against the questions: (cleaned, missing codes, errors by code)."""
    cleaned: dict[str, Any] = {}
    missing: list[str] = []
    errors: dict[str, str] = {}
    if not isinstance(answers, dict):
        return {}, [q.code for q in questions if q.required], {}
    for q in questions:
        if not q.applies({**answers, **cleaned}):
            continue
        raw = answers.get(q.code)
        if raw is None or raw == "" or raw == []:
            if q.required:
                missing.append(q.code)
            continue
        try:
            cleaned[q.code] = _coerce(q, raw, today)
        except ValueError as exc:
            errors[q.code] = str(exc)
    return cleaned, missing, errors


def _coerce(q: Question, raw: Any, today: dt.date) -> Any:
    allowed = {value for value, _ in q.choices}
    if q.datatype == "yesno":
        value = str(raw).strip().lower()
        if value not in (YES, NO):
            raise ValueError(f"Select yes or no: {q.label.lower()}")
        return value
    if q.datatype == "choice":
        if raw not in allowed:
            raise ValueError(f"Select one of the options: {q.label.lower()}")
        return raw
    if q.datatype == "multichoice":
        values = raw if isinstance(raw, (list, tuple)) else [raw]
        if not values or any(v not in allowed for v in values) or len(values) > len(allowed):
            raise ValueError(f"Select from the options: {q.label.lower()}")
        alone = [v for v in q.exclusive if v in values]
        if alone and len(set(values)) > 1:
            names = dict(q.choices)
            raise ValueError(f"Select the ones that apply, or select ‘{names.get(alone[0], alone[0])}’")
        return sorted(set(values))
    if q.datatype == "date":
        try:
            value = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValueError(f"Enter a real date: {q.label.lower()}") from None
        if value > today:
            raise ValueError(f"The date must be today or in the past: {q.label.lower()}")
        if value.year < today.year - 120:
            raise ValueError(f"Enter a date after {today.year - 120}: {q.label.lower()}")
        return value.isoformat()
    if q.datatype == "number":
        if isinstance(raw, bool):
            raise ValueError(f"Enter a whole number: {q.label.lower()}")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"Enter a whole number: {q.label.lower()}") from None
        if allowed and str(value) not in allowed:
            raise ValueError(f"Enter one of {', '.join(sorted(allowed, key=int))}: {q.label.lower()}")
        if not 0 <= value <= 99:
            raise ValueError(f"Enter a number from 0 to 99: {q.label.lower()}")
        return value
    if q.datatype == "registration":
        value = normalise_registration(raw)
        if value is None:
            raise ValueError("Enter a real UK vehicle registration, like AB12 CDE")
        return value
    text = str(raw).strip()
    if len(text) > MAX_TEXT_ANSWER:
        raise ValueError(f"Must be {MAX_TEXT_ANSWER} characters or fewer: {q.label.lower()}")
    if q.code == "postcode":
        postcode = normalise_postcode(text)
        if not postcode:
            raise ValueError("Enter a real postcode, like OX1 1DS")
        return postcode
    return text


# --- the entry points ------------------------------------------------------------------------

def questions(service: Any) -> list[Question]:
    """What the journey asks for `service`, in order (empty for a service without rules)."""
    rules = rules_for(service.code)
    return rules.questions(service.config or {}) if rules else []


def fee_for(service: Any, *, kind: str, base_fee: int) -> int:
    """Replacements pay the replacement fee; everything else what the rules worked out."""
    if kind == "replacement":
        return int(service.replacement_fee_pence)
    return int(base_fee)


def evaluate(service: Any, answers: dict, *, customer: Any = None, today: dt.date,
             facts: dict | None = None, kind: str = "new") -> RuleResult:
    """Decide what the answers earn: approve, refer to an officer, or refuse, with reasons.

    Answers the customer record already holds (address, date of birth) are
    taken from `customer` when the answers leave them out. `facts` are the
    database look-ups a rule needs (household permits); when None they are
    looked up here so the eligibility checker and the application agree.
    """
    rules = rules_for(service.code)
    validity = int(service.validity_months)
    if rules is None:
        return RuleResult(REFER, ["An officer needs to look at this application"], int(service.fee_pence),
                          validity)
    config = service.config or {}
    asked = rules.questions(config)
    answers = _with_customer(asked, answers if isinstance(answers, dict) else {}, customer)
    cleaned, missing, errors = _clean(asked, answers, today)
    if missing or errors:
        return RuleResult(REFER, ["Some answers are missing or need correcting"], int(service.fee_pence),
                          validity, {}, missing, errors)
    if facts is None:
        facts = rules.facts(service, cleaned, customer) if rules.facts else {}
    outcome, reasons, details = rules.decide(config, cleaned, facts, today, kind)
    details = {**details, "validity_months": int(details.get("validity_months") or validity)}
    base_fee = int(details.pop("fee_pence", service.fee_pence))
    return RuleResult(outcome, reasons, fee_for(service, kind=kind, base_fee=base_fee) if outcome != REFUSE else 0,
                      details["validity_months"], details)


def prefilled(service: Any, answers: dict, customer: Any) -> dict:
    """The answers with what the customer record holds (nothing asked twice), by the one precedence
    the journey, the application service and the eligibility check share (see _with_customer)."""
    return _with_customer(questions(service), answers, customer)


def record_answers(service: Any, answers: dict, customer: Any) -> dict:
    """What the customer record answers for `service`, given the answers so far (a blue badge "for
    someone else" takes nothing from the applicant's own record): {question code: value}."""
    return _known(questions(service), answers, customer)


def _known(qs: list[Question], answers: dict, customer: Any) -> dict:
    if customer is None:
        return {}
    given = dict(answers)
    known: dict[str, Any] = {}
    for q in qs:
        if not q.prefills({**given, **known}):
            continue
        value = getattr(customer, q.prefill, None)
        if value not in (None, ""):
            known[q.code] = value.isoformat() if isinstance(value, dt.date) else value
    return known


def _with_customer(qs: list[Question], answers: dict, customer: Any) -> dict:
    """The person's answer wins (an adviser keying what the caller says, an answer given before signing
    in); the record fills whatever they left blank, so the journey never asks what it holds."""
    known = _known(qs, answers, customer)
    if not known:
        return answers
    filled = dict(answers)
    for code, value in known.items():
        if filled.get(code) in (None, ""):
            filled[code] = value
    return filled


def required_evidence_missing(service: Any, kinds: list[str] | set[str]) -> list[str]:
    """Messages for each required kind of evidence not among `kinds` (from config.required_evidence)."""
    given = set(kinds)
    return [row.get("message") or "Add the evidence we ask for"
            for row in (service.config or {}).get("required_evidence") or []
            if not given.intersection(row.get("kinds") or [])]


# --- config checks (admin edits the config JSON) ------------------------------------------------

_EVIDENCE_KINDS = {"photo", "proof_of_address", "vehicle", "benefit", "medical", "identity", "other"}


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def config_problems(code: str, config: Any) -> list[str]:
    """What is wrong with a service's config, in words an administrator can act on ([] when it is fine)."""
    if not isinstance(config, dict):
        return ["The settings must be a JSON object, like {\"zones\": [...]}"]
    problems: list[str] = []
    for n, row in enumerate(config.get("required_evidence") or [], start=1):
        if not isinstance(row, dict) or not row.get("kinds") or not set(row.get("kinds") or []) <= _EVIDENCE_KINDS:
            problems.append(f"Required evidence {n}: give \"kinds\" from {', '.join(sorted(_EVIDENCE_KINDS))}")
    found = rules_for(code)
    if found is not None and found.config_problems is not None:
        problems.extend(found.config_problems(config))
    return problems


# Importing the service modules registers their rules.
from . import rules_blue_badge, rules_bus_pass, rules_parking  # noqa: E402,F401
