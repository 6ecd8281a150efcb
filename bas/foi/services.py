"""Writes for FOI and EIR requests. Each is keyword-only, atomic, with an explicit actor, and works the
request's case through the engine's services (oxtom/cases/services): the engine keeps the queue, the
clock (any-UK calendar, restart on clarification, extensions), tasks, the follow-on review and its
different-officer rule; this module keeps the FOI record and its rules.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from oxtom.accounts.models import Team
from oxtom.accounts.permissions import Permission
from oxtom.cases import services as cases
from oxtom.cases.models import Case, Decision, Service
from oxtom.cases.models import Outcome as CaseOutcome
from oxtom.core.audit import audit_record
from oxtom.core.calendar import add_working_days
from oxtom.core.hygiene import clean_free_text
from oxtom.customers import services as customers
from oxtom.customers.models import Channel, Customer

from . import extract, rules
from .models import (
    Allocation, Attachment, DatasetFlag, Exemption, FoiRequest, InternalReview, Outcome, PersonalDataHit,
    PublishedResponse, Regime, REFUSALS, Stage,
)

logger = logging.getLogger(__name__)

SERVICE_CODE = "foi-eir-request"
REVIEW_SERVICE_CODE = "foi-eir-internal-review"
TEAM_SLUG = "information-governance"
MAX_REQUEST_CHARS = 20_000
MAX_RESPONSE_CHARS = 100_000
MAX_NOTE_CHARS = 5_000
MAX_ATTACHMENTS = 20
MAX_REVIEW_GROUNDS = 2_000  # the engine's follow-on reason limit: said up front rather than found out later
ICO = "the Information Commissioner's Office (ico.org.uk, 0303 123 1113)"


def rights_text(request: FoiRequest, *, sent_on: dt.date) -> str:
    """The right to an internal review (online, by a date) and to complain to the ICO, for the response message.

    A requester with an email address gets a signed link that works without an account (review_link); one
    who gave only a postal address is pointed to the signed-in page, which a letter can spell out.
    """
    from django.urls import reverse

    from oxtom.core.links import absolute_url

    link = review_link(request, sent_on=sent_on)
    if link:
        how = f"Ask online at {link} (no account or sign-in needed; the link works until that date)"
    else:
        how = (f"Ask online at {absolute_url(reverse('foi:review', kwargs={'reference': request.case.reference}))} "
               "(sign in with this email address)")
    return (f"If you are unhappy with this response you may ask for an internal review by "
            f"{rules.review_asked_by(sent_on):%-d %B %Y} ({rules.REVIEW_WINDOW_WORKING_DAYS} working days from "
            f"today). {how}, or reply to this message quoting "
            f"your reference. If you are still unhappy after the review you may complain to {ICO}.")


# --- the review link: asking for an internal review without an account ---------------------------------

REVIEW_LINK_SALT = "bas.foi.review-link"
# The link's own bound: longer than any 40-working-day window (Christmas and Easter included), so an old
# link dies even if the dates it carries were somehow wrong. The window itself is the rule (below).
REVIEW_LINK_MAX_AGE = dt.timedelta(days=100)
BAD_LINK = "bad"
EXPIRED_LINK = "expired"


def _email_mark(email: str) -> str:
    """Binds a link to the requester's email without putting the address in the URL (a keyed hash)."""
    from django.utils.crypto import salted_hmac

    return salted_hmac(f"{REVIEW_LINK_SALT}.email", email.strip().lower()).hexdigest()[:32]


def review_link_token(request: FoiRequest, *, sent_on: dt.date) -> str:
    """A signed token (salted for this purpose) naming the request's reference, a mark of the requester's email
    and the day we sent the response; '' when the requester gave no email address."""
    from django.core import signing

    customer = request.case.customer
    if customer is None or not customer.email:
        return ""
    return signing.dumps({"r": request.case.reference, "e": _email_mark(customer.email), "d": sent_on.isoformat()},
                         salt=REVIEW_LINK_SALT, compress=True)


def review_link(request: FoiRequest, *, sent_on: dt.date) -> str:
    from django.urls import reverse

    from oxtom.core.links import absolute_url

    token = review_link_token(request, sent_on=sent_on)
    return absolute_url(reverse("foi:review_link", kwargs={"token": token})) if token else ""


def request_from_review_link(token: str, *, on: dt.date | None = None) -> FoiRequest:
    """The answered request a review link names, or ValidationError (code BAD_LINK or EXPIRED_LINK).

    Bad: not signed by us with this salt, altered, malformed, or naming a request whose requester's email is
    no longer the one it was sent to. Expired: past the 40 working days from the day we sent the response
    (rules.review_asked_by, the rule the signed-in page keeps). Neither says anything about the request.
    """
    from django.core import signing
    from django.utils.crypto import constant_time_compare

    bad = ValidationError("This link is not valid", code=BAD_LINK)
    try:
        value = signing.loads(str(token)[:500], salt=REVIEW_LINK_SALT, max_age=REVIEW_LINK_MAX_AGE)
        reference, mark, sent_on = str(value["r"])[:20], str(value["e"]), dt.date.fromisoformat(str(value["d"]))
    except signing.SignatureExpired:
        raise ValidationError("This link has expired", code=EXPIRED_LINK) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError):
        raise bad from None
    request = (FoiRequest.objects.select_related("case", "case__customer")
               .filter(case__reference=reference).first())
    customer = request.case.customer if request is not None else None
    if (customer is None or not customer.email or request.sent_at is None
            or not constant_time_compare(mark, _email_mark(customer.email))):
        raise bad
    if (on or timezone.localdate()) > rules.review_asked_by(sent_on):
        raise ValidationError("This link has expired", code=EXPIRED_LINK)
    return request


# --- who may do what ---------------------------------------------------------------------------------


def foi_team() -> Team:
    return Team.objects.get(slug=TEAM_SLUG)


_STAFF_ANSWER = "_foi_staff_answer"


def is_foi_staff(user: Any) -> bool:
    """FOI work is for people with the FOI permission who work the information governance queue.

    Asked about three times a page (the view, the selector, the staff navigation's `visible` rule), so the
    answer is kept on the user object for its lifetime: one request's `request.user`, loaded afresh by
    the next request, so a change of role or team counts from the next page on. The cache holds the
    user's pk beside the answer, so an object reused for someone else asks again.
    """
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    known = getattr(user, _STAFF_ANSWER, None)
    if known is not None and known[0] == user.pk:
        return known[1]
    answer = _foi_staff(user)
    try:
        setattr(user, _STAFF_ANSWER, (user.pk, answer))
    except AttributeError:  # an object that takes no attributes: just ask each time
        pass
    return answer


def _foi_staff(user: Any) -> bool:
    if user.has_role("administrator"):
        return True
    if not user.has_permission(Permission.FOI_WORK):
        return False
    team = Team.objects.filter(slug=TEAM_SLUG).only("pk").first()
    return team is not None and cases.can_take_cases(user, team.pk)


def can_approve(user: Any) -> bool:
    return is_foi_staff(user) and (user.has_permission(Permission.FOI_APPROVE) or user.has_role("administrator"))


def _require_staff(by: Any) -> None:
    if not is_foi_staff(by):
        raise PermissionDenied("You cannot work on FOI requests")


def _text(value: Any, *, field: str, required: str = "", max_length: int = MAX_NOTE_CHARS) -> str:
    text = clean_free_text(str(value or "")).strip() if value else ""
    if required and not text:
        raise ValidationError({field: required})
    if len(text) > max_length:
        raise ValidationError({field: f"Must be {max_length:,} characters or fewer"})
    return text


def _lock(request: FoiRequest) -> FoiRequest:
    return FoiRequest.objects.select_for_update(of=("self",)).select_related("case", "case__service").get(
        pk=request.pk)


def _case(request: FoiRequest) -> Case:
    return Case.objects.select_related("service", "team", "customer").get(pk=request.case_id)


def _tell_requester(request: FoiRequest, *, key: str, subject: str, message: str, by: Any) -> None:
    """A message to the requester through the outbox (email, or a letter when they gave only an address)."""
    case = request.case
    customer = case.customer
    if customer is None:
        return
    try:
        from oxtom.notify.services import notification_queue

        with transaction.atomic():
            notification_queue(
                customer=customer, template="generic-update", by=by, idempotency_key=f"foi:{request.pk}:{key}",
                channel="email" if customer.email else "letter",
                context={"name": request.requester_name, "subject": subject, "message": message,
                         "reference": case.reference})
    except (ImportError, LookupError, ValueError, DatabaseError) as exc:
        logger.warning("foi %s: message %s not queued (%s)", request.pk, key, type(exc).__name__)


# --- receiving a request ------------------------------------------------------------------------------


def _requester(*, name: str, email: str, address_line_1: str, town: str, postcode: str, by: Any,
               channel: str) -> Customer:
    if getattr(by, "is_authenticated", False) and not by.can_enter_staff_area:
        return customers.customer_ensure_for_user(user=by, by=by)
    from oxtom.customers.selectors import find_possible_duplicates

    if email:
        match = next(iter(find_possible_duplicates(email=email, limit=1)), None)
        if match is not None:
            return match
    first, _, last = name.partition(" ")
    data = {"first_name": first[:100], "last_name": (last or "-")[:100]}
    if email:
        data.update(email=email, preferred_channel="email")
    else:
        data.update(address_line_1=address_line_1, town=town, postcode=postcode, preferred_channel="post")
    actor = by if getattr(by, "is_authenticated", False) else None
    return customers.customer_create(data=data, by=actor, channel=channel, allow_duplicate=True)


def _check_requester_details(*, name: str, email: str, address_line_1: str, postcode: str) -> None:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter your name: the law asks for a real name to answer a request"
    elif len(name) > 200:
        errors["name"] = "Name must be 200 characters or fewer"
    if not email and not (address_line_1 and postcode):
        errors["email"] = "Enter an email address, or a postal address for the reply"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def foi_request_make(*, name: str, email: str = "", address_line_1: str = "", town: str = "", postcode: str = "",
                     request_text: str, by: Any, submission_key: str = "", channel: str = Channel.WEB,
                     received_on: dt.date | None = None, regime: str = Regime.FOI) -> FoiRequest:
    """A request made online by anyone (no account needed), or logged by staff from an email or letter.

    Staff pass `received_on`: the statutory clock runs from the day it reached the council. The
    requester is matched to their customer record by email (or created); a double submit makes one
    request (the engine's submission key). The acknowledgement gives the reference and the due date.
    """
    name = " ".join(_text(name, field="name", max_length=400).split())
    email = (email or "").strip()
    address_line_1, town, postcode = ((v or "").strip()[:100] for v in (address_line_1, town, postcode))
    request_text = _text(request_text, field="request_text", max_length=MAX_REQUEST_CHARS,
                         required="Describe the information you want")
    if len(request_text) < 10:
        raise ValidationError({"request_text": "Describe the information you want in a sentence or more"})
    _check_requester_details(name=name, email=email, address_line_1=address_line_1, postcode=postcode)
    if regime not in Regime.values:
        raise ValidationError({"regime": "Choose FOI or EIR"})
    staff = getattr(by, "is_authenticated", False) and by.can_enter_staff_area
    if received_on is not None:
        if not staff:
            raise PermissionDenied("Only staff can log a request with its received date")
        _require_staff(by)
        if received_on > timezone.localdate():
            raise ValidationError({"received_on": "The date received must be today or in the past"})
        if received_on < timezone.localdate() - dt.timedelta(days=366):
            raise ValidationError({"received_on": "The date received must be within the last year"})
    elif staff and channel != Channel.WEB:
        received_on = timezone.localdate()
    service = Service.objects.get(code=SERVICE_CODE)
    existing = FoiRequest.objects.filter(case__submission_key=submission_key).first() if submission_key else None
    if existing is not None:
        raise cases.DuplicateSubmission(existing.case)
    try:
        customer = _requester(name=name, email=email, address_line_1=address_line_1, town=town, postcode=postcode,
                              by=by, channel=channel)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages[0]}) from None
    received_at = None
    if received_on is not None:
        received_at = timezone.make_aware(dt.datetime.combine(received_on, dt.time(9, 0)))
    case = cases.case_create(
        service=service, customer=customer, answers={"request": request_text[:2000], "regime": regime},
        channel=channel, by=by if getattr(by, "is_authenticated", False) else None,
        title="Information request", received_at=received_at, submission_key=submission_key)
    request = FoiRequest.objects.create(case=case, regime=regime, request_text=request_text, requester_name=name,
                                        received_on=received_on or timezone.localdate())
    due = case.due_at
    _tell_requester(request, key="ack", by=None, subject=f"Your information request {case.reference}",
                    message=(f"We received your request on {request.received_on:%-d %B %Y}. We will reply by "
                             f"{due:%-d %B %Y}, 20 working days after the day we received it. If we need to "
                             "clarify what you are asking for we will contact you, and the 20 days start again "
                             "from your answer."))
    audit_record(by=by if getattr(by, "is_authenticated", False) else None, action="create", target=request,
                 summary=f"FOI request {case.reference} received", channel=channel, regime=regime)
    return request


# --- triage and the clock ----------------------------------------------------------------------------


@transaction.atomic
def foi_triage(*, request: FoiRequest, valid: bool, regime: str, topic: str = "", names_in_scope: str = "",
               note: str = "", already_published: PublishedResponse | None = None, by: Any) -> FoiRequest:
    """Is it a valid request, is it already published, which regime: then work starts on the case."""
    _require_staff(by)
    request = _lock(request)
    if request.stage not in (Stage.TRIAGE, Stage.CLARIFICATION):
        raise ValidationError("This request has already been triaged")
    if regime not in Regime.values:
        raise ValidationError({"regime": "Choose FOI or EIR"})
    request.topic = _text(topic, field="topic", max_length=80)
    request.names_in_scope = _text(names_in_scope, field="names_in_scope", max_length=5000)
    request.triage_note = _text(note, field="note")
    request.valid = bool(valid)
    request.regime = regime
    request.already_published = already_published
    case = _case(request)
    if not valid:
        request.save()
        audit_record(by=by, action="update", target=request, summary="Triaged: not valid as it stands")
        return request
    if case.status in ("new", "accepted"):
        cases.case_start_work(case=case, note="Triaged as a valid request", expected_version=case.version, by=by)
    if already_published is not None:
        request.outcome = Outcome.PUBLISHED
        request.response_text = (f"The information you asked for is already published in our disclosure log, "
                                 f"reference {already_published.reference}: {already_published.title}.")
        request.stage = Stage.DRAFTING
    else:
        request.stage = Stage.COLLECTING
    request.save()
    audit_record(by=by, action="update", target=request, summary="Triaged as valid", regime=regime,
                 already_published=getattr(already_published, "reference", ""))
    return request


@transaction.atomic
def foi_set_regime(*, request: FoiRequest, regime: str, reason: str, by: Any) -> FoiRequest:
    """Environmental information is EIR: the co-ordinator may move a request between the regimes."""
    _require_staff(by)
    request = _lock(request)
    if not request.is_open:
        raise ValidationError("The response has been sent: the regime can no longer change")
    if regime not in Regime.values:
        raise ValidationError({"regime": "Choose FOI or EIR"})
    if regime == request.regime:
        raise ValidationError({"regime": f"This request is already handled under the {Regime(regime).label}"})
    reason = _text(reason, field="reason", required="Enter why the regime is changing")
    previous, request.regime = request.regime, regime
    request.save(update_fields=["regime"])
    case = _case(request)
    cases.case_add_note(case=case, text=f"Regime changed to {Regime(regime).label}: {reason}",
                        expected_version=case.version, by=by)
    audit_record(by=by, action="update", target=request, summary="Regime changed", previous=previous, regime=regime)
    return request


@transaction.atomic
def foi_ask_clarification(*, request: FoiRequest, question: str, by: Any) -> FoiRequest:
    """Ask the requester what they mean: the clock stops, and their answer starts it again from day one."""
    _require_staff(by)
    request = _lock(request)
    if not request.is_open or request.stage == Stage.AWAITING_APPROVAL:
        raise ValidationError("Clarification can be asked only while the request is being worked")
    question = _text(question, field="question", required="Enter what you need the requester to clarify")
    case = _case(request)
    if case.status == "new":
        case = cases.case_accept(case=case, expected_version=case.version, by=by)
    cases.case_request_information(case=case, request_text=question, expected_version=case.version, by=by)
    request.stage = Stage.CLARIFICATION
    request.save(update_fields=["stage"])
    return request


@transaction.atomic
def foi_clarification_received(*, request: FoiRequest, details: str, by: Any) -> FoiRequest:
    """The requester answered (by email or letter, logged by staff): the 20 working days start again today."""
    _require_staff(by)
    request = _lock(request)
    case = _case(request)
    if case.status != "awaiting_customer":
        raise ValidationError("We are not waiting for a clarification on this request")
    details = _text(details, field="details", required="Enter what the requester said")
    cases.case_information_received(case=case, details=details, expected_version=case.version, by=by)
    request.stage = Stage.COLLECTING if request.valid else Stage.TRIAGE
    request.request_text = f"{request.request_text}\n\nClarification: {details}"[:MAX_REQUEST_CHARS + MAX_NOTE_CHARS]
    request.save(update_fields=["stage", "request_text"])
    return request


@transaction.atomic
def foi_extend(*, request: FoiRequest, reason: str, by: Any) -> FoiRequest:
    """FOI: a public-interest extension (20 more working days). EIR: up to 40 working days from the start.

    Recorded on the case through the engine (which tells the requester the new date and why).
    """
    _require_staff(by)
    request = _lock(request)
    if not request.is_open:
        raise ValidationError("The response has been sent: it can no longer be extended")
    reason = _text(reason, field="reason", required="Enter why more time is needed")
    if request.regime == Regime.FOI and not request.exemptions.exists():
        raise ValidationError({"reason": "A public interest extension needs a qualified exemption under "
                                         "consideration: record the exemption first"})
    case = _case(request)
    new_due = rules.extended_due(regime=request.regime, clock_started_on=cases_clock_start(case),
                                 current_due=case.due_at)
    what = ("Extended to 40 working days (EIR regulation 7): " if request.regime == Regime.EIR
            else "Public interest test extension (FOIA section 10(3)): ")
    cases.case_extend(case=case, new_due=new_due, reason=what + reason, expected_version=case.version, by=by)
    request.extension_reason = reason
    request.save(update_fields=["extension_reason"])
    return request


def cases_clock_start(case: Case) -> dt.date:
    from oxtom.cases import clock

    return clock.clock_start(case)


# --- collecting the information -----------------------------------------------------------------------


@transaction.atomic
def foi_allocate(*, request: FoiRequest, team: Team, asked: str, due_on: dt.date, by: Any) -> Allocation:
    """Ask the service that holds the information: a task on the case, due before the statutory date."""
    _require_staff(by)
    request = _lock(request)
    if request.stage not in (Stage.COLLECTING, Stage.DRAFTING):
        raise ValidationError("Triage the request before asking services for the information")
    asked = _text(asked, field="asked", required="Enter what the service needs to provide", max_length=2000)
    case = _case(request)
    if due_on is None:
        raise ValidationError({"due_on": "Enter when the service must reply by"})
    if due_on >= case.due_at:
        raise ValidationError({"due_on": f"The service must reply before the statutory date, "
                                         f"{case.due_at:%-d %B %Y}, to leave time for the response"})
    task = cases.case_task_add(case=case, title=f"{team.name}: {asked}"[:200], due_on=due_on, by=by)
    allocation = Allocation.objects.create(request=request, team=team, task=task, asked=asked)
    audit_record(by=by, action="create", target=allocation, summary=f"Allocated to {team.name}",
                 case=case.reference)
    return allocation


@transaction.atomic
def foi_allocation_received(*, allocation: Allocation, information: str, by: Any) -> Allocation:
    _require_staff(by)
    information = _text(information, field="information", required="Enter what the service provided",
                        max_length=MAX_RESPONSE_CHARS)
    cases.case_task_complete(task=allocation.task, by=by)
    allocation.information = information
    allocation.save(update_fields=["information"])
    _all_in(allocation.request)
    audit_record(by=by, action="update", target=allocation, summary="Information received from the service")
    return allocation


def _all_in(request: FoiRequest) -> None:
    """Every service has replied: the request moves on to drafting."""
    request = _lock(request)
    if request.stage == Stage.COLLECTING and not request.allocations.filter(task__done_at__isnull=True).exists():
        request.stage = Stage.DRAFTING
        request.save(update_fields=["stage"])


# --- the holding service's side -----------------------------------------------------------------------


def holds_allocation_team(user: Any, team_id: int | None) -> bool:
    """An officer of the holding service's team (a member with case work there): the people asked."""
    if not (team_id and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return False
    return cases.is_team_member(user, team_id) and user.has_team_permission(Permission.CASE_WORK, team_id)


def holds_task(user: Any, task: Any) -> bool:
    """The engine's question (owners.register_task_holder): is `task` an allocation asked of `user`'s team?"""
    team_id = Allocation.objects.filter(task_id=getattr(task, "pk", None)).values_list("team_id", flat=True).first()
    return holds_allocation_team(user, team_id)


def request_text_for_holder(request: FoiRequest) -> str:
    """What the holding service reads of the request: its words, with the requester's name taken out (the
    service needs what is asked, never who asks: FOI is applicant-blind)."""
    return _strip_requester(request)


@transaction.atomic
def foi_allocation_reply(*, allocation: Allocation, information: str, by: Any, data: bytes | None = None,
                         filename: str = "") -> Allocation:
    """The holding service marks its allocation done with the information (a note, a file, or both).

    The engine task is marked done by them (once: a second reply is refused), the co-ordinator reads the
    reply and opens the file on the FOI case page, and when every service has replied the request moves to
    drafting. The file is checked by its bytes as response attachments are (PDF, DOCX, XLSX or CSV).
    """
    if not holds_allocation_team(by, allocation.team_id):
        raise PermissionDenied("Only the service this was asked of can reply to it")
    allocation = Allocation.objects.select_for_update(of=("self",)).select_related("task__case", "request", "team").get(
        pk=allocation.pk)
    if allocation.task.done_at is not None:
        raise ValidationError("This has already been marked as done: nothing was changed")
    if allocation.request.stage not in (Stage.COLLECTING, Stage.DRAFTING):
        raise ValidationError("The FOI team no longer needs this: the response has moved on. Contact them "
                              "if you still have information for it")
    information = _text(information, field="information", max_length=MAX_RESPONSE_CHARS)
    found = None
    if data:
        try:
            found = extract.extract(data, filename=filename)
        except extract.Rejected as exc:
            raise ValidationError({"file": str(exc)}) from None
    if not information and found is None:
        raise ValidationError({"information": "Enter the information, or a note of where it is, or attach a file"})
    cases.case_task_complete(task=allocation.task, by=by)
    allocation.information = information
    allocation.replied_by, allocation.replied_at = by, timezone.now()
    fields = ["information", "replied_by", "replied_at"]
    if found is not None:
        base = re.sub(r"[^\w.\- ]", "", (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:80].strip()
        stem = (base.rsplit(".", 1)[0] if "." in base else base) or "information"
        allocation.filename = f"{stem}.{found.kind}"
        allocation.content_type, allocation.size = found.content_type, len(data)
        allocation.file.save("reply", ContentFile(data), save=False)
        fields += ["file", "filename", "content_type", "size"]
    allocation.save(update_fields=fields)
    _all_in(allocation.request)
    audit_record(by=by, action="update", target=allocation, summary=f"{allocation.team.name} replied to an FOI "
                                                                    f"allocation on {allocation.task.case.reference}",
                 case=allocation.task.case.reference, file=bool(found), chars=len(information))
    return allocation


_FOI_SECTION = re.compile(r"^(?:s|sec|section)\.?\s*(\d{2})((?:\(\w{1,3}\))*)$", re.IGNORECASE)
_EIR_REGULATION = re.compile(r"^(?:r|reg|regulation)\.?\s*(1[23])((?:\(\w{1,3}\))*)$", re.IGNORECASE)
ABSOLUTE_SECTIONS = {21, 23, 32, 34, 40, 41, 44}  # no public interest test (FOIA s2(3))


def normalise_provision(regime: str, provision: str) -> tuple[str, bool]:
    """("section 40(2)", absolute?) from "s40(2)"; EIR exceptions as "regulation 12(5)(e)". ValueError if not one."""
    text = " ".join((provision or "").split())
    if regime == Regime.EIR:
        match = _EIR_REGULATION.match(text)
        if not match:
            raise ValueError("Enter an EIR exception like regulation 12(4)(b) or regulation 13")
        return f"regulation {match.group(1)}{match.group(2).lower()}", match.group(1) == "13"
    match = _FOI_SECTION.match(text)
    if not match or not 21 <= int(match.group(1)) <= 44:
        raise ValueError("Enter an FOI exemption from section 21 to section 44, like section 40(2)")
    return f"section {match.group(1)}{match.group(2).lower()}", int(match.group(1)) in ABSOLUTE_SECTIONS


@transaction.atomic
def foi_exemption_add(*, request: FoiRequest, provision: str, public_interest: str, by: Any) -> Exemption:
    _require_staff(by)
    request = _lock(request)
    if not request.is_open or request.stage == Stage.AWAITING_APPROVAL:
        raise ValidationError("Exemptions can be recorded only while the response is being drafted")
    try:
        provision, absolute = normalise_provision(request.regime, provision)
    except ValueError as exc:
        raise ValidationError({"provision": str(exc)}) from None
    public_interest = _text(public_interest, field="public_interest")
    if not absolute and not public_interest:
        raise ValidationError({"public_interest": f"{provision[:1].upper()}{provision[1:]} is qualified: record the "
                                                  "public interest test (for and against disclosure)"})
    if request.exemptions.filter(provision=provision).exists():
        raise ValidationError({"provision": f"{provision} is already recorded on this request"})
    exemption = Exemption.objects.create(request=request, provision=provision, public_interest=public_interest,
                                         applied_by=by, applied_at=timezone.now())
    audit_record(by=by, action="create", target=exemption, summary=f"Exemption {provision} recorded")
    return exemption


# --- the response -------------------------------------------------------------------------------------


def _hours(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({"estimated_hours": "Enter the hours as a number, like 22.5"}) from None
    if hours < 0 or hours > 10_000:
        raise ValidationError({"estimated_hours": "Enter the hours from 0 to 10,000"})
    return hours


@transaction.atomic
def foi_refuse(*, request: FoiRequest, ground: str, reasons: str, by: Any, estimated_hours: Any = None) -> FoiRequest:
    """A refusal notice: over the cost limit (£450 at £25 an hour, 18 hours), vexatious, or repeated."""
    _require_staff(by)
    request = _lock(request)
    if request.stage not in (Stage.TRIAGE, Stage.COLLECTING, Stage.DRAFTING):
        raise ValidationError("A refusal can be drafted only while the request is being worked")
    if ground not in REFUSALS:
        raise ValidationError({"ground": "Choose why the request is refused"})
    reasons = _text(reasons, field="reasons", required="Enter the reasons for the refusal")
    hours = _hours(estimated_hours)
    if ground == Outcome.COST:
        if hours is None:
            raise ValidationError({"estimated_hours": "Enter the estimated hours to find and extract the information"})
        if not rules.over_cost_limit(hours):
            raise ValidationError({"estimated_hours": (
                f"{hours} hours at £{rules.HOURLY_RATE_POUNDS} an hour is £{rules.estimated_cost(hours)}, within the "
                f"£{rules.COST_LIMIT_POUNDS} limit ({rules.COST_LIMIT_HOURS:g} hours): the request must be answered")})
        notice = (f"We estimate it would take {hours} hours to find and extract this information, costing "
                  f"£{rules.estimated_cost(hours)} at £{rules.HOURLY_RATE_POUNDS} an hour, which is over the "
                  f"appropriate limit of £{rules.COST_LIMIT_POUNDS} (section 12). {reasons} If you narrow your "
                  "request, for example to a shorter period, we may be able to answer it.")
    elif ground == Outcome.VEXATIOUS:
        law = "regulation 12(4)(b)" if request.regime == Regime.EIR else "section 14(1)"
        notice = f"We are refusing this request as {'manifestly unreasonable' if request.regime == Regime.EIR else 'vexatious'} ({law}). {reasons}"
    else:
        notice = f"We are refusing this request as it repeats one we have already answered (section 14(2)). {reasons}"
    request.outcome, request.estimated_hours, request.response_text = ground, hours, notice
    request.drafted_by, request.drafted_at, request.stage = by, timezone.now(), Stage.DRAFTING
    request.publish = False
    request.not_published_reason = request.not_published_reason or "Refusal notice: nothing to publish"
    if request.valid is None:
        request.valid = True
    request.save()
    case = _case(request)
    if case.status in ("new", "accepted"):
        cases.case_start_work(case=case, note="Refusal drafted", expected_version=case.version, by=by)
    audit_record(by=by, action="update", target=request, summary=f"Refusal drafted: {Outcome(ground).label}")
    return request


@transaction.atomic
def foi_draft_save(*, request: FoiRequest, outcome: str, response_text: str, by: Any) -> FoiRequest:
    _require_staff(by)
    request = _lock(request)
    if request.stage not in (Stage.COLLECTING, Stage.DRAFTING):
        raise ValidationError("Triage the request before drafting the response" if request.stage == Stage.TRIAGE
                              else "The response can no longer be changed")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose the outcome"})
    request.response_text = _text(response_text, field="response_text", required="Enter the response",
                                  max_length=MAX_RESPONSE_CHARS)
    request.outcome = outcome
    request.drafted_by, request.drafted_at, request.stage = by, timezone.now(), Stage.DRAFTING
    request.save()
    audit_record(by=by, action="update", target=request, summary="Response drafted")
    return request


@transaction.atomic
def foi_attachment_add(*, request: FoiRequest, data: bytes, filename: str, by: Any) -> Attachment:
    _require_staff(by)
    request = _lock(request)
    if request.stage not in (Stage.COLLECTING, Stage.DRAFTING):
        raise ValidationError("Attachments can be added only while the response is being drafted")
    if request.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"file": f"A response can have up to {MAX_ATTACHMENTS} attachments"})
    try:
        found = extract.extract(data, filename=filename)
    except extract.Rejected as exc:
        raise ValidationError({"file": str(exc)}) from None
    base = re.sub(r"[^\w.\- ]", "", (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:80].strip() or "attachment"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    attachment = Attachment(request=request, filename=f"{stem}.{found.kind}", content_type=found.content_type,
                            size=len(data), text=found.text, uploaded_by=by, uploaded_at=timezone.now())
    attachment.file.save("upload", ContentFile(data), save=False)
    attachment.save()
    audit_record(by=by, action="create", target=attachment, summary=f"Attachment added to {request.case.reference}")
    return attachment


def _digest(request: FoiRequest) -> str:
    parts = [request.response_text, request.names_in_scope]
    parts += [f"{a.pk}:{a.text}" for a in request.attachments.order_by("id")]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def check_is_current(request: FoiRequest) -> bool:
    return bool(request.checked_digest) and request.checked_digest == _digest(request)


@transaction.atomic
def foi_check_personal_data(*, request: FoiRequest, by: Any) -> int:
    """Scan the draft and every attachment; returns how many things now need a decision.

    Earlier decisions on the same finding in the same document stand (a cleared name stays cleared).
    """
    _require_staff(by)
    request = _lock(request)
    if not request.response_text:
        raise ValidationError("Draft the response before checking it")
    names = rules.names_from(request.names_in_scope) + rules.names_from(request.requester_name)
    decided = {(h.attachment_id, h.kind, h.found.casefold()): h for h in request.hits.exclude(state="open")}
    request.hits.filter(state="open").delete()
    fresh = []
    sources = [(None, request.response_text)] + [(a, a.text) for a in request.attachments.all()]
    seen: set = set()
    for attachment, text in sources:
        for hit in rules.scan(text, names=names):
            key = (getattr(attachment, "pk", None), hit.kind, hit.found.casefold())
            if key in decided or key in seen or hit.found == rules.REDACTED:
                continue
            seen.add(key)
            fresh.append(PersonalDataHit(request=request, attachment=attachment, kind=hit.kind, found=hit.found,
                                         context=hit.context))
    PersonalDataHit.objects.bulk_create(fresh)
    request.checked_digest = _digest(request)
    request.save(update_fields=["checked_digest"])
    audit_record(by=by, action="update", target=request, summary="Personal data check run", found=len(fresh))
    return len(fresh)


@transaction.atomic
def foi_hit_decide(*, hit: PersonalDataHit, action: str, by: Any, note: str = "") -> PersonalDataHit:
    """Redact a finding (everywhere it appears in that document) or clear it to be disclosed, with a note."""
    _require_staff(by)
    request = _lock(hit.request)
    hit = PersonalDataHit.objects.select_for_update().get(pk=hit.pk)
    if request.stage not in (Stage.COLLECTING, Stage.DRAFTING):
        raise ValidationError("The response is no longer being drafted")
    if hit.state != PersonalDataHit.State.OPEN:
        raise ValidationError("This finding has already been decided")
    note = _text(note, field="note", max_length=500)
    if action == "redact":
        if hit.attachment_id:
            attachment = hit.attachment
            attachment.text = rules.redact(attachment.text, hit.found)
            attachment.save(update_fields=["text"])
        else:
            request.response_text = rules.redact(request.response_text, hit.found)
            request.save(update_fields=["response_text"])
        hit.state = PersonalDataHit.State.REDACTED
    elif action == "clear":
        if not note:
            raise ValidationError({"note": "Say why this can be disclosed (for example, a senior officer's "
                                           "name in their public role)"})
        hit.state = PersonalDataHit.State.CLEARED
    else:
        raise ValidationError({"action": "Choose redact or clear"})
    hit.decided_by, hit.decided_at, hit.note = by, timezone.now(), note
    hit.save(update_fields=["state", "decided_by", "decided_at", "note"])
    # A redaction changes only what was already checked: the check still stands for the new text.
    if request.checked_digest:
        request.checked_digest = _digest(request)
        request.save(update_fields=["checked_digest"])
    audit_record(by=by, action="update", target=hit, summary=f"Personal data {hit.state}", kind=hit.kind)
    return hit


@transaction.atomic
def foi_set_publication(*, request: FoiRequest, publish: bool, reason: str, by: Any) -> FoiRequest:
    _require_staff(by)
    request = _lock(request)
    if request.stage in (Stage.SENT, Stage.CLOSED):
        raise ValidationError("The response has been sent: publication has been decided")
    reason = _text(reason, field="reason")
    if not publish and not reason:
        raise ValidationError({"reason": "Enter why this response is not going in the disclosure log"})
    request.publish, request.not_published_reason = bool(publish), "" if publish else reason
    request.save(update_fields=["publish", "not_published_reason"])
    audit_record(by=by, action="update", target=request, summary="Publication decided", publish=bool(publish))
    return request


def approval_blockers(request: FoiRequest) -> list[str]:
    """What stops the response being approved (empty when it can be)."""
    problems = []
    if not request.response_text or not request.outcome:
        problems.append("Draft the response and choose its outcome")
    if request.outcome in (Outcome.PARTLY, Outcome.WITHHELD) and not request.exemptions.exists():
        problems.append("Record the exemptions or exceptions that withhold information")
    if request.allocations.filter(task__done_at__isnull=True).exists():
        problems.append("Some services have not yet provided their information")
    if not check_is_current(request):
        problems.append("Run the personal data check on the latest draft and attachments")
    elif request.hits.filter(state="open").exists():
        problems.append("Redact or clear every personal data finding")
    if not request.publish and not request.not_published_reason:
        problems.append("Say why the response is not being published")
    return problems


@transaction.atomic
def foi_submit_for_approval(*, request: FoiRequest, by: Any) -> FoiRequest:
    _require_staff(by)
    request = _lock(request)
    if request.stage != Stage.DRAFTING:
        raise ValidationError("Only a drafted response can go for approval")
    problems = approval_blockers(request)
    if problems:
        raise ValidationError(problems)
    request.stage = Stage.AWAITING_APPROVAL
    request.save(update_fields=["stage"])
    audit_record(by=by, action="update", target=request, summary="Response sent for approval")
    return request


@transaction.atomic
def foi_return_to_draft(*, request: FoiRequest, reason: str, by: Any) -> FoiRequest:
    """The approver sends the draft back with what to change."""
    if not can_approve(by):
        raise PermissionDenied("Only an Access and Disclosure officer can approve or return responses")
    request = _lock(request)
    if request.stage != Stage.AWAITING_APPROVAL:
        raise ValidationError("This response is not waiting for approval")
    reason = _text(reason, field="reason", required="Enter what needs to change")
    request.stage = Stage.DRAFTING
    request.save(update_fields=["stage"])
    case = _case(request)
    cases.case_add_note(case=case, text=f"Returned for changes: {reason}", expected_version=case.version, by=by)
    audit_record(by=by, action="update", target=request, summary="Response returned for changes")
    return request


_DECISIONS = {Outcome.GRANTED: Decision.APPROVED, Outcome.PARTLY: Decision.APPROVED,
              Outcome.PUBLISHED: Decision.APPROVED, Outcome.NOT_HELD: Decision.NO_ACTION}


@transaction.atomic
def foi_approve(*, request: FoiRequest, by: Any) -> FoiRequest:
    """Approve and send: by an Access and Disclosure officer who did not draft it. The requester gets the
    response with their right to an internal review and to complain to the ICO; it goes in the log
    unless the co-ordinator recorded why not."""
    if not can_approve(by):
        raise PermissionDenied("Only an Access and Disclosure officer can approve responses")
    request = _lock(request)
    if request.stage != Stage.AWAITING_APPROVAL:
        raise ValidationError("This response is not waiting for approval")
    if request.drafted_by_id == getattr(by, "pk", None):
        raise PermissionDenied("You drafted this response, so another officer must approve it")
    problems = approval_blockers(request)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    case = _case(request)
    decision = _DECISIONS.get(request.outcome, Decision.REFUSED)
    summary = Outcome(request.outcome).label
    if request.exemptions.exists():
        summary += ". Withheld under " + ", ".join(e.provision for e in request.exemptions.all())
    case = cases.case_decide(case=case, decision=decision, reasons=summary, expected_version=case.version, by=by)
    request.approved_by, request.approved_at, request.sent_at = by, now, now
    request.answered_in_time = timezone.localdate() <= case.due_at
    request.stage = Stage.SENT
    request.save()
    attachments = list(request.attachments.all())
    extra = (f"\n\nAttached: {', '.join(a.filename for a in attachments)}." if attachments else "")
    _tell_requester(request, key="response", by=by, subject=f"Response to your information request {case.reference}",
                    message=f"{request.response_text}{extra}\n\n{rights_text(request, sent_on=timezone.localdate())}")
    if request.publish:
        _publish(request)
    cases.case_close(case=case, outcome=CaseOutcome.COMPLETED, note="Response sent", expected_version=case.version,
                     by=by)
    audit_record(by=by, action="update", target=request, summary="Response approved and sent",
                 in_time=request.answered_in_time, published=request.publish)
    return request


def _publish(request: FoiRequest) -> PublishedResponse:
    attachment_text = "\n\n".join(f"{a.filename}\n{a.text}" for a in request.attachments.all())
    # The topic the co-ordinator gave, never the request's own words (they may name people).
    title = request.topic or f"{Regime(request.regime).name} request {request.case.reference}"
    asked = _strip_requester(request)  # searching the log for a requester's name must find nothing
    entry = PublishedResponse.objects.create(
        request=request, reference=request.case.reference, regime=request.regime, title=title[:200],
        topic=request.topic, request_text=asked, response_text=request.response_text,
        attachment_text=attachment_text, outcome=request.outcome, published_on=timezone.localdate(),
        search_document=search_document(title, asked, request.response_text, attachment_text))
    return entry


def _strip_requester(request: FoiRequest) -> str:
    """The request as published: the requester's own name never appears in the log."""
    text = request.request_text
    for name in rules.names_from(request.requester_name) + rules.names_from(request.names_in_scope):
        text = rules.redact(text, name)
    return text


def search_document(*parts: str) -> str:
    return "\n".join(p for p in parts if p)[:1_000_000]


# --- internal review ---------------------------------------------------------------------------------


def review_refusal(request: FoiRequest, *, on: dt.date | None = None) -> str:
    """Why the requester cannot ask for an internal review of `request` online now ("" when they can).

    One review per request, asked after the response is sent and within the ICO's 40 working days
    (rules.review_asked_by). Staff logging a review received by post or email are not held to the window.
    """
    if request.stage not in (Stage.SENT, Stage.CLOSED) or request.sent_at is None:
        return "You can ask for an internal review once we have sent our response"
    first = request.reviews.select_related("case").first()
    if first is not None:
        return (f"You have already asked for an internal review of this request ({first.case.reference}). "
                f"If you are unhappy with its result you may complain to {ICO}.")
    last_day = review_window_ends(request)
    if (on or timezone.localdate()) > last_day:
        return (f"The time to ask for an internal review ended on {last_day:%-d %B %Y}, "
                f"{rules.REVIEW_WINDOW_WORKING_DAYS} working days after our response. If there was a good reason "
                f"for the delay, reply to our response and we will consider it; you may also complain to {ICO}.")
    return ""


def review_window_ends(request: FoiRequest) -> dt.date | None:
    if request.sent_at is None:
        return None
    return rules.review_asked_by(timezone.localdate(request.sent_at))


@transaction.atomic
def foi_review_open(*, request: FoiRequest, grounds: str, by: Any, online: bool = False, on_behalf_of: bool = False,
                    submission_key: str = "", by_link: bool = False) -> InternalReview:
    """An internal review: a follow-on case, 20 working days, decided by someone not involved.

    Staff open one for a request received by email or post. `online=True`: the requester asks from
    their request's page (`by` is their own account, or an adviser acting for them): the review
    window, one review per request and the submission key (a double submit opens one) apply, and the
    engine refuses a request that is not theirs. Either way it lands in the FOI team's queue and the
    requester is told the reference and the date they will hear by.

    `by_link=True` (with `online`): a requester with no account asking from the signed review link
    (request_from_review_link, which the page checked); nobody signed in acts (`by` is None), and the same
    window, one-review and submission-key rules apply.
    """
    if by_link:
        online, on_behalf_of, by = True, False, None
    if not online:
        _require_staff(by)
    key = (submission_key or "").strip()[:64]
    if online and key:
        twin = InternalReview.objects.select_related("case").filter(case__submission_key=key).first()
        if twin is not None:
            raise cases.DuplicateSubmission(twin.case)
    request = _lock(request)
    if online:
        refusal = review_refusal(request)
        if refusal:
            raise ValidationError(refusal, code="invalid_transition")
    elif request.stage not in (Stage.SENT, Stage.CLOSED):
        raise ValidationError("An internal review can be opened only after the response has been sent")
    required = "Tell us why you are unhappy with our response" if online else "Enter what the requester is unhappy with"
    grounds = _text(grounds, field="grounds", required=required,
                    max_length=MAX_REVIEW_GROUNDS if online else MAX_NOTE_CHARS)
    service = Service.objects.get(code=REVIEW_SERVICE_CODE)
    case = _case(request)
    try:
        if online:
            child = cases.case_open_follow_on_for_customer(
                parent=case, service=service, reason=grounds, by=by, title="Internal review",
                on_behalf_of=on_behalf_of, channel=Channel.WEB, submission_key=key, by_link=by_link)
        else:
            child = cases.case_open_follow_on(parent=case, service=service, reason=grounds, by=by,
                                              title="Internal review", channel=Channel.EMAIL)
    except cases.DuplicateSubmission:
        raise
    except ValidationError as exc:
        raise ValidationError({"grounds": exc.messages[0]}) from None
    review = InternalReview.objects.create(request=request, case=child, grounds=grounds)
    _tell_requester(request, key=f"review:{review.pk}:ack", by=by,
                    subject=f"Internal review of {case.reference}",
                    message=(f"We have opened an internal review of our response (reference {child.reference}). "
                             f"Someone not involved in the original response will reply by {child.due_at:%-d %B %Y} "
                             f"(within {rules.REVIEW_WORKING_DAYS} working days)."))
    audit_record(by=by, action="create", target=review, summary=f"Internal review {child.reference} asked for",
                 online=online, on_behalf_of=on_behalf_of, by_link=by_link)
    return review


def involved_in(request: FoiRequest) -> set[int]:
    people = {request.drafted_by_id, request.approved_by_id, request.case.assignee_id, request.case.decided_by_id}
    return {p for p in people if p}


@transaction.atomic
def foi_review_decide(*, review: InternalReview, result: str, reasons: str, by: Any) -> InternalReview:
    if not can_approve(by):
        raise PermissionDenied("Only an Access and Disclosure officer can decide internal reviews")
    review = InternalReview.objects.select_for_update(of=("self",)).select_related("request__case", "case").get(pk=review.pk)
    if review.result:
        raise ValidationError("This review has already been decided")
    if getattr(by, "pk", None) in involved_in(review.request):
        raise PermissionDenied("You were involved in the original response, so another officer must decide the "
                               "review")
    if result not in InternalReview.Result.values:
        raise ValidationError({"result": "Choose the review's result"})
    reasons = _text(reasons, field="reasons", required="Enter the reasons for the review's result")
    case = Case.objects.select_related("service").get(pk=review.case_id)
    if case.status in ("new", "accepted"):
        case = cases.case_start_work(case=case, expected_version=case.version, by=by)
    decision = Decision.APPROVED if result != InternalReview.Result.UPHELD else Decision.NO_ACTION
    case = cases.case_decide(case=case, decision=decision, reasons=reasons, expected_version=case.version, by=by)
    review.result, review.reasons, review.decided_by, review.decided_at = result, reasons, by, timezone.now()
    review.save()
    request = review.request
    _tell_requester(request, key=f"review:{review.pk}:result", by=by,
                    subject=f"Internal review of {request.case.reference}",
                    message=(f"{InternalReview.Result(result).label}. {reasons}\n\nIf you are still unhappy you may "
                             "complain to the Information Commissioner's Office (ico.org.uk, 0303 123 1113)."))
    cases.case_close(case=case, outcome=CaseOutcome.COMPLETED, note="Review decided", expected_version=case.version,
                     by=by)
    audit_record(by=by, action="update", target=review, summary="Internal review decided", result=result)
    return review


# --- publication scheme --------------------------------------------------------------------------------


@transaction.atomic
def foi_dataset_flag(*, title: str, reason: str, by: Any, request: FoiRequest | None = None) -> DatasetFlag:
    _require_staff(by)
    title = _text(title, field="title", required="Enter the dataset's name", max_length=200)
    reason = _text(reason, field="reason", required="Enter why it should be published routinely")
    flag = DatasetFlag.objects.create(title=title, reason=reason, request=request, flagged_by=by,
                                      flagged_at=timezone.now())
    audit_record(by=by, action="create", target=flag, summary="Dataset flagged for proactive publication")
    return flag


def review_due(received_on: dt.date) -> dt.date:
    return add_working_days(received_on, rules.REVIEW_WORKING_DAYS, rules.CALENDAR)
