"""Pure rules for report types: validate questions, answers and thresholds.

A report type's questions are stored in Open311 attribute form, so the same
list drives the resident's form, the Open311 service definition and the
validation of an Open311 POST. Thresholds are the council's intervention
criteria (e.g. a pothole at least 40 mm deep): every rule must be met for a
report to be "eligible". No database access here, so every rule is tested
directly.

Beyond Open311's attribute fields (which the service definition publishes
unchanged), a question may carry our own data:
- a number question's `min` and `max` (sane bounds: a pothole is not 999,999
  mm deep) and `range_message`, the error shown outside them;
- a list value's `"emergency": true` (a street light with its wiring
  showing): choosing it interrupts the journey with the number to call now,
  and a report made anyway is routed as an emergency (urgent priority and
  the service's urgent target).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_TYPES = ("singlevaluelist", "multivaluelist")
THRESHOLD_OPS = {"gte": "at least", "lte": "at most", "in": "one of"}
MAX_QUESTIONS = 20
MAX_STRING = 200
MAX_TEXT = 2000
MAX_NUMBER = Decimal("1000000")
MAX_ERROR_WORDS = 100
CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def _is_code(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 40 and set(value) <= CODE_CHARS and value[0].isalpha()


def validate_questions(value: Any) -> None:
    """An administrator's question list must be well-formed Open311 attributes."""
    if not isinstance(value, list):
        raise ValidationError("Give the questions as a list of Open311 attributes")
    if len(value) > MAX_QUESTIONS:
        raise ValidationError(f"A report type can have at most {MAX_QUESTIONS} questions")
    seen: set[str] = set()
    for position, question in enumerate(value, start=1):
        if not isinstance(question, dict):
            raise ValidationError(f"Question {position} must be an attribute with a code and a description")
        code = question.get("code")
        if not _is_code(code):
            raise ValidationError(
                f"Question {position}: the code must be lower-case letters, digits and underscores, "
                "starting with a letter"
            )
        if code in seen:
            raise ValidationError(f"Question {position}: the code {code} is used twice")
        seen.add(code)
        if question.get("datatype") not in DATATYPES:
            raise ValidationError(f"Question {code}: the datatype must be one of {', '.join(DATATYPES)}")
        if not isinstance(question.get("description"), str) or not question["description"].strip():
            raise ValidationError(f"Question {code}: enter the question as people will read it")
        if not isinstance(question.get("required", False), bool):
            raise ValidationError(f"Question {code}: 'required' must be true or false")
        for key in ("error_name", "error_subject"):
            words = question.get(key, "")
            if not isinstance(words, str) or len(words) > MAX_ERROR_WORDS or "<" in words or ">" in words:
                raise ValidationError(f"Question {code}: '{key}' must be words of {MAX_ERROR_WORDS} characters or fewer")
        if not isinstance(question.get("order", position), int):
            raise ValidationError(f"Question {code}: 'order' must be a whole number")
        if question["datatype"] == "number":
            bounds = [question.get(k) for k in ("min", "max") if k in question]
            if any(isinstance(b, bool) or not isinstance(b, (int, float)) or not math.isfinite(b) for b in bounds):
                raise ValidationError(f"Question {code}: min and max must be numbers")
            if "min" in question and "max" in question and question["min"] > question["max"]:
                raise ValidationError(f"Question {code}: min must not be more than max")
            if "range_message" in question and not (isinstance(question["range_message"], str)
                                                    and question["range_message"].strip()):
                raise ValidationError(f"Question {code}: range_message must be the words of the error")
        if question["datatype"] in LIST_TYPES:
            values = question.get("values")
            if not isinstance(values, list) or not values:
                raise ValidationError(f"Question {code}: a list question needs values to choose from")
            keys = []
            for item in values:
                if not (isinstance(item, dict) and _is_code(item.get("key")) and isinstance(item.get("name"), str)
                        and item["name"].strip()):
                    raise ValidationError(f"Question {code}: each value needs a key and a name")
                if not isinstance(item.get("emergency", False), bool):
                    raise ValidationError(f"Question {code}: 'emergency' on a value must be true or false")
                keys.append(item["key"])
            if len(set(keys)) != len(keys):
                raise ValidationError(f"Question {code}: value keys must be different")


def validate_thresholds(value: Any, questions: list[dict] | None = None) -> None:
    """Thresholds name a question, an operator (gte, lte, in), a value, and the reason shown when not met."""
    if not isinstance(value, list):
        raise ValidationError("Give the thresholds as a list of rules")
    by_code = {q.get("code"): q for q in (questions or []) if isinstance(q, dict)}
    for position, rule in enumerate(value, start=1):
        if not isinstance(rule, dict):
            raise ValidationError(f"Threshold {position} must be a rule with code, op, value and reason")
        code, op = rule.get("code"), rule.get("op")
        if op not in THRESHOLD_OPS:
            raise ValidationError(f"Threshold {position}: the operator must be gte, lte or in")
        if questions is not None and code not in by_code:
            raise ValidationError(f"Threshold {position}: there is no question with the code {code}")
        if op in ("gte", "lte"):
            if isinstance(rule.get("value"), bool) or not isinstance(rule.get("value"), (int, float)):
                raise ValidationError(f"Threshold {position}: give a number to compare with")
            if questions is not None and by_code[code].get("datatype") != "number":
                raise ValidationError(f"Threshold {position}: {code} is not a number question")
        else:
            if not isinstance(rule.get("value"), list) or not rule["value"]:
                raise ValidationError(f"Threshold {position}: give the list of values that meet the criteria")
            if questions is not None:
                keys = {v["key"] for v in by_code[code].get("values", [])}
                if not set(rule["value"]) <= keys:
                    raise ValidationError(f"Threshold {position}: some values are not choices of {code}")
        if not isinstance(rule.get("reason"), str) or not rule["reason"].strip():
            raise ValidationError(f"Threshold {position}: say why a report that misses it is not eligible")


def ordered(questions: list[dict]) -> list[dict]:
    return sorted(questions, key=lambda q: (q.get("order", 0), q["code"]))


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) > MAX_NUMBER:
        return None
    return number


def error_words(question: dict) -> tuple[str, str]:
    """How error messages name a question's answer: (after "Enter"/"Select", before "must be").

    A label is a question or an instruction ("How deep is it, in millimetres?",
    "Describe the problem"), so messages built from it read badly ("Enter how
    deep is it"). The catalogue says it per question: "error_name" ("how deep
    the pothole is": "Enter how deep the pothole is") and "error_subject" ("The
    depth": "The depth must be a number"), which defaults to the name with a
    capital. Without them, messages quote the question, which is always correct English.
    """
    name = str(question.get("error_name") or "").strip()
    subject = str(question.get("error_subject") or "").strip()
    if name:
        return name, subject or name[:1].upper() + name[1:]
    asked = str(question.get("description") or "").strip()
    return f"an answer to ‘{asked}’", subject or f"The answer to ‘{asked}’"


def clean_answers(questions: list[dict], data: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Check replies against the questions. Returns (clean answers, errors by question code).

    `data` maps codes to raw values (strings from a form or an Open311 POST;
    lists for multi-value questions). Unknown codes are ignored, so a hostile
    client cannot add fields the council never asked for.
    """
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    getlist = getattr(data, "getlist", None)
    for question in ordered(questions):
        code, datatype = question["code"], question["datatype"]
        label, subject = error_words(question)
        if datatype == "multivaluelist":
            raw_list = getlist(code) if getlist else data.get(code, [])
            if isinstance(raw_list, str):
                raw_list = [raw_list]
            raw_list = [str(v).strip() for v in (raw_list or []) if str(v).strip()]
            if not raw_list:
                if question.get("required"):
                    errors[code] = f"Select {label}"
                continue
            keys = {v["key"] for v in question["values"]}
            if any(v not in keys for v in raw_list):
                errors[code] = f"Select {label} from the list"
                continue
            answers[code] = sorted(set(raw_list))
            continue
        raw = data.get(code, "") if hasattr(data, "get") else ""
        if isinstance(raw, (list, tuple)):
            raw = raw[-1] if raw else ""
        raw = "" if raw is None else str(raw).strip()
        if not raw:
            if question.get("required"):
                verb = "Select" if datatype == "singlevaluelist" else "Enter"
                errors[code] = f"{verb} {label}"
            continue
        if "\x00" in raw:
            errors[code] = f"{subject} must not include control characters"
            continue
        if datatype == "number":
            number = _number(raw)
            if number is None:
                errors[code] = f"{subject} must be a number, like 45"
            elif number < 0:
                errors[code] = f"{subject} must be 0 or more"
            elif not _within(question, number):
                errors[code] = _range_message(question, subject)
            else:
                answers[code] = int(number) if number == number.to_integral_value() else float(number)
        elif datatype == "singlevaluelist":
            if raw not in {v["key"] for v in question["values"]}:
                errors[code] = f"Select {label} from the list"
            else:
                answers[code] = raw
        else:
            limit = MAX_TEXT if datatype == "text" else MAX_STRING
            if len(raw) > limit:
                errors[code] = f"{subject} must be {limit:,} characters or fewer"
            else:
                answers[code] = raw
    return answers, errors


def _within(question: dict, number: Decimal) -> bool:
    low, high = question.get("min"), question.get("max")
    return (low is None or number >= Decimal(str(low))) and (high is None or number <= Decimal(str(high)))


def _range_message(question: dict, subject: str) -> str:
    """The catalogue's own words when it has them, else "<The subject> must be between 1 and 1,000"."""
    if question.get("range_message"):
        return str(question["range_message"])
    low, high = question.get("min"), question.get("max")
    if low is not None and high is not None:
        return f"{subject} must be between {low:,} and {high:,}"
    return f"{subject} must be {high:,} or less" if high is not None else f"{subject} must be {low:,} or more"


def emergencies(questions: list[dict], answers: dict[str, Any]) -> list[str]:
    """The names of the emergency values among the answers (empty when nothing is an emergency)."""
    found = []
    for question in ordered(questions):
        if question.get("datatype") not in LIST_TYPES or question["code"] not in answers:
            continue
        chosen = answers[question["code"]]
        chosen = chosen if isinstance(chosen, list) else [chosen]
        found += [v["name"] for v in question.get("values", []) if v.get("emergency") and v["key"] in chosen]
    return found


@dataclass(frozen=True)
class Verdict:
    """Whether a report meets the intervention criteria, and if not, why."""

    meets: bool
    reasons: list[str] = field(default_factory=list)


def evaluate(thresholds: list[dict], answers: dict[str, Any]) -> Verdict:
    """Apply every threshold to the answers. A rule whose question was not answered is not met.

    No thresholds means every report is eligible (e.g. a street light that is out).
    """
    reasons: list[str] = []
    for rule in thresholds:
        value = answers.get(rule["code"])
        op, target = rule["op"], rule["value"]
        if op in ("gte", "lte"):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and (
                value >= target if op == "gte" else value <= target
            )
        else:
            chosen = value if isinstance(value, list) else [value]
            ok = any(v in target for v in chosen if v is not None)
        if not ok:
            reasons.append(rule["reason"])
    return Verdict(meets=not reasons, reasons=reasons)


def answer_rows(questions: list[dict], answers: dict[str, Any]) -> list:
    """Answers as (question text, formatted value) rows, in the questions' order (oxtom.core.answers.Row).

    Choice keys show their names, numbers their unit (a question's "unit", or
    the code's suffix: depth_mm is in mm). Answers to questions the type no
    longer asks (its questions were changed) follow, under words, not keys.
    """
    from oxtom.core.answers import Row, format_answer, humanise, readable, unit_for

    answers = answers if isinstance(answers, dict) else {}
    rows, seen = [], set()
    for question in ordered(questions or []):
        code = question["code"]
        seen.add(code)
        if code not in answers:
            continue
        choices = {v["key"]: v["name"] for v in question.get("values", [])}
        rows.append(Row(question["description"], format_answer(
            answers[code], kind=question.get("datatype", "string"), choices=choices,
            unit=unit_for(code, str(question.get("unit") or "")))))
    for code, value in answers.items():
        if code not in seen:
            rows.append(Row(humanise(code), readable(value)))
    return rows


def value_name(question: dict, key: Any) -> str:
    """The words for a list answer's key (for check-answers and public pages)."""
    names = {v["key"]: v["name"] for v in question.get("values", [])}
    if isinstance(key, list):
        return ", ".join(names.get(k, str(k)) for k in key)
    return names.get(key, str(key))
