"""Writes for corporate complaints, on the kernel's case engine (docs/CONVENTIONS.md §2).

Each complaint stage is a case: stage 1 on "complaint-stage-1", stage 2 a follow-on on
"complaint-stage-2" whose service says a different officer decides. Both services have two clock
stages (acknowledge in 5 working days; respond in 10, or 20 at stage 2, from the acknowledgement) and
allow one extension of up to 10 working days. The engine moves the cases, keeps their clocks and
timelines, and refuses a stage 2 answer from whoever handled stage 1; these services keep the
complaint's own record and tell the complainant through the outbox.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from oxtom.accounts.models import TeamMembership
from oxtom.accounts.permissions import Permission
from oxtom.cases import services as cases
from oxtom.cases.models import Case, Service, Status
from oxtom.core.actors import actor as _actor
from oxtom.core.audit import audit_record
from oxtom.core.calendar import add_working_days
from oxtom.customers.models import Channel, Customer

from .models import (MAX_TEXT, STAGE_1_SERVICE, STAGE_2_SERVICE, TEAM_SLUG, Complaint, ComplaintStage,
                     LearningAction, OmbudsmanDecision, Outcome)

logger = logging.getLogger(__name__)

ESCALATION_WINDOW_WORKING_DAYS = 20
# The kinds of service a resident uses directly: what a complaint can be about.
RESIDENT_KINDS = (Service.Kind.REPORT, Service.Kind.APPLICATION, Service.Kind.ENQUIRY)
MAX_WHAT_HAPPENED = 5000
MAX_ACTION = 300
OMBUDSMAN = ("the Local Government and Social Care Ombudsman (www.lgo.org.uk, 0300 061 0614), who looks at "
             "complaints about councils once their own complaints process has finished")


# --- who may do what ---------------------------------------------------------------------------------

def can_handle_complaints(user: Any) -> bool:
    """Complaints officers of the complaints team (and administrators) handle complaints."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if user.has_role("administrator"):
        return True
    return user.has_permission(Permission.COMPLAINTS_WORK) and TeamMembership.objects.filter(
        user=user, team__slug=TEAM_SLUG).exists()


def _require_handler(by: Any) -> None:
    if not can_handle_complaints(by):
        raise PermissionDenied("Only the complaints team can do this")


def stage_service(number: int) -> Service:
    code = STAGE_1_SERVICE if number == 1 else STAGE_2_SERVICE
    service = Service.objects.filter(code=code).select_related("team").first()
    if service is None:
        raise ValidationError("Complaints are not set up: the complaint services are missing")
    return service


def _clean(value: str | None, *, field: str, required: str, max_length: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: required})
    if len(text) > max_length:
        raise ValidationError({field: f"Must be {max_length:,} characters or fewer"})
    return text


def _today() -> dt.date:
    return timezone.localdate()


# --- messages to the complainant (the outbox) --------------------------------------------------------

MAX_MESSAGE = 600


def _tell(complaint: Complaint, *, key: str, subject: str, message: str, by: Any) -> None:
    """Queue a message to the complainant; the complaint's change stands even if no message can be queued."""
    if len(message) > MAX_MESSAGE:
        message = " ".join(message.split())[:MAX_MESSAGE].rsplit(" ", 1)[0] + "... The full text is in your account."
    try:
        from oxtom.notify.services import notification_queue

        with transaction.atomic():
            notification_queue(customer=complaint.customer, template="generic-update", by=by,
                               idempotency_key=f"complaint:{complaint.pk}:{key}",
                               context={"name": complaint.customer.display_name, "subject": subject,
                                        "message": message, "reference": complaint.reference})
    except (ImportError, LookupError, ValueError, DatabaseError) as exc:
        logger.warning("complaint %s: message %s not queued (%s)", complaint.pk, key, type(exc).__name__)


# --- making a complaint ------------------------------------------------------------------------------

def own_cases_for(customer: Customer | None):
    """The cases a complainant may link a complaint to: their own, newest first (not complaints)."""
    if customer is None:
        return Case.objects.none()
    return (Case.objects.filter(customer=customer, service__kind__in=RESIDENT_KINDS)
            .select_related("service").order_by("-received_at")[:50])


def complaint_services():
    """Services a complaint may be about (and a service request may be made on): what residents report, apply
    for or ask through a councillor; staff requests, FOI and complaints themselves are not among them."""
    return Service.objects.filter(is_active=True, kind__in=RESIDENT_KINDS).order_by("name")


@transaction.atomic
def complaint_submit(*, customer: Customer | None, what_happened: str, outcome_wanted: str = "", by: Any,
                     about_case: Case | None = None, about_service: Service | None = None,
                     channel: str = Channel.WEB, on_behalf_of: bool = False, submission_key: str = "",
                     contact: dict | None = None) -> Complaint:
    """Open a complaint at stage 1, to be acknowledged within 5 working days.

    `customer` is the signed-in resident's record or the one an adviser acts for; with none, `contact`
    (first_name, last_name, email or phone) makes a new customer record for the complainant (never
    matched to an existing one: a stranger typing someone's email must not see or join their record).
    A linked case must be the complainant's own. `submission_key` makes a double submit one complaint
    (cases.DuplicateSubmission carries the first).
    """
    what_happened = _clean(what_happened, field="what_happened", required="Tell us what went wrong",
                           max_length=MAX_WHAT_HAPPENED)
    outcome_wanted = (outcome_wanted or "").strip()
    if len(outcome_wanted) > MAX_TEXT:
        raise ValidationError({"outcome_wanted": f"Must be {MAX_TEXT:,} characters or fewer"})
    if about_case is not None and (customer is None or about_case.customer_id != customer.pk):
        raise ValidationError({"about_case": "Choose one of your own cases"})
    if about_case is not None and about_service is None:
        about_service = about_case.service
    if about_service is not None and about_service.kind not in RESIDENT_KINDS:
        raise ValidationError({"about_service": "Choose the service your complaint is about"})
    service = stage_service(1)
    key = (submission_key or "").strip()
    if key:
        existing = Complaint.objects.filter(stages__number=1, stages__case__submission_key=key).first()
        if existing is not None:
            raise cases.DuplicateSubmission(existing.stages.get(number=1).case)
    if customer is None:
        customer = _new_complainant(contact or {}, by=by)
    case = cases.case_create(service=service, customer=customer, channel=channel, by=by, title="Complaint",
                             answers={"what_happened": what_happened, "outcome_wanted": outcome_wanted,
                                      "about": about_case.reference if about_case else ""},
                             on_behalf_of=on_behalf_of, submission_key=key)
    complaint = Complaint.objects.create(
        reference=case.reference, customer=customer, about_case=about_case, about_service=about_service,
        what_happened=what_happened, outcome_wanted=outcome_wanted, on_behalf_of=on_behalf_of,
        created_by=_actor(by), modified_by=_actor(by))
    stage = ComplaintStage.objects.create(complaint=complaint, number=1, case=case, received_on=_local(case),
                                          acknowledge_due=case.due_at)
    audit_record(by=by, action="create", target=complaint, summary=f"Complaint {complaint.reference} made",
                 on_behalf_of=on_behalf_of, channel=channel)
    _tell(complaint, key="received", by=by, subject=f"Your complaint {complaint.reference}",
          message=f"We have received your complaint. We will acknowledge it by {stage.acknowledge_due:%-d %B %Y} "
                  "and tell you who is looking into it.")
    return complaint


def _local(case: Case) -> dt.date:
    return timezone.localtime(case.received_at).date()


def _new_complainant(contact: dict, *, by: Any) -> Customer:
    from oxtom.customers.services import customer_create

    first = (contact.get("first_name") or "").strip()
    last = (contact.get("last_name") or "").strip()
    email = (contact.get("email") or "").strip()
    phone = (contact.get("phone") or "").strip()
    errors: dict[str, str] = {}
    if not first:
        errors["first_name"] = "Enter your first name"
    if not last:
        errors["last_name"] = "Enter your last name"
    if not (email or phone):
        errors["email"] = "Enter an email address or a phone number so we can reply"
    if errors:
        raise ValidationError(errors)
    data = {"first_name": first[:100], "last_name": last[:100], "preferred_channel": "email" if email else "sms"}
    if email:
        data["email"] = email
    if phone:
        data["phone"] = phone
    return customer_create(data=data, by=by, channel=Channel.WEB, allow_duplicate=True)


# --- working a stage ---------------------------------------------------------------------------------

def _stage(complaint: Complaint, number: int) -> ComplaintStage:
    stage = (ComplaintStage.objects.select_for_update(of=("self",)).select_related("case", "case__service")
             .filter(complaint=complaint, number=number).first())
    if stage is None:
        raise ValidationError(f"This complaint has no stage {number}", code="invalid_transition")
    return stage


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, number: int, by: Any) -> ComplaintStage:
    """Acknowledge a stage: the officer takes its case and the response clock starts today.

    At stage 2 the officer must not be one who handled stage 1 (the engine's different-officer rule).
    """
    _require_handler(by)
    stage = _stage(complaint, number)
    if stage.is_acknowledged:
        raise ValidationError("This stage has already been acknowledged", code="invalid_transition")
    if complaint.state == Complaint.State.CONVERTED:
        raise ValidationError("This complaint is being handled as a service request", code="invalid_transition")
    case = stage.case
    cases.require_different_decider(case, by)
    if case.assignee_id is None:
        case = cases.case_assign(case=case, assignee=by, expected_version=case.version, by=by)
    case = cases.case_next_stage(case=case, note="Complaint acknowledged", expected_version=case.version, by=by)
    stage.acknowledged_on, stage.acknowledged_by, stage.response_due = _today(), _actor(by), case.due_at
    stage.save(update_fields=["acknowledged_on", "acknowledged_by", "response_due"])
    audit_record(by=by, action="update", target=complaint, summary=f"Stage {number} acknowledged")
    officer = getattr(by, "full_name", "") or "A complaints officer"
    _tell(complaint, key=f"stage{number}:acknowledged", by=by,
          subject=f"We are looking into your complaint {complaint.reference}",
          message=f"{officer} is looking into your {'stage 2 review' if number == 2 else 'complaint'}. "
                  f"We will send you our {'final ' if number == 2 else ''}response by {case.due_at:%-d %B %Y}.")
    return stage


def extension_refusal(stage: ComplaintStage) -> str:
    """Why this stage cannot be extended now ("" when it can)."""
    if not stage.is_acknowledged:
        return "Acknowledge the complaint first: an extension moves the response date"
    if stage.is_responded:
        return "This stage has been answered"
    return cases.extension_refusal(stage.case)


@transaction.atomic
def complaint_extend(*, complaint: Complaint, number: int, new_due: dt.date, reason: str, by: Any) -> ComplaintStage:
    """The one extension the code allows (up to 10 working days), with the reason given to the complainant.

    The engine checks the limit, moves the due date and tells the complainant the new date and why.
    """
    _require_handler(by)
    stage = _stage(complaint, number)
    refusal = extension_refusal(stage)
    if refusal:
        raise ValidationError(refusal, code="invalid_transition")
    case = cases.case_extend(case=stage.case, new_due=new_due, reason=reason, expected_version=stage.case.version,
                             by=by)
    stage.response_due, stage.extension_reason = case.due_at, (reason or "").strip()
    stage.save(update_fields=["response_due", "extension_reason"])
    audit_record(by=by, action="update", target=complaint, summary=f"Stage {number} extended",
                 due=case.due_at.isoformat())
    return stage


_DECISIONS = {Outcome.UPHELD: "action_taken", Outcome.PARTLY_UPHELD: "action_taken", Outcome.NOT_UPHELD: "no_action"}


def escalate_by_for(responded_on: dt.date) -> dt.date:
    return add_working_days(responded_on, ESCALATION_WINDOW_WORKING_DAYS)


@transaction.atomic
def complaint_respond(*, complaint: Complaint, number: int, outcome: str, reasons: str, remedy: str,
                      by: Any) -> ComplaintStage:
    """The stage's response: decision, reasons, remedy, and how to take it further.

    Stage 1 says how to escalate to stage 2 (and by when); stage 2's final response points to the
    Ombudsman. The engine records the decision (refusing a stage 2 answer from whoever handled
    stage 1) and closes the stage's case; nothing is saved if any step is refused.
    """
    _require_handler(by)
    stage = _stage(complaint, number)
    if not stage.is_acknowledged:
        raise ValidationError("Acknowledge the complaint before responding", code="invalid_transition")
    if stage.is_responded:
        raise ValidationError("This stage has already been answered", code="invalid_transition")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose whether the complaint is upheld, partly upheld or not upheld"})
    reasons = _clean(reasons, field="reasons", required="Explain the reasons for the decision")
    remedy = (remedy or "").strip()
    if outcome != Outcome.NOT_UPHELD and not remedy:
        raise ValidationError({"remedy": "Say what we will do to put things right"})
    if len(remedy) > MAX_TEXT:
        raise ValidationError({"remedy": f"Must be {MAX_TEXT:,} characters or fewer"})
    today = _today()
    case = stage.case
    label = Outcome(outcome).label
    if number == 1:
        escalate_by = escalate_by_for(today)
        further = (f"If you are not satisfied, you can ask for a stage 2 review by {escalate_by:%-d %B %Y}, "
                   "online from your account or by contacting us.")
    else:
        escalate_by = None
        further = f"This is our final response. If you are still not satisfied you can contact {OMBUDSMAN}."
    text = f"Decision: {label}. Reasons: {reasons}" + (f" What we will do: {remedy}" if remedy else "") + f" {further}"
    case = cases.case_decide(case=case, decision=_DECISIONS[outcome], reasons=text[:MAX_TEXT],
                             expected_version=case.version, by=by)
    cases.case_close(case=case, outcome="completed", note=f"Complaint stage {number} answered: {label}",
                     expected_version=case.version, by=by)
    stage.outcome, stage.reasons, stage.remedy = outcome, reasons, remedy
    stage.responded_on, stage.responded_at, stage.responded_by = today, timezone.now(), _actor(by)
    stage.escalate_by = escalate_by
    stage.save(update_fields=["outcome", "reasons", "remedy", "responded_on", "responded_at", "responded_by",
                              "escalate_by"])
    complaint.state = Complaint.State.RESPONDED
    complaint.modified_by = _actor(by)
    complaint.save(update_fields=["state", "modified_by", "modified_at"])
    audit_record(by=by, action="update", target=complaint, summary=f"Stage {number} response: {label}",
                 outcome=outcome)
    _tell(complaint, key=f"stage{number}:response", by=by,
          subject=f"{'Our final response' if number == 2 else 'Our response'} to your complaint {complaint.reference}",
          message=text)
    return stage


def escalation_refusal(complaint: Complaint, stages: dict[int, ComplaintStage], *, on: dt.date | None = None) -> str:
    """Why the complainant cannot ask for stage 2 now ("" when they can)."""
    first = stages.get(1)
    if complaint.state == Complaint.State.CONVERTED:
        return "This was handled as a service request, not a complaint"
    if 2 in stages:
        return "You have already asked for a stage 2 review of this complaint"
    if first is None or not first.is_responded:
        return "You can ask for a stage 2 review once we have sent our stage 1 response"
    on = on or _today()
    if first.escalate_by and on > first.escalate_by:
        return (f"The time to ask for a stage 2 review ended on {first.escalate_by:%-d %B %Y} "
                f"({ESCALATION_WINDOW_WORKING_DAYS} working days after our response). If you are still not "
                "satisfied, contact us: we will consider a late request if there was a good reason for the delay, "
                f"or you can contact {OMBUDSMAN}.")
    return ""


@transaction.atomic
def complaint_escalate(*, complaint: Complaint, reason: str, by: Any, on_behalf_of: bool = False,
                       submission_key: str = "") -> ComplaintStage:
    """The complainant asks for stage 2 (from their stage 1 response), within the window.

    Opens the follow-on case through the engine (the complainant's own, or an adviser acting for them).
    """
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    stages = {s.number: s for s in complaint.stages.select_related("case")}
    refusal = escalation_refusal(complaint, stages)
    if refusal:
        raise ValidationError(refusal, code="invalid_transition")
    reason = _clean(reason, field="reason", required="Tell us why you are not satisfied with our response")
    service = stage_service(2)
    case = cases.case_open_follow_on_for_customer(
        parent=stages[1].case, service=service, reason=reason, by=by, on_behalf_of=on_behalf_of,
        title=f"Complaint stage 2 following {complaint.reference}", submission_key=submission_key)
    stage = ComplaintStage.objects.create(complaint=complaint, number=2, case=case, received_on=_local(case),
                                          acknowledge_due=case.due_at, escalation_reason=reason)
    complaint.state = Complaint.State.OPEN
    complaint.save(update_fields=["state", "modified_at"])
    audit_record(by=by, action="update", target=complaint, summary="Escalated to stage 2", on_behalf_of=on_behalf_of)
    _tell(complaint, key="stage2:received", by=by, subject=f"Your stage 2 review of {complaint.reference}",
          message=f"We have received your request for a stage 2 review ({case.reference}). An officer who did not "
                  f"handle stage 1 will look at it. We will acknowledge it by {stage.acknowledge_due:%-d %B %Y}.")
    return stage


@transaction.atomic
def complaint_convert(*, complaint: Complaint, service: Service, reason: str, by: Any) -> Case:
    """The complaints officer decides this is a request for a service, not a complaint, and makes it one.

    A new case on `service` for the same customer (in that service's queue), the complaint's stage 1
    case closed, and the resident told why and the new reference. Only before stage 1 is answered.
    """
    _require_handler(by)
    stage = _stage(complaint, 1)
    if complaint.state != Complaint.State.OPEN or stage.is_responded or complaint.stages.filter(number=2).exists():
        raise ValidationError("Only a complaint not yet answered can be turned into a service request",
                              code="invalid_transition")
    if service is None or not service.is_active or service.kind not in RESIDENT_KINDS:
        raise ValidationError({"service": "Choose the service that should handle this request"})
    reason = _clean(reason, field="reason", required="Explain to the resident why this is a service request")
    request = cases.case_create(service=service, customer=complaint.customer, channel=Channel.SYSTEM, by=by,
                                answers={"request": complaint.what_happened, "from_complaint": complaint.reference},
                                title=f"From complaint {complaint.reference}")
    case = stage.case
    cases.case_close(case=case, outcome="completed", note=f"Handled as service request {request.reference}: {reason}",
                     expected_version=case.version, by=by)
    complaint.state, complaint.converted_to, complaint.converted_reason = Complaint.State.CONVERTED, request, reason
    complaint.modified_by = _actor(by)
    complaint.save(update_fields=["state", "converted_to", "converted_reason", "modified_by", "modified_at"])
    audit_record(by=by, action="update", target=complaint, summary=f"Turned into service request {request.reference}",
                 service=service.code)
    _tell(complaint, key="converted", by=by, subject=f"Your complaint {complaint.reference}",
          message=f"We are handling this as a request for {service.name.lower()} rather than a complaint, "
                  f"reference {request.reference}. {reason} If you still want to complain, contact us.")
    return request


# --- learning and the Ombudsman -------------------------------------------------------------------

MAX_DUE_DAYS_AHEAD = 366


@transaction.atomic
def learning_action_add(*, complaint: Complaint, action: str, owner: Any, due_on: dt.date | None,
                        by: Any) -> LearningAction:
    """A learning action from an answered complaint: what will change, who owns it, by when."""
    _require_handler(by)
    if not complaint.stages.filter(responded_on__isnull=False).exists():
        raise ValidationError("Record learning once the complaint has been answered", code="invalid_transition")
    action = " ".join((action or "").split())
    if not action:
        raise ValidationError({"action": "Enter what will change"})
    if len(action) > MAX_ACTION:
        raise ValidationError({"action": f"Must be {MAX_ACTION} characters or fewer"})
    if owner is None or not (owner.is_active and owner.can_enter_staff_area):
        raise ValidationError({"owner": "Choose the member of staff who owns the action"})
    today = _today()
    if due_on is None:
        raise ValidationError({"due_on": "Enter the date it is due"})
    if due_on < today or due_on > today + dt.timedelta(days=MAX_DUE_DAYS_AHEAD):
        raise ValidationError({"due_on": "The due date must be from today to a year ahead"})
    if complaint.learning_actions.count() >= 50:
        raise ValidationError({"action": "A complaint can have up to 50 learning actions"})
    item = LearningAction.objects.create(complaint=complaint, action=action, owner=owner, due_on=due_on,
                                         created_at=timezone.now(), created_by=_actor(by))
    audit_record(by=by, action="create", target=item, summary=f"Learning action on {complaint.reference}",
                 owner=owner.pk)
    return item


@transaction.atomic
def learning_action_complete(*, item: LearningAction, note: str, by: Any) -> LearningAction:
    """Mark a learning action done (its owner or the complaints team); done once only."""
    if not (can_handle_complaints(by) or getattr(by, "pk", None) == item.owner_id):
        raise PermissionDenied("Only the action's owner or the complaints team can complete it")
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": "Must be 500 characters or fewer"})
    now = timezone.now()
    if LearningAction.objects.filter(pk=item.pk, done_at__isnull=True).update(
            done_at=now, done_by=_actor(by), done_note=note) != 1:
        raise ValidationError("This action has already been marked as done", code="stale")
    item.refresh_from_db()
    audit_record(by=by, action="update", target=item, summary=f"Learning action done on {item.complaint.reference}")
    return item


@transaction.atomic
def complaint_record_ombudsman(*, complaint: Complaint, decision: str, notes: str, by: Any) -> Complaint:
    """Record what the Ombudsman decided about a complaint that went to them (once, after our final word)."""
    _require_handler(by)
    if decision not in OmbudsmanDecision.values:
        raise ValidationError({"decision": "Choose what the Ombudsman decided"})
    notes = (notes or "").strip()
    if len(notes) > MAX_TEXT:
        raise ValidationError({"notes": f"Must be {MAX_TEXT:,} characters or fewer"})
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.ombudsman_decision:
        raise ValidationError("The Ombudsman's decision is already recorded", code="invalid_transition")
    if not complaint.stages.filter(responded_on__isnull=False).exists():
        raise ValidationError("Record the Ombudsman's decision once we have responded", code="invalid_transition")
    complaint.ombudsman_decision, complaint.ombudsman_notes = decision, notes
    complaint.ombudsman_recorded_at, complaint.modified_by = timezone.now(), _actor(by)
    complaint.save(update_fields=["ombudsman_decision", "ombudsman_notes", "ombudsman_recorded_at", "modified_by",
                                  "modified_at"])
    audit_record(by=by, action="update", target=complaint, summary="Ombudsman decision recorded", decision=decision)
    return complaint


def is_open_status(case: Case) -> bool:
    return case.status != Status.CLOSED
