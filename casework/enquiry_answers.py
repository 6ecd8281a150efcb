"""A councillor's enquiry as people read it: the questions the councillor was asked and what they wrote.

Enquiries keep their answers under the words of the form they came from
("Enquiry", "Place", "Raised by": oxtom.cases.services.member_enquiry_create);
this renderer (registered with oxtom/cases/owners.py) shows each under the
question as the form asked it, so the case page, the constituent's case page
and the councillor's own page read the same.
"""
from __future__ import annotations

from typing import Any

from oxtom.core.answers import generic_rows

# Stored key -> the question as the enquiry form (casework.forms) asked it.
QUESTIONS = {
    "Enquiry": "Details of the enquiry",
    "Place": "Place",
    "Raised by": "Raised by",
}


def render_enquiry_answers(case: Any, audience: str, user: Any):
    from oxtom.cases.owners import CaseAnswers

    if not case.raised_by_id:
        return None
    return CaseAnswers(rows=tuple(generic_rows(case.answers if isinstance(case.answers, dict) else {},
                                               labels=QUESTIONS)))
