"""Writes to applications and entitlements: submit, decide, pay, issue, renew, change, reconsider.

Every service is keyword-only, atomic and takes the acting user as `by=`;
each records the audit event and the customer's timeline entry itself, and
queues customer messages through the notify outbox inside its transaction
(so a rolled-back decision sends nothing).

Decisions: the rules (rules.py) approve, refer or refuse. Approval with no
fee issues at once; with a fee the application waits for payment and the
payments app calls `on_application_payment_success` when the provider
confirms it (from the return page or the sweeper: issued once either way).
Referrals become casework cases in the service's team queue; officers decide
through `application_decide`. A share of automatic approvals (the case
service's `qa_sample_rate`) is recorded as a closed case with a pending
QaCheck, so team leaders spot-check the rules' work like an officer's.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import secrets
import warnings
from typing import Any, Iterable, Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from oxtom.core.actors import actor as _actor
from oxtom.core.audit import audit_record
from oxtom.core.links import absolute_reverse
from oxtom.core.references import random_code
from oxtom.core.versioning import lock_current, save_versioned
from oxtom.customers.models import Channel, Customer, Interaction
from oxtom.customers.services import interaction_record

from . import rules
from .models import Application, ApplicationEvidence, ApplicationService, Entitlement

logger = logging.getLogger(__name__)

MAX_ANSWERS_CHARS = 20_000
MAX_TEXT = 5000
MAX_EVIDENCE_FILES = 10
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
_IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}

A = Application.Status


class ApplicationError(ValidationError):
    """A request we will not carry out; the message is written for the person who asked."""


class StaleApplicationError(ApplicationError):
    def __init__(self) -> None:
        super().__init__("Someone else changed this application while you were looking at it. Nothing has been "
                         "saved: check the latest details and try again.", code="stale")


# --- helpers -------------------------------------------------------------------------------------

def _new_code(prefix: str, model, field: str) -> str:
    while True:
        code = random_code(8, prefix=f"{prefix}-")
        if not model.objects.filter(**{field: code}).exists():
            return code


def _on_behalf(customer: Customer, by: Any) -> bool:
    """An adviser or officer acting for the customer, rather than the customer themselves."""
    return _actor(by) is not None and customer.user_id != by.pk


def _timeline(customer: Customer, *, kind: str, summary: str, by: Any, subject, reference: str,
              channel: str = Channel.SYSTEM, direction: str = Interaction.Direction.OUTBOUND) -> None:
    interaction_record(customer=customer, kind=kind, summary=summary, channel=channel, direction=direction,
                       by=by, on_behalf_of=_on_behalf(customer, by), subject=subject, subject_reference=reference)


def _link(name: str, arg: str) -> str:
    return absolute_reverse(name, arg)


def application_link(application: Application) -> str:
    return _link("apply:application", application.reference)


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _notify(customer: Customer, *, template: str, context: dict, by: Any, key: str) -> None:
    from oxtom.notify.services import notification_queue

    notification_queue(customer=customer, template=template, context={"name": customer.display_name, **context},
                       by=by, idempotency_key=key)


def _lock(application: Application, version: int | None = None) -> Application:
    # Lock only the application row: PostgreSQL refuses FOR UPDATE on the nullable side of the case join.
    return lock_current(Application.objects.select_related("service", "customer", "case"), application.pk, version,
                        stale=StaleApplicationError, check=version is not None)


def _save(application: Application, fields: list[str], by: Any) -> None:
    """Conditional UPDATE on the version we read, bumping it (the lock holds even without row locks)."""
    save_versioned(application, fields, by=by, stale=StaleApplicationError)


# --- evidence ------------------------------------------------------------------------------------

def evidence_check(upload: Any) -> tuple[bytes, str, str]:
    """(content, content type, extension) for an evidence file, judged by its bytes alone.

    Accepts a file already checked by the journey (anything with `.content`:
    oxtom.core.uploads.CheckedImage or a checked PDF), an uploaded file, or
    bytes. PDFs need their header and trailer; images must be JPEG, PNG or
    WebP that Pillow can verify. Unchecked uploads of images are re-encoded by
    oxtom.core.uploads.image_check (drops metadata and anything hidden).
    """
    from PIL import Image

    from oxtom.core.uploads import ImageRejected, document_check

    pre_checked = isinstance(getattr(upload, "content", None), (bytes, bytearray))
    if pre_checked:
        data = bytes(upload.content)
    elif isinstance(upload, (bytes, bytearray)):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if isinstance(size, int) and size > MAX_EVIDENCE_BYTES:
            raise ApplicationError("Each file must be smaller than 10MB")
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(MAX_EVIDENCE_BYTES + 1)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ApplicationError("Each file must be smaller than 10MB")
    if not data:
        raise ApplicationError("The selected file is empty")
    if not pre_checked or data.lstrip()[:5] == b"%PDF-":
        try:
            checked = document_check(data, max_bytes=MAX_EVIDENCE_BYTES)
        except ImageRejected as exc:
            raise ApplicationError(str(exc)) from None
        return checked.content, checked.content_type, checked.extension
    # An image the journey already checked and re-encoded: verify it again, without re-encoding it twice.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            probe.verify()
    except Exception:  # Pillow raises many types for broken files; all mean "not an image we accept"
        raise ApplicationError("The selected file must be a JPG, PNG, WebP or PDF") from None
    if fmt not in _IMAGE_FORMATS:
        raise ApplicationError("The selected file must be a JPG, PNG, WebP or PDF")
    content_type, extension = _IMAGE_FORMATS[fmt]
    return data, content_type, extension


def _checked_evidence(evidence: Iterable) -> list[tuple[str, bytes, str, str]]:
    items = list(evidence or ())
    if len(items) > MAX_EVIDENCE_FILES:
        raise ApplicationError(f"Send at most {MAX_EVIDENCE_FILES} files")
    checked = []
    for item in items:
        try:
            kind, upload = item
        except (TypeError, ValueError):
            raise ApplicationError("Evidence must say what each file is") from None
        if kind not in ApplicationEvidence.Kind.values:
            raise ApplicationError("Choose what each file is from the list")
        checked.append((kind, *evidence_check(upload)))
    return checked


def _save_evidence(application: Application, checked: list[tuple[str, bytes, str, str]],
                   stored: list[str]) -> list[ApplicationEvidence]:
    """Store the files and their rows; each stored file's name goes into `stored` as soon as it is written."""
    rows = []
    for kind, content, content_type, extension in checked:
        row = ApplicationEvidence(application=application, kind=kind, token=secrets.token_hex(16),
                                  content_type=content_type, size=len(content))
        row.file.save(f"evidence.{extension}", ContentFile(content), save=False)
        stored.append(row.file.name)
        row.save()
        rows.append(row)
    return rows


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # the original error matters more; an orphan file is only logged
            logger.exception("Could not delete evidence file %s after a failed submission", name)


# --- submit ----------------------------------------------------------------------------------------

def _facts(service: ApplicationService, answers: dict, previous: Entitlement | None) -> dict | None:
    """Look-ups for the rules, leaving out the entitlement a renewal or change replaces."""
    found = rules.rules_for(service.code)
    if found is None or not found.household_limit or found.facts is None:
        return None
    _household_lock(service, rules.address_key(answers))
    return found.facts(service, answers, None, excluding=previous)


def _household_lock(service: ApplicationService, key: str) -> None:
    """Hold one household's permit decisions to one transaction at a time, until it commits.

    Counting the household's permits and then adding one is a read-then-write:
    two applications from the same address at the same moment would both see
    room under the limit. There may be no row to lock yet (the first permit),
    so PostgreSQL takes a transaction-scoped advisory lock on the household;
    SQLite needs nothing, as every transaction there starts IMMEDIATE (one
    writer at a time, see settings).
    """
    if not key or connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"household:{service.pk}:{key}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def _clean_answers(answers: Any) -> dict:
    if not isinstance(answers, dict):
        raise ApplicationError("Answers must be a set of questions and replies")
    try:
        size = len(json.dumps(answers, default=str))
    except (TypeError, ValueError):
        raise ApplicationError("Answers must be plain text, numbers and dates") from None
    if size > MAX_ANSWERS_CHARS:
        raise ApplicationError(f"Answers must be {MAX_ANSWERS_CHARS:,} characters or fewer in all")
    return json.loads(json.dumps(answers, default=str))


def _result_messages(result: rules.RuleResult, service: ApplicationService) -> list[str]:
    labels = {q.code: q.label for q in rules.questions(service)}
    return [*result.errors.values(), *(f"Answer the question: {labels.get(code, code)}"
                                       for code in result.questions_missing)]


@transaction.atomic
def application_submit(
    *,
    service: ApplicationService,
    customer: Customer,
    answers: dict,
    evidence: Iterable = (),
    channel: str,
    by: Any,
    submission_key: str,
    kind: str = Application.Kind.NEW,
    previous_entitlement: Entitlement | None = None,
    today: dt.date | None = None,
) -> Application:
    """Submit an application, run the rules and act on the decision; returns the application.

    approve: issues at once when there is nothing to pay, else waits for
    payment (`awaiting_payment`); refer: a case in the service's team queue
    with all answers and evidence; refuse: reasons, the reconsideration route
    and signposting. The decision is queued to the customer. The same
    `submission_key` again returns the first application and does nothing.
    Bad answers, missing evidence or unacceptable files raise ApplicationError
    and save nothing.
    """
    if not isinstance(submission_key, str) or not 1 <= len(submission_key) <= 64:
        raise ApplicationError("Something went wrong with the form: start again")
    existing = Application.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if existing.customer_id != customer.pk or existing.service_id != service.pk:
            raise ApplicationError("Something went wrong with the form: start again")
        return existing
    if not service.is_active:
        raise ApplicationError(f"{service.name} applications are closed")
    if customer.merged_into_id is not None:
        raise ApplicationError("This customer record was merged into another: use the current record")
    if channel not in Channel.values:
        raise ApplicationError("Choose how the application reached us")
    if kind not in Application.Kind.values or kind == Application.Kind.RECONSIDERATION:
        raise ApplicationError("Choose what kind of application this is")
    if previous_entitlement is not None and (previous_entitlement.customer_id != customer.pk
                                             or previous_entitlement.service_id != service.pk):
        raise ApplicationError("That permit, badge or pass is not yours to renew or change")
    if kind in (Application.Kind.RENEWAL, Application.Kind.CHANGE, Application.Kind.REPLACEMENT) \
            and previous_entitlement is None:
        raise ApplicationError("Say which permit, badge or pass this is for")
    answers = _clean_answers(answers)
    today = today or timezone.localdate()
    # A change of circumstances carries complete answers: the record may still hold the old address.
    source = None if kind == Application.Kind.CHANGE else customer
    answers = rules.prefilled(service, answers, source)
    result = rules.evaluate(service, answers, customer=source, today=today,
                            facts=_facts(service, answers, previous_entitlement), kind=kind)
    if not result.is_complete:
        raise ApplicationError(_result_messages(result, service))
    checked = _checked_evidence(evidence)
    if kind == Application.Kind.NEW:
        missing = rules.required_evidence_missing(service, [c[0] for c in checked])
        if missing:
            raise ApplicationError(missing)

    now = timezone.now()
    fee = 0 if kind == Application.Kind.CHANGE else result.fee_pence
    try:
        with transaction.atomic():
            application = Application.objects.create(
                reference=_new_code("AP", Application, "reference"), service=service, customer=customer,
                submitted_by=_actor(by), channel=channel, kind=kind,
                answers=answers, status=A.SUBMITTED, fee_pence=fee,
                details=result.details, previous_entitlement=previous_entitlement, submission_key=submission_key,
                submitted_at=now, created_by=_actor(by), modified_by=_actor(by),
            )
    except IntegrityError:
        # A double click raced us to the same key: theirs is the application.
        return Application.objects.get(submission_key=submission_key)
    stored: list[str] = []
    try:
        _save_evidence(application, checked, stored)
        audit_record(by=by, action="create", target=application, summary=f"{service.name} application submitted",
                     reference=application.reference, kind=kind, channel=channel, outcome=result.outcome)
        _timeline(customer, kind="application.submitted", summary=f"{service.name}: application "
                  f"{application.reference} sent", by=by, subject=application, reference=application.reference,
                  channel=channel, direction=Interaction.Direction.INBOUND)

        if result.outcome == rules.APPROVE:
            _approve(application, reasons=result.reasons, by=None, automatic=True)
        elif result.outcome == rules.REFER:
            _refer(application, reasons=result.reasons, by=by)
        else:
            note = _refused_change(application, previous_entitlement, today=today, by=by)
            _refuse(application, reasons=result.reasons, by=None, automatic=True, note=note)
        application.refresh_from_db()
    except Exception:
        _delete_files(stored)  # the rows roll back with the transaction; the files must go too
        raise
    return application


def _refused_change(application: Application, previous: Entitlement | None, *, today: dt.date, by: Any) -> str:
    """What a refused change of circumstances means for the permit it was about; words for the refusal.

    A refused new vehicle leaves the permit as it was (the old vehicle is
    still covered). A refused new address cannot leave it valid for a home
    the holder has left, so it is revoked from today, with the council's
    refund rule (config `refund_policy`) or where to ask about one.
    """
    found = rules.rules_for(application.service.code)
    if application.kind != Application.Kind.CHANGE or previous is None \
            or found is None or not found.revoke_on_refused_move:
        return ""
    old = Entitlement.objects.select_for_update(of=("self",)).get(pk=previous.pk)
    if old.status != Entitlement.Status.ACTIVE:
        return ""
    held = old.details or {}
    new_key = (application.details or {}).get("address_key")
    if not new_key or new_key == held.get("address_key"):
        return (f"Your permit {old.number} stays as it was: it still covers "
                f"{held.get('vehicle_registration') or 'your vehicle'} until {_date(old.expires_on)}.")
    where = ", ".join(p for p in (held.get("address_line_1"), held.get("postcode")) if p) or "your old address"
    reason = (f"Ended on {_date(today)}: the holder no longer lives at {where} and the change of address "
              f"({application.reference}) was not approved.")
    now = timezone.now()
    Entitlement.objects.filter(pk=old.pk, status=Entitlement.Status.ACTIVE).update(
        status=Entitlement.Status.REVOKED, version=F("version") + 1, modified_at=now, modified_by=_actor(by),
        details={**held, "revoked_on": today.isoformat(), "revoked_reason": reason})
    service = application.service
    audit_record(by=by, action="update", target=old, summary=f"{service.name} {old.number} revoked: holder moved",
                 application=application.reference, revoked_on=today.isoformat(), reason=reason)
    _timeline(application.customer, kind="entitlement.revoked",
              summary=f"{service.name} {old.number} ended: no longer lives at {where}", by=by, subject=old,
              reference=old.number)
    if old.payment_agreement_id:  # nothing more is taken with the saved card for a permit that has ended
        transaction.on_commit(lambda: payment_agreements_release(by=None))
    policy = (service.config or {}).get("refund_policy")
    from .refunds import term_payment

    paid = term_payment(old) is not None  # the payment for the term in force (a renewal's own, not the first's)
    if paid and application.case_id is None:
        _refund_case(application, old, by=by)
    refund = (policy.strip() if isinstance(policy, str) and policy.strip() else
              "We will refund the unused part of its charge to the card you paid with, and tell you when we "
              "have." if paid else "")
    return (f"Because you no longer live at {where}, your permit {old.number} for that address has ended "
            f"today and can no longer be used. {refund + ' ' if refund else ''}If you move to an address in a permit zone, you can "
            "apply for a permit there.")


def _refund_case(application: Application, ended: Entitlement, *, by: Any) -> None:
    """A case in the team's queue for the refund of a paid permit that ended early, so an officer sees it
    and refunds from this application's page (applications.refunds); refunding closes it.

    An application whose own case is still open keeps it (the officer sees the refund on the same page);
    one whose case was decided or closed gets the refund case as a follow-on of it (the engine links both).
    """
    from oxtom.cases.models import Status as CaseStatus
    from oxtom.cases.services import case_create

    parent = application.case
    if parent is not None and parent.status not in (CaseStatus.CLOSED, CaseStatus.DECIDED):
        return
    service = application.service
    case = case_create(
        service=service.case_service, customer=application.customer, channel=application.channel, by=by,
        answers={"application": application.reference, "kind": application.kind, "answers": application.answers,
                 "rule_reasons": [f"{ended.number} ended early: a refund of the unused term is due"],
                 "details": application.details, "evidence": [], "refund_for": ended.number},
        title=f"Refund due: {service.name} {ended.number} ended early"[:200], parent=parent,
    )
    application.case = case
    _save(application, ["case"], by)


def _approve(application: Application, *, reasons: list[str], by: Any, automatic: bool) -> None:
    application.status = A.AWAITING_PAYMENT if application.fee_pence > 0 else A.APPROVED
    application.reasons = reasons
    application.decided_automatically = automatic
    application.decided_at = timezone.now()
    application.decided_by = _actor(by)
    _save(application, ["status", "reasons", "decided_automatically", "decided_at", "decided_by"], by)
    service = application.service
    audit_record(by=by, action="update", target=application, summary=f"Application approved"
                 f"{' automatically' if automatic else ''}", reference=application.reference)
    _timeline(application.customer, kind="application.approved",
              summary=f"{service.name}: application {application.reference} approved", by=by,
              subject=application, reference=application.reference)
    if automatic:
        _qa_sample(application)
    if application.fee_pence > 0:
        _notify(application.customer, template="application-decision", by=by,
                key=f"application:{application.pk}:decision:approved", context={
                    "service": service.name_in_sentence, "reference": application.reference,
                    "headline": f"approved, pay {application.fee_display} to get it",
                    "message": " ".join(reasons) + f" Pay {application.fee_display} online to have it "
                               "issued straight away.",
                    "link": application_link(application)})
    else:
        _issue_for(application, by=by)


def _newer_terms(entitlement: Entitlement) -> Iterator[Entitlement]:
    """The entitlements that superseded this one in turn (each renewal or replacement), oldest first: one
    query a link, and a chain gains one link a year."""
    while entitlement.superseded_by_id is not None:
        entitlement = entitlement.superseded_by
        yield entitlement


def _issue_for(application: Application, *, by: Any) -> Entitlement:
    """Issue what an approved application earns: a first issue, a renewal term, or a changed replacement.

    Renewals and replacements act on the newest entitlement in the chain (it
    may have been renewed since the application was made); a renewal of one
    that lapsed is a fresh term from today, so nothing paid for is left
    unissued. (A renewal whose permit was cancelled or revoked never gets here:
    application_paid refunds it instead, see renewal_stopped.)
    """
    previous = application.previous_entitlement
    if previous is None or application.kind not in (Application.Kind.RENEWAL, Application.Kind.CHANGE,
                                                    Application.Kind.REPLACEMENT):
        return entitlement_issue(application=application, by=by)
    latest = previous
    for latest in _newer_terms(previous):
        if latest.application_id == application.pk:
            return latest  # this application already renewed or replaced it
    if application.kind == Application.Kind.RENEWAL:
        if latest.status in (Entitlement.Status.ACTIVE, Entitlement.Status.EXPIRED):
            return entitlement_renew(entitlement=latest, application=application, by=by)
        return entitlement_issue(application=application, by=by)
    if latest.status != Entitlement.Status.ACTIVE:
        return entitlement_issue(application=application, by=by)
    return _replace(application, latest, by=by)


def _refer(application: Application, *, reasons: list[str], by: Any) -> None:
    from oxtom.cases.models import Priority
    from oxtom.cases.services import case_create

    service = application.service
    evidence = [{"kind": e.kind, "token": e.token, "content_type": e.content_type, "size": e.size}
                for e in application.evidence.all()]
    priority = int(application.details.get("priority") or Priority.NORMAL)
    case = case_create(
        service=service.case_service, customer=application.customer, channel=application.channel, by=by,
        answers={"application": application.reference, "kind": application.kind, "answers": application.answers,
                 "rule_reasons": reasons, "details": application.details, "evidence": evidence},
        title=f"{service.name} application {application.reference}"[:200], priority=priority,
        # Blue badge and disabled bus pass answers are health information (UK GDPR special category).
        special_category=rules.is_special_category(service),
    )
    application.case = case
    application.status = A.REFERRED
    application.reasons = reasons
    _save(application, ["case", "status", "reasons"], by)
    audit_record(by=by, action="update", target=application, summary="Application referred to an officer",
                 reference=application.reference, case=case.reference)
    _timeline(application.customer, kind="application.referred",
              summary=f"{service.name}: application {application.reference} is with an officer", by=by,
              subject=application, reference=application.reference)
    fast = " We deal with these first." if priority == Priority.URGENT else ""
    _notify(application.customer, template="application-decision", by=by,
            key=f"application:{application.pk}:decision:referred", context={
                "service": service.name_in_sentence, "reference": application.reference,
                "headline": "an officer will look at it",
                "message": f"{' '.join(reasons)}{fast} We will tell you our decision by {_date(case.due_at)}.",
                "link": application_link(application)})


def _refuse(application: Application, *, reasons: list[str], by: Any, automatic: bool, note: str = "") -> None:
    application.status = A.REFUSED
    application.reasons = reasons
    application.decided_automatically = automatic
    application.decided_at = timezone.now()
    application.decided_by = _actor(by)
    _save(application, ["status", "reasons", "decided_automatically", "decided_at", "decided_by"], by)
    service = application.service
    audit_record(by=by, action="update", target=application, summary="Application refused",
                 reference=application.reference, automatic=automatic)
    _timeline(application.customer, kind="application.refused",
              summary=f"{service.name}: application {application.reference} not approved", by=by,
              subject=application, reference=application.reference)
    signposting = " ".join(application.details.get("signposting") or [])
    reconsider = ("" if application.kind == Application.Kind.RECONSIDERATION else
                  " If you think we got this wrong, you can ask us to look again from your application page: "
                  "a different officer will reconsider it.")
    _notify(application.customer, template="application-decision", by=by,
            key=f"application:{application.pk}:decision:refused", context={
                "service": service.name_in_sentence, "reference": application.reference, "headline": "not approved",
                "message": " ".join(p for p in (" ".join(reasons), note, reconsider.strip(), signposting) if p),
                "link": application_link(application)})


def _qa_sample(application: Application) -> None:
    """Keep a sampled automatic approval as a closed case with a pending QA check for a team leader.

    The application is the record of the decision (the applicant was told);
    the engine's system path makes the case only when it is sampled, closed
    at once, so it never enters a work queue.
    """
    from oxtom.cases.models import Decision
    from oxtom.cases.services import MAX_TEXT, case_record_rule_decision

    service = application.service
    case = case_record_rule_decision(
        service=service.case_service, customer=application.customer, channel=application.channel,
        title=f"{service.name} application {application.reference} (automatic)"[:200],
        answers={"application": application.reference, "answers": application.answers,
                 "rule_reasons": application.reasons, "details": application.details,
                 "decided_automatically": True},
        decision=Decision.APPROVED,
        reasons=(" ".join(application.reasons) or "Approved automatically by the eligibility rules")[:MAX_TEXT],
        rule=f"{service.code} eligibility rules"[:100], only_if_sampled=True,
    )
    if case is None:
        return
    Application.objects.filter(pk=application.pk).update(case=case)
    application.case = case


# --- payment ----------------------------------------------------------------------------------------

def offers_payment_agreement(application: Application) -> bool:
    """Whether paying for this application can also set up paying its renewals with the same card."""
    return application.fee_pence > 0 and application.service.auto_renew


def application_payment_start(*, application: Application, return_url: str, by: Any, moto: bool = False,
                              set_up_agreement: bool = False):
    """Start (or resume) paying for an approved application; returns payments' PaymentStarted.

    A live payment is handed back rather than a second one created; a paid
    application is refused; after a failed or cancelled attempt a new payment
    (new idempotency key) is started. Not one transaction: payment_create
    talks to the provider, and its idempotency key makes a repeat safe.
    With `set_up_agreement` the payer also agrees that renewals are paid with
    the same card (GOV.UK Pay's recurring payments), where the service renews.
    """
    from oxtom.payments.models import Status as PaymentStatus
    from oxtom.payments.services import PaymentStarted, payment_create

    application = Application.objects.select_related("service", "customer", "payment").get(pk=application.pk)
    payment = application.payment
    if application.fee_pence <= 0:
        raise ApplicationError("There is nothing to pay for this application.")
    if application.status == A.ISSUED or (payment is not None and payment.status == PaymentStatus.SUCCESS):
        raise ApplicationError("This application has already been paid for.")
    if application.status != A.AWAITING_PAYMENT:
        raise ApplicationError("There is nothing to pay for this application.")
    if payment is not None and not payment.is_finished:
        if payment.provider_payment_id:
            return PaymentStarted(payment, payment.next_url)
        key = payment.idempotency_key  # never reached the provider: retry the same payment
    else:
        key = f"application:{application.pk}:pay:{payment.pk if payment is not None else 0}"
    agreement = None
    if set_up_agreement and offers_payment_agreement(application) and not moto:
        from oxtom.payments.services import agreement_create

        agreement = agreement_create(customer=application.customer, by=by, idempotency_key=f"{key}:agreement",
                                     description=f"Renewals of {application.service.name_in_sentence}")
    started = payment_create(
        customer=application.customer, amount_pence=application.fee_pence,
        description=f"{application.service.name} {application.reference}", for_object=application,
        return_url=return_url, by=by, moto=moto, idempotency_key=key, set_up_agreement=agreement,
    )
    with transaction.atomic():
        locked = _lock(application)
        if locked.payment_id != started.payment.pk and locked.status == A.AWAITING_PAYMENT:
            locked.payment = started.payment
            _save(locked, ["payment"], by)
    return started


def application_pay_by_agreement(*, application: Application, by: Any = None):
    """Take a renewal's fee under the payer's saved-card agreement (a YES to the reminder). The payment or None.

    Idempotent (one key per application): a second YES or a retried task never charges twice. Success
    issues through the usual success handler; a decline runs the failure handlers (renewals sends a link).
    """
    from oxtom.payments.models import AgreementStatus
    from oxtom.payments.services import payment_take_by_agreement

    application = Application.objects.select_related("service", "previous_entitlement__payment_agreement").get(
        pk=application.pk)
    previous = application.previous_entitlement
    agreement = previous.payment_agreement if previous is not None else None
    if application.status != A.AWAITING_PAYMENT or agreement is None or agreement.status != AgreementStatus.ACTIVE:
        return None
    payment = payment_take_by_agreement(
        agreement=agreement, amount_pence=application.fee_pence, for_object=application, by=by,
        description=f"{application.service.name} {application.reference}",
        idempotency_key=f"application:{application.pk}:agreement")
    with transaction.atomic():
        locked = _lock(application)
        if locked.payment_id is None and locked.status == A.AWAITING_PAYMENT:
            locked.payment = payment
            _save(locked, ["payment"], by)
    return payment


def payment_agreements_release(*, by: Any = None) -> int:
    """Cancel saved-card agreements whose permit chain has ended (lapsed, expired, revoked). Run daily.

    An agreement stays while any term it pays for is in force or a payment under it is unfinished.
    """
    from oxtom.payments.models import UNFINISHED, AgreementStatus, PaymentAgreement
    from oxtom.payments.services import agreement_cancel

    ended = (PaymentAgreement.objects.filter(status=AgreementStatus.ACTIVE, entitlements__isnull=False)
             .exclude(entitlements__status=Entitlement.Status.ACTIVE)
             .exclude(payments__status__in=UNFINISHED).distinct())
    return sum(agreement_cancel(agreement=agreement, by=by, reason="The permit it paid for has ended")
               for agreement in ended)


def on_application_payment_success(payment: Any, by: Any) -> None:
    """The payments app's success handler for payments whose for_type is an application."""
    application = Application.objects.filter(pk=payment.for_id).first()
    if application is None:
        logger.error("Payment %s succeeded for a missing application", payment.reference)
        return
    application_paid(application=application, payment=payment, by=by)


@transaction.atomic
def application_paid(*, application: Application, payment: Any, by: Any) -> Entitlement | None:
    """A payment for the application succeeded: issue exactly once (later calls return the entitlement)."""
    from oxtom.payments.models import Status as PaymentStatus

    application = _lock(application)
    if application.status == A.ISSUED:
        return _current_entitlement(application)
    if (payment.status != PaymentStatus.SUCCESS or payment.for_type != Application._meta.label_lower
            or str(payment.for_id) != str(application.pk) or payment.amount_pence != application.fee_pence):
        raise ApplicationError("This payment is not a completed payment for this application.")
    stopped = renewal_stopped(application, payment)
    if stopped:
        _renewal_not_made(application, payment, why=stopped, by=by)
        return None
    if application.status != A.AWAITING_PAYMENT:
        raise ApplicationError("This application is not waiting for payment.")
    if application.payment_id != payment.pk:
        application.payment_id = payment.pk
        _save(application, ["payment"], by)
    audit_record(by=by, action="update", target=application, summary=f"Paid {payment.amount_display}",
                 payment=payment.reference)
    entitlement = _issue_for(application, by=by)
    if payment.sets_up_agreement and payment.agreement_id and entitlement.payment_agreement_id != payment.agreement_id:
        # The first payment set up paying renewals with this card: later YES replies take the fee under it.
        Entitlement.objects.filter(pk=entitlement.pk).update(payment_agreement_id=payment.agreement_id)
        entitlement.payment_agreement_id = payment.agreement_id
    return entitlement


# --- a renewal fee that settled after the holder stopped ------------------------------------------------
#
# A renewal's fee taken under the saved-card agreement may settle minutes or hours after the YES (a provider
# outage finished by the sweeper, a payment GOV.UK Pay settles later and tells us by webhook). If by then
# the holder cancelled the permit, an officer revoked it, or the holder stopped the saved card, issuing a new
# term would charge someone who had said stop. So no term is issued and the whole fee goes back to the card
# automatically through the provider: nothing is left for an officer to judge (the amount is everything
# that was taken, for nothing provided), a resident expects the money back without asking, and an officer's
# queue would only delay it. The refund is a row before the provider is asked (payment_refund_owed), sent
# after commit and again by the beat job until the provider answers, under one key, so it is made once.

NOT_RENEWED_KEY = "renewal-not-made"
_NOT_RENEWED_WHY = {
    "cancelled": "You cancelled it before the renewal payment went through, so it has not been renewed.",
    "revoked": "It was ended before the renewal payment went through, so it has not been renewed.",
    "agreement": "You stopped paying with your saved card before the renewal payment went through. "
                 "To renew, pay with the link we have sent you.",
}


def renewal_stopped(application: Application, payment: Any) -> str:
    """Why a renewal's payment must not issue a term: "cancelled", "revoked", "agreement" or "" (issue it).

    The permit chain it renews was cancelled by its holder or revoked, or the fee was taken under a
    saved-card agreement the holder has since cancelled. A lapsed or expired term is not a stop: paying
    for it still renews from today (see _issue_for).
    """
    if application.kind != Application.Kind.RENEWAL or application.previous_entitlement_id is None:
        return ""
    latest = application.previous_entitlement
    for latest in _newer_terms(latest):
        pass
    if latest.status == Entitlement.Status.CANCELLED:
        return "cancelled"
    if latest.status == Entitlement.Status.REVOKED:
        return "revoked"
    if application.status == A.WITHDRAWN:
        return "cancelled"
    if payment.agreement_id and not payment.sets_up_agreement:
        from oxtom.payments.models import AgreementStatus, PaymentAgreement

        if PaymentAgreement.objects.filter(pk=payment.agreement_id, status=AgreementStatus.CANCELLED).exists():
            return "agreement"
    return ""


def _renewal_not_made(application: Application, payment: Any, *, why: str, by: Any) -> None:
    """No term for this payment: owe the whole of it back, say so on the record, refund after commit."""
    from oxtom.payments.services import payment_refund_owed

    previous = application.previous_entitlement
    refund = payment_refund_owed(
        payment=payment, amount_pence=payment.amount_pence, by=by,
        reason=f"Renewal of {previous.number} not made: {why} before the payment went through",
        idempotency_key=f"{NOT_RENEWED_KEY}:{application.pk}:{why}:{payment.pk}")
    if why == "agreement":
        # The permit is still in force and the holder said YES: only the saved card was stopped. The renewal
        # waits for a payment made the usual way (a fresh one; this one is being refunded).
        if application.payment_id == payment.pk:
            application.payment = None
            _save(application, ["payment"], by)
        from .renewals.services import on_agreement_payment_failed_for

        on_agreement_payment_failed_for(application)
    else:
        renewal_withdraw(application, by=by, reason=f"The permit was {why}")
    audit_record(by=by, action="update", target=application,
                 summary=f"Renewal of {previous.number} not made ({why}): {payment.amount_display} to be refunded",
                 payment=payment.reference, refund_id=refund.pk)
    _timeline(application.customer, kind="application.renewal_not_made",
              summary=f"{application.service.name} {previous.number} not renewed: {payment.amount_display} "
                      "paid after it was stopped is being refunded", by=by, subject=application,
              reference=application.reference)
    transaction.on_commit(lambda: renewal_refunds_send(refund_ids=[refund.pk]))


def renewal_withdraw(application: Application, *, by: Any, reason: str) -> bool:
    """Withdraw a renewal that waits for its fee (its permit ended): nothing more is taken or issued for it,
    and its invitation closes, so no reminder or payment link follows. True if withdrawn now."""
    from .renewals.models import RenewalInvitation

    moved = Application.objects.filter(pk=application.pk, kind=Application.Kind.RENEWAL,
                                       status__in=[A.AWAITING_PAYMENT, A.APPROVED]).update(
        status=A.WITHDRAWN, modified_at=timezone.now(), modified_by=_actor(by), version=F("version") + 1)
    application.refresh_from_db()
    RenewalInvitation.objects.filter(application=application, state=RenewalInvitation.State.AWAITING_PAYMENT).update(
        state=RenewalInvitation.State.LAPSED, closed_at=timezone.now())
    if moved:
        audit_record(by=by, action="update", target=application, summary=f"Renewal withdrawn: {reason}"[:200],
                     reference=application.reference)
    return bool(moved)


def renewal_refunds_send(*, refund_ids: list[int] | None = None, limit: int = 200) -> dict[str, int]:
    """Send refunds owed for renewals not made (after commit, then by beat until the provider answers).

    Each is sent under its own key, so a retry refunds once; the holder is told once, when it is made.
    A provider that refuses leaves it in error for an officer, logged and audited.
    """
    from oxtom.payments.models import Refund
    from oxtom.payments.services import PaymentError, payment_refund

    owed = Refund.objects.filter(status=Refund.RefundStatus.SUBMITTED,
                                 idempotency_key__startswith=f"{NOT_RENEWED_KEY}:").select_related("payment")
    if refund_ids is not None:
        owed = owed.filter(pk__in=refund_ids)
    counts = {"refunded": 0, "not_yet": 0}
    for owed_refund in owed.order_by("pk")[:limit]:
        try:
            refund = payment_refund(payment=owed_refund.payment, amount_pence=owed_refund.amount_pence,
                                    reason=owed_refund.reason, by=None, idempotency_key=owed_refund.idempotency_key)
        except PaymentError as exc:
            counts["not_yet"] += 1
            logger.warning("Refund %s for a renewal not made not sent yet: %s", owed_refund.pk, "; ".join(exc.messages))
            continue
        if refund.status != Refund.RefundStatus.SUCCESS:
            counts["not_yet"] += 1
            continue
        counts["refunded"] += 1
        _tell_renewal_refunded(refund)
    return counts


def _tell_renewal_refunded(refund: Any) -> None:
    _, application_id, why, _payment = refund.idempotency_key.split(":", 3)
    application = (Application.objects.select_related("customer", "service", "previous_entitlement")
                   .filter(pk=int(application_id)).first())
    if application is None or application.previous_entitlement is None:
        return
    old = application.previous_entitlement
    from oxtom.core.money import pounds

    _notify(application.customer, template="renewal-refunded", by=None, key=f"refund:{refund.pk}:not-renewed",
            context={"service": application.service.name_in_sentence, "number": old.number,
                     "amount": pounds(refund.amount_pence),
                     "message": f"{_NOT_RENEWED_WHY.get(why, '')} It can take up to 5 working days to reach "
                                "your account.".strip(),
                     "link": _link("apply:entitlement", old.number)})


def applications_reconcile_paid(*, limit: int = 200) -> dict[str, int]:
    """Issue for applications whose payment succeeded but were not issued (the success handler failed).

    Run by beat; safe alongside the payment handler (application_paid locks
    and issues once). Applications that still cannot be issued are logged for staff.
    """
    from oxtom.payments.models import Status as PaymentStatus

    due = list(Application.objects.filter(status=A.AWAITING_PAYMENT, payment__status=PaymentStatus.SUCCESS)
               .select_related("payment").order_by("id")[:limit])
    counts = {"issued": 0, "failed": 0}
    for application in due:
        try:
            application_paid(application=application, payment=application.payment, by=None)
        except ValidationError as exc:
            counts["failed"] += 1
            logger.error("Application %s paid but not issued: %s", application.reference, "; ".join(exc.messages))
        else:
            counts["issued"] += 1
    return counts


def _current_entitlement(application: Application) -> Entitlement | None:
    return Entitlement.objects.filter(application=application).order_by("-starts_on", "-id").first()


# --- issue, renew, replace ------------------------------------------------------------------------------

def renewal_words(service: ApplicationService) -> str:
    """Told at issue (the message and the entitlement page): how it renews, and how to stop it."""
    if not service.auto_renew:
        return ""
    return ("It renews each year by one reply to our reminder if nothing has changed. "
            "To stop it, just do not reply.")


def _notify_issued(entitlement: Entitlement, *, by: Any, message: str = "") -> None:
    link = _link("apply:entitlement", entitlement.number)
    _notify(entitlement.customer, template="entitlement-issued", by=by, key=f"entitlement:{entitlement.pk}:issued",
            context={"service": entitlement.service.name_in_sentence, "number": entitlement.number,
                     "starts_on": _date(entitlement.starts_on), "expires_on": _date(entitlement.expires_on),
                     "message": message or "Keep this message: you may be asked for the number.",
                     "renewal": renewal_words(entitlement.service), "link": link})


def _create_entitlement(application: Application, *, starts_on: dt.date, expires_on: dt.date, details: dict,
                        by: Any, payment_agreement_id: int | None = None) -> Entitlement:
    service = application.service
    return Entitlement.objects.create(
        number=_new_code(service.number_prefix, Entitlement, "number"), service=service,
        customer=application.customer, application=application, status=Entitlement.Status.ACTIVE,
        starts_on=starts_on, expires_on=expires_on, details=details, issued_at=timezone.now(),
        created_by=_actor(by), modified_by=_actor(by), payment_agreement_id=payment_agreement_id,
    )


def _term(starts_on: dt.date, months: int) -> dt.date:
    return rules.add_months(starts_on, months) - dt.timedelta(days=1)


@transaction.atomic
def entitlement_issue(*, application: Application, by: Any, starts_on: dt.date | None = None) -> Entitlement:
    """Issue the permit, badge or pass an approved application earned. Issuing twice gives back the first.

    The application row is locked, so a payment return page and the payment
    sweeper finishing at the same moment issue once between them.
    """
    application = _lock(application)
    if application.status == A.ISSUED:
        existing = _current_entitlement(application)
        if existing is not None:
            return existing
    if application.status not in (A.APPROVED, A.AWAITING_PAYMENT):
        raise ApplicationError("Only an approved application can be issued.")
    service = application.service
    details = dict(application.details or {})
    if starts_on is None:
        planned = details.get("starts_on")
        # A pass applied for early starts on the day it was planned for (e.g. State Pension age).
        starts_on = dt.date.fromisoformat(planned) if planned else timezone.localdate()
    validity = int(details.get("validity_months") or service.validity_months)
    expires_on = _term(starts_on, validity)
    if details.get("expires_by"):
        expires_on = max(starts_on, min(expires_on, dt.date.fromisoformat(details["expires_by"])))
    entitlement = _create_entitlement(application, starts_on=starts_on, expires_on=expires_on, details=details,
                                      by=by)
    application.status = A.ISSUED
    _save(application, ["status"], by)
    audit_record(by=by, action="create", target=entitlement, summary=f"{service.name} {entitlement.number} issued",
                 application=application.reference, expires_on=entitlement.expires_on.isoformat())
    _timeline(application.customer, kind="entitlement.issued",
              summary=f"{service.name} {entitlement.number} issued, valid to {_date(entitlement.expires_on)}",
              by=by, subject=entitlement, reference=entitlement.number)
    _notify_issued(entitlement, by=by)
    return entitlement


@transaction.atomic
def entitlement_renew(*, entitlement: Entitlement, by: Any, application: Application | None = None) -> Entitlement:
    """Renew for a new term from the old expiry; the old one is superseded. Renewing twice gives the same one.

    Without an application (a one-reply renewal) the new term keeps the old
    details; services that may not auto-renew (blue badges) refuse that and
    need a renewal application that re-ran the rules.
    """
    old = Entitlement.objects.select_for_update(of=("self",)).select_related("service", "customer").get(
        pk=entitlement.pk)
    if old.superseded_by_id is not None:
        return old.superseded_by
    service = old.service
    if application is None and not service.auto_renew:
        raise ApplicationError(f"{service.a_name[:1].upper()}{service.a_name[1:]} cannot be renewed automatically: apply again.")
    if old.status not in (Entitlement.Status.ACTIVE, Entitlement.Status.EXPIRED):
        raise ApplicationError(f"This {service.name_in_sentence} has {old.get_status_display().lower()}: apply again.")
    if application is not None:
        application = _lock(application)
        if application.status not in (A.APPROVED, A.AWAITING_PAYMENT) or application.customer_id != old.customer_id:
            raise ApplicationError("Only an approved renewal application can renew this.")
    source = application or old.application
    details = dict(application.details if application is not None else old.details)
    starts_on = max(old.expires_on + dt.timedelta(days=1), timezone.localdate())
    validity = int(details.get("validity_months") or service.validity_months)
    new = _create_entitlement(source, starts_on=starts_on, expires_on=_term(starts_on, validity), details=details,
                              by=by, payment_agreement_id=old.payment_agreement_id)
    now = timezone.now()
    Entitlement.objects.filter(pk=old.pk).update(status=Entitlement.Status.SUPERSEDED, superseded_by=new,
                                                 version=F("version") + 1, modified_at=now, modified_by=_actor(by))
    if application is not None:
        application.status = A.ISSUED
        _save(application, ["status"], by)
    audit_record(by=by, action="create", target=new, summary=f"{service.name} {old.number} renewed as {new.number}",
                 previous=old.number, expires_on=new.expires_on.isoformat())
    _timeline(old.customer, kind="entitlement.renewed",
              summary=f"{service.name} renewed: {new.number}, valid to {_date(new.expires_on)}", by=by,
              subject=new, reference=new.number)
    _notify_issued(new, by=by, message=f"This renews {old.number}.")
    return new


def _replace(application: Application, old: Entitlement, *, by: Any) -> Entitlement:
    """A change of circumstances or replacement: a new number for the rest of the old term."""
    old = Entitlement.objects.select_for_update().get(pk=old.pk)
    if old.superseded_by_id is not None:
        raise ApplicationError("This permit, badge or pass has already been replaced.")
    if old.status != Entitlement.Status.ACTIVE:
        raise ApplicationError("Only a permit, badge or pass in force can be changed or replaced.")
    starts_on = timezone.localdate()
    new = _create_entitlement(application, starts_on=starts_on, expires_on=max(old.expires_on, starts_on
                                                                                + dt.timedelta(days=1)),
                              details=dict(application.details or {}), by=by,
                              payment_agreement_id=old.payment_agreement_id)
    now = timezone.now()
    Entitlement.objects.filter(pk=old.pk).update(status=Entitlement.Status.SUPERSEDED, superseded_by=new,
                                                 version=F("version") + 1, modified_at=now, modified_by=_actor(by))
    application.status = A.ISSUED
    _save(application, ["status"], by)
    service = application.service
    audit_record(by=by, action="create", target=new, summary=f"{service.name} {old.number} replaced by {new.number}",
                 previous=old.number, application=application.reference)
    _timeline(application.customer, kind="entitlement.replaced",
              summary=f"{service.name} {old.number} replaced by {new.number}", by=by, subject=new,
              reference=new.number)
    _notify_issued(new, by=by, message=f"It replaces {old.number}, which can no longer be used.")
    return new


@transaction.atomic
def entitlement_change_circumstances(*, entitlement: Entitlement, changes: dict, by: Any, channel: str) -> Application:
    """Re-run the rules with changed answers (new address, new vehicle); approval replaces the entitlement.

    The same change sent twice returns the first application.
    """
    if not isinstance(changes, dict) or not changes:
        raise ApplicationError("Tell us what has changed")
    entitlement = Entitlement.objects.select_related("service", "customer", "application").get(pk=entitlement.pk)
    digest = hashlib.sha256(json.dumps(changes, sort_keys=True, default=str).encode()).hexdigest()[:16]
    key = f"change:{entitlement.pk}:{digest}"
    existing = Application.objects.filter(submission_key=key, customer=entitlement.customer).first()
    if existing is not None:
        return existing  # the same change sent twice
    if entitlement.status != Entitlement.Status.ACTIVE:
        raise ApplicationError("Only a permit, badge or pass in force can be changed.")
    known = {q.code for q in rules.questions(entitlement.service)}
    unknown = set(changes) - known
    if unknown:
        raise ApplicationError("Only the answers to our questions can be changed")
    vehicle, address = rules.changeable(entitlement.service)
    if ({"address_line_1", "postcode"} & set(changes) and not address) or ("vehicle_registration" in changes
                                                                           and not vehicle):
        raise ApplicationError("Tell us about this change in your contact details, or call us")
    answers = {**(entitlement.application.answers or {}), **changes}
    if {"address_line_1", "postcode"} & set(changes) and "uprn" not in changes:
        answers.pop("uprn", None)  # the old property's reference would outrank the new address
    return application_submit(
        service=entitlement.service, customer=entitlement.customer, answers=answers, channel=channel, by=by,
        submission_key=key, kind=Application.Kind.CHANGE,
        previous_entitlement=entitlement,
    )


# --- officers -------------------------------------------------------------------------------------------

def can_decide(user: Any, application: Application) -> bool:
    """Officers of the case's team (or administrators) decide referred applications."""
    from oxtom.cases.services import can_work_case

    return application.case is not None and can_work_case(user, application.case)


def made_first_decision(user: Any, application: Application) -> bool:
    """Whether `user` decided the application this one reconsiders (they may not decide it again)."""
    original = application.reconsideration_of
    return original is not None and original.decided_by_id is not None and original.decided_by_id == user.pk


@transaction.atomic
def application_decide(*, application: Application, decision: str, reasons: str, by: Any, version: int) -> Application:
    """An officer's decision on a referred application: approve (issue, or ask for payment) or refuse.

    Reasons are required either way (the customer is entitled to know why).
    A reconsideration must be decided by someone other than the officer who
    made the first decision. The case is recorded as decided and closed.
    """
    from oxtom.cases.models import Decision, Outcome, Status
    from oxtom.cases.services import case_assign, case_close, case_decide

    application = _lock(application, version)
    if application.status != A.REFERRED or application.case is None:
        raise ApplicationError("This application has already been decided.", code="decided")
    if not can_decide(by, application):
        raise PermissionDenied("You cannot decide this application")
    if decision not in (rules.APPROVE, rules.REFUSE):
        raise ApplicationError({"decision": "Choose whether to approve or refuse the application"})
    text = (reasons or "").strip() if isinstance(reasons, str) else ""
    if not text:
        raise ApplicationError({"reasons": "Enter the reasons for the decision"})
    if len(text) > MAX_TEXT:
        raise ApplicationError({"reasons": f"The reasons must be {MAX_TEXT:,} characters or fewer"})
    if made_first_decision(by, application):
        raise PermissionDenied("You made the first decision: a different officer must reconsider it")

    case = application.case
    if case.status in (Status.NEW, Status.ACCEPTED) and case.assignee_id is None:
        case = case_assign(case=case, assignee=by, expected_version=case.version, by=by)
    case = case_decide(case=case, decision=Decision.APPROVED if decision == rules.APPROVE else Decision.REFUSED,
                       reasons=text, expected_version=case.version, by=by)
    case_close(case=case, outcome=Outcome.COMPLETED, expected_version=case.version, by=by)
    application.case = case
    if decision == rules.APPROVE:
        _approve(application, reasons=[text], by=by, automatic=False)
    else:
        _refuse(application, reasons=[text], by=by, automatic=False)
    application.refresh_from_db()
    from .decision_text import decision_text_queue

    decision_text_queue(application, by=by, headline=(
        "not approved" if decision == rules.REFUSE else
        f"approved, pay {application.fee_display} to get it" if application.status == A.AWAITING_PAYMENT else
        "approved and issued"))
    return application


def reconsideration_refusal(application: Application) -> str | None:
    """Why `application` cannot be reconsidered, or None when it can: the one rule the resident's
    pages (whether to offer it) and application_request_reconsideration share.

    A refusal can be looked at again once: not a reconsideration's own
    refusal (final here), and not while a reconsideration is open (one that
    was withdrawn does not count).
    """
    if application.kind == Application.Kind.RECONSIDERATION:
        return "This decision has already been reconsidered."
    if application.status != A.REFUSED:
        return "Only a refused application can be reconsidered."
    if application.reconsiderations.exclude(status=A.WITHDRAWN).exists():
        return "You have already asked us to look at this decision again."
    return None


@transaction.atomic
def application_request_reconsideration(*, application: Application, grounds: str, by: Any) -> Application:
    """Ask for a refused application to be looked at again: a new case, for an officer who did not decide it.

    Asking again while a reconsideration is open returns that one. A
    reconsideration's own refusal is final here (the letter says where to go next).
    """
    application = _lock(application)
    existing = application.reconsiderations.exclude(status=A.WITHDRAWN).order_by("-id").first()
    if existing is not None:
        return existing
    refusal = reconsideration_refusal(application)
    if refusal:
        raise ApplicationError(refusal)
    text = (grounds or "").strip() if isinstance(grounds, str) else ""
    if not text:
        raise ApplicationError({"grounds": "Enter why we should look at our decision again"})
    if len(text) > MAX_TEXT:
        raise ApplicationError({"grounds": f"Your reasons must be {MAX_TEXT:,} characters or fewer"})
    now = timezone.now()
    details = {k: v for k, v in (application.details or {}).items() if k != "signposting"}
    reconsideration = Application.objects.create(
        reference=_new_code("AP", Application, "reference"), service=application.service,
        customer=application.customer, submitted_by=_actor(by), channel=application.channel,
        kind=Application.Kind.RECONSIDERATION, answers={**application.answers, "reconsideration_grounds": text},
        status=A.SUBMITTED, fee_pence=_fee_if_approved(application), details=details,
        previous_entitlement=application.previous_entitlement, reconsideration_of=application,
        # One per attempt: a withdrawn reconsideration leaves the refusal open to asking again.
        submission_key=f"reconsider:{application.pk}:{application.reconsiderations.count() + 1}",
        submitted_at=now, created_by=_actor(by), modified_by=_actor(by),
    )
    # The same stored files, new rows (and tokens) for the new application: one INSERT however many there are.
    ApplicationEvidence.objects.bulk_create([
        ApplicationEvidence(application=reconsideration, kind=row.kind, token=secrets.token_hex(16),
                            file=row.file.name, content_type=row.content_type, size=row.size)
        for row in application.evidence.all()])
    audit_record(by=by, action="create", target=reconsideration, summary="Reconsideration requested",
                 original=application.reference)
    _timeline(application.customer, kind="application.reconsideration_requested",
              summary=f"{application.service.name}: asked us to look again at {application.reference}", by=by,
              subject=reconsideration, reference=reconsideration.reference, channel=application.channel,
              direction=Interaction.Direction.INBOUND)
    first = (f"First decided by an officer (user {application.decided_by_id}): a different officer must decide."
             if application.decided_by_id else "First decided automatically by the eligibility rules.")
    _refer(reconsideration, reasons=[f"Reconsideration of {application.reference}: {text}", first], by=by)
    return reconsideration


def _fee_if_approved(application: Application) -> int:
    """What an approval on reconsideration would charge (a refusal records no fee)."""
    if application.kind == Application.Kind.CHANGE:
        return 0
    fee = application.details.get("fee_pence")
    if fee is not None:
        return int(fee)
    if application.kind == Application.Kind.REPLACEMENT:
        return int(application.service.replacement_fee_pence)
    return int(application.service.fee_pence)
