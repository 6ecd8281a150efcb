"""An application's answers as people read them, for every page that shows them.

The case behind a referred (or QA-sampled) application keeps a copy of the
answers, but only this app knows the questions that were asked (rules.questions),
what its rules worked out and where its evidence files are served. So the
staff case page, the resident's case page and the assessment page all show
the rows made here (registered with oxtom/cases/owners.py in apps.ready()).
"""
from __future__ import annotations

from typing import Any

from django.urls import reverse

from oxtom.core.answers import Link, Row, format_answer, humanise, readable

from . import rules
from .models import Application, ApplicationEvidence

# Question datatypes (rules.Question.datatype) as oxtom.core.answers kinds.
_KINDS = {"yesno": "yesno", "choice": "choice", "multichoice": "multichoice", "date": "date",
          "number": "number", "registration": "text", "text": "text"}

# Answers that no question page asks but an application carries.
_EXTRA_LABELS = {
    "reconsideration_grounds": "Why they asked us to look again",
    "address_line_2": "Address line 2",
    "town": "Town",
}
# Keys kept for the rules' own use, never worth a row (an internal property key, a lock key).
_HIDDEN = frozenset({"address_key"})

# What the rules worked out that an officer needs, in the order they read it.
_FINDING_LABELS = {
    "zone_name": "Parking zone",
    "household_permit_number": "Permit number for the household",
    "holder_name": "Badge holder",
    "pass_type": "Pass type",
    "category": "Disability category",
    "assessment": "To assess",
    "state_pension_date": "State Pension date",
    "starts_on": "Start date",
    "validity_months": "Length",
    "fast_track": "Fast track",
}
_FINDING_VALUES = {"pass_type": {"older": "Older person's pass", "disabled": "Disabled person's pass"}}


_REASONS_TITLES = {
    Application.Status.REFERRED: "Why it was referred to an officer",
    Application.Status.REFUSED: "Why it was refused",
}


def answer_rows(application: Application) -> list[Row]:
    """(question, answer) in the journey's order; answers no question asked follow, under words not keys."""
    answers = application.answers if isinstance(application.answers, dict) else {}
    rows, seen = [], set()
    for question in rules.questions(application.service):
        if question.code in seen or question.code not in answers:
            continue
        seen.add(question.code)
        value = answers[question.code]
        if value in (None, "") and not question.required:
            continue  # an optional question left blank (a UPRN we did not know) says nothing
        rows.append(Row(question.label, format_answer(value, kind=_KINDS.get(question.datatype, "text"),
                                                      choices=dict(question.choices))))
    for code, value in answers.items():
        if code in seen or code in _HIDDEN or value in (None, "", []):
            continue
        rows.append(Row(_EXTRA_LABELS.get(code) or humanise(code), readable(value)))
    return rows


def finding_rows(application: Application) -> list[Row]:
    """What the eligibility rules worked out, worth showing an officer (choice codes by their labels)."""
    details = application.details if isinstance(application.details, dict) else {}
    # A finding that repeats an answer's code ("category": "arms") reads as that answer's label.
    labels: dict[str, str] = {}
    for question in rules.questions(application.service):
        labels.update({str(k): str(v) for k, v in question.choices})
    rows = []
    for key, label in _FINDING_LABELS.items():
        value = details.get(key)
        if value in (None, "", [], False):
            continue
        if key == "validity_months":
            text = f"{value} months" if str(value) != "1" else "1 month"
        elif key in _FINDING_VALUES:
            text = _FINDING_VALUES[key].get(str(value), readable(value))
        elif isinstance(value, str) and value in labels:
            text = labels[value]
        elif isinstance(value, list):
            text = "\n".join(readable(v)[:1].upper() + readable(v)[1:] for v in value)
        else:
            text = readable(value)
        rows.append(Row(label, text))
    return rows


def evidence_text(item: ApplicationEvidence) -> str:
    kind = "PDF" if item.content_type == "application/pdf" else "image"
    return f"{item.get_kind_display()} ({kind}, {_size(item.size)})"


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def evidence_links(application: Application, *, staff: bool) -> list[Link]:
    """Each file, linked to the download view of whoever reads: the officer's or the applicant's own."""
    name = "applications:evidence" if staff else "apply:evidence_file"
    return [Link(evidence_text(item), reverse(name, kwargs={"reference": application.reference, "token": item.token}))
            for item in application.evidence.all()]


def _application_of(case: Any) -> Application | None:
    return (Application.objects.filter(case=case).select_related("service")
            .prefetch_related("evidence").order_by("-id").first())


def render_case_answers(case: Any, audience: str, user: Any):
    """oxtom.cases.owners renderer: the answers of the application behind `case` (None for other cases)."""
    from oxtom.cases.models import Service

    if case.service.kind != Service.Kind.APPLICATION:
        return None
    application = _application_of(case)
    if application is None:
        return None
    return _answers(case, application, audience, user)


def render_many_case_answers(cases: list, audience: str, user: Any) -> dict[int, Any]:
    """The same for a list of cases (the customer timeline): their applications and evidence in two
    queries however many cases, and "may this officer open the files" asked once per team."""
    from oxtom.cases.models import Service

    mine = [case for case in cases if case.service.kind == Service.Kind.APPLICATION]
    if not mine:
        return {}
    applications: dict[int, Application] = {}
    # Newest first, so a case's latest application wins, as _application_of picks it.
    for application in (Application.objects.filter(case__in=mine).select_related("service")
                        .prefetch_related("evidence").order_by("-id")):
        applications.setdefault(application.case_id, application)
    workable: dict[int, bool] = {}
    return {case.pk: _answers(case, applications[case.pk], audience, user, workable=workable)
            for case in mine if case.pk in applications}


def _answers(case: Any, application: Application, audience: str, user: Any, *, workable: dict | None = None):
    from oxtom.cases.owners import STAFF, CaseAnswers

    staff = audience == STAFF
    links = evidence_links(application, staff=True) if staff else evidence_links(application, staff=False)
    note = ""
    if staff and links:
        from oxtom.cases.services import can_work_case

        workable = {} if workable is None else workable
        if case.team_id not in workable:
            workable[case.team_id] = can_work_case(user, case)
        if not workable[case.team_id]:
            note = (f"{len(links)} file{'s' if len(links) != 1 else ''} sent: officers of "
                    f"{case.team.name} can open them.")
            links = []
    return CaseAnswers(
        rows=tuple(answer_rows(application)),
        evidence=tuple(links),
        evidence_note=note,
        findings=tuple(finding_rows(application)) if staff else (),
        reasons=tuple(str(r) for r in (application.reasons or [])) if staff else (),
        reasons_title=_REASONS_TITLES.get(application.status, "What the rules said"),
    )
