"""Deciding and closing a case, by an officer or by a rule."""
from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record

from ..models import Case, Decision, Outcome, QaCheck, Service, Status
from ._common import Kind, MAX_TEXT, Visibility, _actor, _clean_text, _event, _lock, _move, _require_worker, _save, _status_event
from .create import case_create
from .screening import in_intake
from .work import _resume_clock


@transaction.atomic
def case_decide(*, case: Case, decision: str, reasons: str, expected_version: int, by: Any) -> Case:
    """Record the assessment's decision. Reasons are required: the customer is entitled to know why."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    previous = _move(case, Status.DECIDED)
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose a decision"})
    reasons = _clean_text(reasons, required_message="Enter the reasons for the decision", field="reasons")
    require_different_decider(case, by)
    case.decision, case.decision_reasons, case.decided_at = decision, reasons, timezone.now()
    case.decided_by = _actor(by)
    if case.paused_on is not None:
        case.paused_on = None
    _save(case, ["status", "decision", "decision_reasons", "decided_at", "decided_by", "paused_on"], by)
    label = Decision(decision).label
    _status_event(case, previous, by, text=reasons, decision=decision, visibility=Visibility.CUSTOMER,
                  customer_message=f"Decision: {label}. {reasons}")
    audit_record(by=by, action="update", target=case, summary=f"Decision recorded: {label}", decision=decision)
    return case


def earlier_deciders(case: Case) -> set[int]:
    """Who decided or worked the cases this one follows (its parent, and the parent's own parents)."""
    people: set[int] = set()
    seen: set[int] = set()
    parent_id = case.parent_id
    while parent_id and parent_id not in seen and len(seen) < 10:
        seen.add(parent_id)
        row = Case.objects.filter(pk=parent_id).values("decided_by_id", "assignee_id", "parent_id").first()
        if row is None:
            break
        people.update(pk for pk in (row["decided_by_id"], row["assignee_id"]) if pk)
        parent_id = row["parent_id"]
    return people


def require_different_decider(case: Case, by: Any) -> None:
    """A follow-on case on a service that says so is decided by someone who did not decide or work the
    case it follows (an FOI internal review, a complaint's stage 2). Any service may switch it on."""
    if not (case.parent_id and case.service.different_decider):
        return
    if getattr(by, "pk", None) in earlier_deciders(case):
        raise PermissionDenied(
            "You decided or worked the case this one follows, so another officer must decide it: "
            "ask your team leader to give it to someone else")


MAX_RULE_CHARS = 100


@transaction.atomic
def case_decide_automatically(*, case: Case, decision: str, reasons: str, rule: str,
                              expected_version: int) -> Case:
    """The system decides a case by a published rule (e.g. a renewal that meets every criterion).

    No person is the actor. The reasons are still required and sent to the
    customer, and the decision is sampled for a quality check at the
    service's QA rate, so someone looks at a share of what no one looked at.
    A new case is accepted on the way (both steps are on the timeline).
    """
    case = _lock(case, expected_version)
    if in_intake(case):
        raise ValidationError("Screen this case first: route it to the team that will work it",
                              code="invalid_transition")
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose a decision"})
    rule = (rule or "").strip()
    if not rule or len(rule) > MAX_RULE_CHARS:
        raise ValidationError({"rule": f"Name the decision rule in 1 to {MAX_RULE_CHARS} characters"})
    reasons = _clean_text(reasons, required_message="Enter the reasons for the decision", field="reasons")
    if case.status == Status.NEW:
        previous = _move(case, Status.ACCEPTED)
        _save(case, ["status"], None)
        _status_event(case, previous, None, notify=False, automatic=True, rule=rule)
    previous = _move(case, Status.DECIDED)
    case.decision, case.decision_reasons, case.decided_at = decision, reasons, timezone.now()
    _, clock_fields = _resume_clock(case)
    _save(case, ["status", "decision", "decision_reasons", "decided_at", *clock_fields], None)
    label = Decision(decision).label
    _status_event(case, previous, None, text=reasons, decision=decision, automatic=True, rule=rule,
                  visibility=Visibility.CUSTOMER, customer_message=f"Decision: {label}. {reasons}")
    audit_record(by=None, action="update", target=case, summary=f"Automatic decision: {label}",
                 decision=decision, rule=rule)
    if qa_should_sample(case):
        QaCheck.objects.create(case=case, team_id=case.team_id, kind=QaCheck.Kind.AUTOMATIC_DECISION,
                               sampled_at=timezone.now())
        _event(case, Kind.QA_SAMPLED, None, text="Automatic decision sampled for a quality check", rule=rule)
    return case


@transaction.atomic
def case_record_rule_decision(*, service: Service, customer: Any, answers: dict, channel: str, decision: str,
                              reasons: str, rule: str, title: str = "", outcome: str = Outcome.COMPLETED,
                              submission_key: str = "", only_if_sampled: bool = False) -> Case | None:
    """The system decided by a published rule with no case open: record it as a closed case, sampled for QA.

    For a capability whose own record carries the decision (an application
    every criterion approves): the case is created and closed with the
    decision at once, so it never enters a work queue, and it is sampled
    for a quality check at the service's QA rate like any automatic
    decision, so someone looks at a share of what no one looked at. No
    person is the actor. The owner has told the customer already (it
    messages the customer itself), so the engine sends nothing.

    `only_if_sampled`: keep the case only when it is sampled (returns None
    otherwise and writes nothing), for an owner whose record is the
    decision and who needs a case only for the check.
    """
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose a decision"})
    if outcome not in Outcome.values or outcome == Outcome.DUPLICATE:
        raise ValidationError({"outcome": "Choose an outcome"})
    rule = (rule or "").strip()
    if not rule or len(rule) > MAX_RULE_CHARS:
        raise ValidationError({"rule": f"Name the decision rule in 1 to {MAX_RULE_CHARS} characters"})
    reasons = _clean_text(reasons, required_message="Enter the reasons for the decision", field="reasons")
    sampled = qa_should_sample(Case(service=service))
    if only_if_sampled and not sampled:
        return None
    case = case_create(service=service, customer=customer, answers=answers, channel=channel, by=None, title=title,
                       submission_key=submission_key)
    previous = _move(case, Status.CLOSED)
    now = timezone.now()
    case.decision, case.decision_reasons, case.decided_at = decision, reasons, now
    case.outcome, case.closed_at = outcome, now
    _save(case, ["status", "decision", "decision_reasons", "decided_at", "outcome", "closed_at"], None)
    label = Decision(decision).label
    _status_event(case, previous, None, text=reasons, decision=decision, outcome=outcome, automatic=True,
                  rule=rule, visibility=Visibility.CUSTOMER, notify=False)
    audit_record(by=None, action="update", target=case, summary=f"Automatic decision: {label}",
                 decision=decision, rule=rule, outcome=outcome)
    if sampled:
        QaCheck.objects.create(case=case, team_id=case.team_id, kind=QaCheck.Kind.AUTOMATIC_DECISION,
                               sampled_at=now)
        _event(case, Kind.QA_SAMPLED, None, text="Automatic decision sampled for a quality check", rule=rule)
    return case


@transaction.atomic
def case_close(*, case: Case, outcome: str, note: str = "", expected_version: int, by: Any) -> Case:
    """Close with an outcome. Closing a closed case is refused (reopen it instead)."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    previous = _move(case, Status.CLOSED)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose an outcome"})
    if outcome == Outcome.DUPLICATE and case.duplicate_of_id is None:
        raise ValidationError({"outcome": "Use 'link as duplicate' to close a case as a duplicate"})
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": f"Must be {MAX_TEXT:,} characters or fewer"})
    case.outcome, case.closed_at, case.paused_on = outcome, timezone.now(), None
    _save(case, ["status", "outcome", "closed_at", "paused_on"], by)
    label = Outcome(outcome).label
    _status_event(case, previous, by, text=note or label, outcome=outcome,
                  customer_message=f"We have closed your case. Outcome: {label}.")
    audit_record(by=by, action="update", target=case, summary=f"Case closed: {label}", outcome=outcome)
    if qa_should_sample(case):
        QaCheck.objects.create(case=case, team_id=case.team_id, sampled_at=timezone.now(), closed_by=_actor(by))
        _event(case, Kind.QA_SAMPLED, None, text="Sampled for a quality check")
    return case


def qa_should_sample(case: Case) -> bool:
    """Sample a closed case at its service's QA rate (0 never, 1 always)."""
    rate = float(case.service.qa_sample_rate or 0)
    return rate > 0 and secrets.randbelow(1_000_000) < rate * 1_000_000
