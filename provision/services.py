"""Writes to the provision records: suppliers, contracts, their end decisions, extensions and runway alerts.

Keyword-only, atomic, audited; the acting user is `by=`. A contract change takes the version the
person saw (`expected_version`) and is a conditional UPDATE on it, so a second editor working from a
stale page is told instead of overwriting the first.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from oxtom.accounts.selectors import team_addresses
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.core.links import absolute_url
from oxtom.core.versioning import lock_current
from oxtom.customers.models import Channel
from oxtom.customers.services import customer_create

from . import rules
from .models import (
    ApprovalRole, Approver, Category, Contract, ContractAmendment, ContractKpi, DelegationBand, ExtensionApproval,
    ExtensionRequest, PurchaseOrder, Supplier, name_block_of,
)


PROVISION_TEAM = "provision"
MAX_REASON = 1000


class StaleContractError(ValidationError):
    def __init__(self) -> None:
        super().__init__("Someone else changed this contract while you were working on it. Your change has not "
                         "been saved: check the latest details and try again.", code="stale")


def can_work_provision(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_permission(Permission.PROVISION_WORK))


def _require_hub(by: Any) -> None:
    if not can_work_provision(by):
        raise PermissionDenied("Only the provision hub can do this")


def _text(value: str, *, field: str, required: str, max_length: int = MAX_REASON) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError({field: required})
    if len(text) > max_length:
        raise ValidationError({field: f"Keep it to {max_length:,} characters or fewer"})
    return text


# --- suppliers ---------------------------------------------------------------------------------------

SUPPLIER_FIELDS = ("finance_id", "companies_house_number", "charity_number", "ppon_id", "is_sme", "sme_evidence",
                   "is_vcse", "vcse_evidence", "is_individual")


@transaction.atomic
def supplier_create(*, name: str, email: str, postcode: str = "", by: Any, **details: Any) -> Supplier:
    """A supplier: a customer record of kind organisation (the one address book), and its supplier details."""
    _require_hub(by)
    unknown = set(details) - set(SUPPLIER_FIELDS)
    if unknown:
        raise ValueError(f"Not supplier fields: {sorted(unknown)}")
    finance_id = (details.get("finance_id") or "").strip()
    if not finance_id:
        raise ValidationError({"finance_id": "Enter the supplier number the finance system uses"})
    if Supplier.objects.filter(finance_id__iexact=finance_id).exists():  # an alias keeps its number: still taken
        raise ValidationError({"finance_id": "A supplier with this finance system number already exists"})
    if details.get("is_sme") and not (details.get("sme_evidence") or "").strip():
        raise ValidationError({"sme_evidence": "Say what shows the supplier is an SME"})
    if details.get("is_vcse") and not (details.get("vcse_evidence") or "").strip():
        raise ValidationError({"vcse_evidence": "Say what shows the supplier is a VCSE organisation"})
    customer = customer_create(
        data={"kind": "organisation", "organisation_name": name, "email": email, "postcode": postcode},
        by=by, channel=Channel.SYSTEM, allow_duplicate=True)
    supplier = Supplier.objects.create(
        customer=customer, name=customer.organisation_name, postcode=customer.postcode,
        name_block=name_block_of(customer.organisation_name),
        division=customer.division, created_by=by, modified_by=by,
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in details.items()})
    audit_record(by=by, action="create", target=supplier, summary="Supplier added")
    return supplier


# --- contracts ---------------------------------------------------------------------------------------

def kpi_problem(*, awarded_value_pence: int, kpi_count: int, no_kpi_reason: str) -> str:
    """A contract over £5m needs at least three KPIs, or a recorded reason why none."""
    if awarded_value_pence > rules.KPI_REQUIRED_OVER_PENCE and kpi_count < rules.KPIS_REQUIRED \
            and not no_kpi_reason.strip():
        return "A contract over £5 million needs at least three KPIs, or a reason why it has none"
    return ""


@transaction.atomic
def contract_create(*, data: dict, suppliers: list[Supplier], kpis: list[tuple[str, str]] = (),
                    purchase_orders: list[str] = (), by: Any) -> Contract:
    _require_hub(by)
    errors: dict[str, str] = {}
    if not suppliers:
        errors["suppliers"] = "Choose at least one supplier"
    if data["end_date"] < data["start_date"]:
        errors["end_date"] = "The end date must be the same as or after the start date"
    if Contract.objects.filter(reference__iexact=data["reference"]).exists():
        errors["reference"] = "A contract with this reference already exists"
    problem = kpi_problem(awarded_value_pence=data["awarded_value_pence"], kpi_count=len(kpis),
                          no_kpi_reason=data.get("no_kpi_reason", ""))
    if problem:
        errors["no_kpi_reason"] = problem
    if errors:
        raise ValidationError(errors)
    contract = Contract.objects.create(
        original_end_date=data["end_date"], current_value_pence=data.get("current_value_pence")
        or data["awarded_value_pence"], created_by=by, modified_by=by,
        **{k: v for k, v in data.items() if k != "current_value_pence"})
    contract.suppliers.set(suppliers)
    ContractKpi.objects.bulk_create([ContractKpi(contract=contract, name=n, target=t) for n, t in kpis])
    PurchaseOrder.objects.bulk_create([PurchaseOrder(contract=contract, number=n) for n in purchase_orders])
    audit_record(by=by, action="create", target=contract, summary=f"Contract {contract.reference} added")
    return contract


def _locked(contract: Contract, expected_version: int) -> Contract:
    return lock_current(Contract.objects, contract.pk, expected_version, stale=StaleContractError)


@transaction.atomic
def contract_record_decision(*, contract: Contract, decision: str, stage: str, note: str, expected_version: int,
                             by: Any) -> Contract:
    """Record what happens at the contract's end (re-tender, extend, in-house, stop) and the re-procurement stage."""
    _require_hub(by)
    note = _text(note, field="note", required="Say why: the options considered and the value for money")
    current = _locked(contract, expected_version)
    now = timezone.now()
    Contract.objects.filter(pk=current.pk, version=expected_version).update(
        end_decision=decision, end_decision_at=now, reprocurement_stage=stage, version=F("version") + 1,
        modified_by=by, modified_at=now)
    audit_record(by=by, action="update", target=current, summary="End-of-contract decision recorded",
                 decision=decision, stage=stage, note=note)
    current.refresh_from_db()
    return current


# --- modifications of a live contract's terms ----------------------------------------------------------

MAX_TITLE = 200
MAX_DESCRIPTION = 2000


def can_modify(user: Any, contract: Contract) -> bool:
    """Who changes a contract's terms: the hub, and the contract's own manager (as for its reviews)."""
    return can_review(user, contract)


def _as_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@transaction.atomic
def contract_modify(*, contract: Contract, title: str, description: str, end_date: dt.date,
                    review_date: dt.date | None, value_pence: int, reason: str, expected_version: int,
                    by: Any) -> ContractAmendment:
    """Change a live contract's editable terms, within the limits public procurement sets on modifications.

    The value may move by at most the contract's max_value_change_percent of the awarded value, and the end
    date may not pass start + term + every extension option (rules.modification_check). Every change is kept
    as a modification with each term before and after, the reason, who and when (the contract page's history
    and the OCDS amendments), and audited. A stale version (someone changed it meanwhile) is refused.
    """
    if not can_modify(by, contract):
        raise PermissionDenied("Only the hub or the contract's manager can change it")
    reason = _text(reason, field="reason", required="Say why the contract is changing")
    title = _text(title, field="title", required="Enter the contract's title", max_length=MAX_TITLE)
    description = "\n".join(line.rstrip() for line in (description or "").strip().splitlines())
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError({"description": f"Keep the description to {MAX_DESCRIPTION:,} characters or fewer"})
    current = _locked(contract, expected_version)
    today = timezone.localdate()
    if current.end_date < today:
        raise ValidationError("This contract has ended: an ended contract's terms cannot be changed")
    wanted = {"title": title, "description": description, "end_date": end_date, "review_date": review_date,
              "current_value_pence": value_pence}
    changes = {name: [_as_json(getattr(current, name)), _as_json(value)] for name, value in wanted.items()
               if getattr(current, name) != value}
    if not changes:
        raise ValidationError("You have not changed anything: change a term, or go back to the contract")
    errors: dict[str, list[str]] = {}
    if "end_date" in changes or "current_value_pence" in changes:
        if current.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
            raise ValidationError("An extension of this contract is waiting for approval: its end date and value "
                                  "cannot change until it is decided")
        check = rules.modification_check(
            start_date=current.start_date, new_end_date=end_date, max_end_date=current.max_end_date,
            awarded_value_pence=current.awarded_value_pence, new_value_pence=value_pence,
            max_value_change_percent=current.max_value_change_percent, today=today)
        if check.end_date_reasons:
            errors["end_date"] = list(check.end_date_reasons)
        if check.value_reasons:
            errors["value"] = list(check.value_reasons)
    if review_date is not None and ("review_date" in changes or "end_date" in changes) \
            and not (current.start_date <= review_date <= end_date):
        errors.setdefault("review_date", []).append("The review date must fall within the contract's term")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    updated = Contract.objects.filter(pk=current.pk, version=expected_version).update(
        **wanted, version=F("version") + 1, modified_by=by, modified_at=now)
    if updated != 1:
        raise StaleContractError()
    amendment = ContractAmendment.objects.create(
        contract=current, kind=ContractAmendment.Kind.MODIFICATION, previous_end_date=current.end_date,
        new_end_date=end_date, previous_value_pence=current.current_value_pence, new_value_pence=value_pence,
        reason=reason, changes=changes, made_by=by, made_at=now)
    audit_record(by=by, action="update", target=current, summary=f"Contract {current.reference} modified",
                 changes=changes, reason=reason, amendment=amendment.pk)
    return amendment


# --- extensions and the delegation matrix -------------------------------------------------------------

def approval_steps(*, category: Category, value_pence: int) -> list[str]:
    """The approvals an extension of this total value needs, in order, from the delegation matrix.

    The category's own bands come first; the bands for every category apply where it has none.
    """
    bands = list(DelegationBand.objects.filter(category=category).order_by("-from_value_pence")) or \
        list(DelegationBand.objects.filter(category__isnull=True).order_by("-from_value_pence"))
    for band in bands:
        if value_pence >= band.from_value_pence:
            return [s for s in band.steps if s in ApprovalRole.values]
    return [ApprovalRole.SERVICE_DIRECTOR]


def may_approve(user: Any, approval: ExtensionApproval) -> bool:
    category_id = approval.request.contract.category_id
    return Approver.objects.filter(user=user, role=approval.role).filter(
        category_id__in=[category_id]).exists() or Approver.objects.filter(
        user=user, role=approval.role, category__isnull=True).exists()


@transaction.atomic
def extension_request(*, contract: Contract, new_value_pence: int, reason: str, expected_version: int,
                      by: Any) -> ExtensionRequest:
    """Ask to use one extension option. Refused unless the contract permits it; routed by the delegation matrix."""
    _require_hub(by)
    reason = _text(reason, field="reason", required="Say why the contract should be extended")
    current = _locked(contract, expected_version)
    check = rules.extension_check(
        end_date=current.end_date, max_end_date=current.max_end_date,
        options_left=current.extension_options - current.extensions_used, extension_months=current.extension_months,
        current_value_pence=current.current_value_pence, new_value_pence=new_value_pence,
        max_value_change_percent=current.max_value_change_percent, ended_on=timezone.localdate())
    if not check.permitted:
        raise ValidationError({"new_value": list(check.reasons)})
    if current.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise ValidationError({"reason": "An extension of this contract is already waiting for approval"})
    request = ExtensionRequest.objects.create(
        contract=current, new_end_date=check.new_end_date, previous_end_date=current.end_date,
        previous_value_pence=current.current_value_pence, new_value_pence=new_value_pence, reason=reason,
        created_by=by, modified_by=by)
    steps = approval_steps(category=current.category, value_pence=new_value_pence)
    ExtensionApproval.objects.bulk_create(
        [ExtensionApproval(request=request, step=i, role=role) for i, role in enumerate(steps, start=1)])
    audit_record(by=by, action="create", target=request, summary=f"Extension of {current.reference} requested",
                 steps=steps)
    _tell_approvers(request)
    return request


def next_approval(request: ExtensionRequest) -> ExtensionApproval | None:
    return request.approvals.filter(decision="").order_by("step").first()


@transaction.atomic
def extension_decide(*, approval: ExtensionApproval, decision: str, note: str, by: Any) -> ExtensionRequest:
    """One approver signs (or refuses) their step. Only when every step is approved does the contract change."""
    approval = ExtensionApproval.objects.select_for_update().select_related("request__contract").get(pk=approval.pk)
    request = ExtensionRequest.objects.select_for_update().get(pk=approval.request_id)
    if request.status != ExtensionRequest.Status.PENDING:
        raise ValidationError({"decision": "This extension has already been decided"})
    if next_approval(request) != approval:
        raise ValidationError({"decision": "An earlier approval is still waiting: approvals are signed in order"})
    if not may_approve(by, approval):
        raise PermissionDenied("You are not an approver for this step")
    if request.created_by_id == by.pk:
        raise ValidationError({"decision": "You asked for this extension: someone else must approve it"})
    if decision not in ("approved", "refused"):
        raise ValidationError({"decision": "Choose approve or refuse"})
    if decision == "refused":
        note = _text(note, field="note", required="Say why the extension is refused")
    now = timezone.now()
    approval.decision, approval.decided_by, approval.decided_at, approval.note = decision, by, now, note[:MAX_REASON]
    approval.save(update_fields=["decision", "decided_by", "decided_at", "note"])
    audit_record(by=by, action="decide", target=request, summary=f"Extension step {approval.step} {decision}",
                 role=approval.role)
    if decision == "refused":
        request.status = ExtensionRequest.Status.REFUSED
        request.save(update_fields=["status", "modified_at"])
        return request
    if next_approval(request) is None:
        _apply_extension(request, by=by, now=now)
    else:
        _tell_approvers(request)
    return request


def _apply_extension(request: ExtensionRequest, *, by: Any, now: dt.datetime) -> None:
    contract = Contract.objects.select_for_update().get(pk=request.contract_id)
    if contract.end_date != request.previous_end_date or contract.current_value_pence != request.previous_value_pence:
        raise ValidationError({"decision": "The contract changed after this extension was asked for: ask again"})
    ContractAmendment.objects.create(
        contract=contract, kind=ContractAmendment.Kind.EXTENSION, previous_end_date=contract.end_date,
        new_end_date=request.new_end_date, previous_value_pence=contract.current_value_pence,
        new_value_pence=request.new_value_pence, reason=request.reason, made_by=by, made_at=now)
    Contract.objects.filter(pk=contract.pk).update(
        end_date=request.new_end_date, current_value_pence=request.new_value_pence,
        extensions_used=F("extensions_used") + 1, end_decision="extend", end_decision_at=now,
        runway_alerts_sent=0, version=F("version") + 1, modified_by=by, modified_at=now)
    request.status = ExtensionRequest.Status.APPROVED
    request.save(update_fields=["status", "modified_at"])
    audit_record(by=by, action="update", target=contract, summary="Contract extended",
                 new_end_date=request.new_end_date.isoformat(), new_value_pence=request.new_value_pence)


def _tell_approvers(request: ExtensionRequest) -> None:
    from django.urls import reverse

    approval = next_approval(request)
    if approval is None:
        return
    emails = Approver.objects.filter(role=approval.role).values_list("user__email", flat=True).distinct()
    link = absolute_url(reverse("provision:approval", kwargs={"pk": approval.pk}))
    for email in emails:
        _alert(to=email, key=f"provision:approval:{approval.pk}:{email}",
               subject=f"Approve the extension of contract {request.contract.reference}",
               message=f"An extension of contract {request.contract.reference} is waiting for your approval as "
                       f"{approval.get_role_display().lower()}: {link}")


# --- the runway -----------------------------------------------------------------------------------------

def _alert(*, to: str, key: str, subject: str, message: str) -> None:
    from oxtom.notify.services import staff_alert_queue

    staff_alert_queue(to=to, key=key, subject=subject, message=message)


def hub_addresses() -> list[str]:
    return team_addresses(PROVISION_TEAM)


def runway_alerts_send(*, on: dt.date | None = None) -> int:
    """Tell the hub (and each contract's manager) when a contract enters its runway, at halfway and a quarter left.

    Each milestone is alerted once: a conditional UPDATE of runway_alerts_sent claims it, so two runs at once
    (or a rerun after a crash) send nothing twice.
    """
    from django.urls import reverse

    on = on or timezone.localdate()
    horizon = rules.add_months(on, max(Category.objects.values_list("lead_time_months", flat=True) or [0])
                               + max(Category.objects.values_list("mobilisation_months", flat=True) or [0]))
    sent = 0
    candidates = (Contract.objects.filter(end_date__gte=on, end_date__lte=horizon, runway_alerts_sent__lt=3)
                  .select_related("category", "contract_manager").order_by("end_date", "id"))
    to_hub = hub_addresses()
    for contract in candidates.iterator(chunk_size=500):
        state = rules.runway(end_date=contract.end_date, runway_months=contract.category.runway_months,
                             decided=bool(contract.end_decision), on=on)
        if state.milestone <= contract.runway_alerts_sent:
            continue
        claimed = Contract.objects.filter(pk=contract.pk, runway_alerts_sent=contract.runway_alerts_sent).update(
            runway_alerts_sent=state.milestone)
        if not claimed:
            continue
        link = absolute_url(reverse("provision:contract", kwargs={"reference": contract.reference}))
        subject = f"Contract {contract.reference}: {state.label.lower()}"
        message = (f"Contract {contract.reference} ({contract.title}) ends on {contract.end_date:%-d %B %Y}, "
                   f"{state.days_left} days from now. Its category needs {contract.category.runway_months} months "
                   f"to re-procure and mobilise. {link}")
        recipients = set(to_hub)
        if contract.contract_manager and contract.contract_manager.is_active:
            recipients.add(contract.contract_manager.email)
        for email in sorted(recipients):
            _alert(to=email, key=f"provision:runway:{contract.pk}:{contract.end_date:%Y%m%d}:{state.milestone}:{email}",
                   subject=subject, message=message)
        sent += 1
    return sent


# --- supplier performance reviews -----------------------------------------------------------------------

def can_review(user: Any, contract: Contract) -> bool:
    """The hub reviews every contract; a contract manager reviews their own."""
    return can_work_provision(user) or (getattr(user, "is_authenticated", False)
                                        and contract.contract_manager_id == user.pk)


@transaction.atomic
def supplier_review_record(*, contract: Contract, period_end: dt.date, overall: str, summary: str,
                           kpi_ratings: dict[int, tuple[str, str]], actions: list[dict], by: Any):
    """Record a performance review: every KPI of the contract rated, an overall rating, improvement actions.

    An overall rating below "approaching target" needs at least one improvement action.
    """
    from .models import KpiRating, Rating, SupplierReview

    if not can_review(by, contract):
        raise PermissionDenied("Only the hub or the contract's manager can review it")
    summary = _text(summary, field="summary", required="Summarise the supplier's performance", max_length=2000)
    errors: dict[str, str] = {}
    if period_end > timezone.localdate():
        errors["period_end"] = "The period reviewed must have ended: enter today or a date in the past"
    if period_end < contract.start_date:
        errors["period_end"] = "The period reviewed must end after the contract started"
    kpis = list(contract.kpis.all())
    missing = [k.name for k in kpis if k.pk not in kpi_ratings or not kpi_ratings[k.pk][1]]
    if missing:
        errors["kpis"] = f"Rate every KPI: {', '.join(missing)}"
    if overall in (Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE) and not actions:
        errors["actions"] = "Agree at least one improvement action when performance needs to improve"
    if SupplierReview.objects.filter(contract=contract, period_end=period_end).exists():
        errors["period_end"] = "This period has already been reviewed"
    if errors:
        raise ValidationError(errors)
    review = SupplierReview.objects.create(contract=contract, period_end=period_end, overall=overall,
                                           summary=summary, improvement_actions=actions, reviewed_by=by,
                                           reviewed_at=timezone.now())
    KpiRating.objects.bulk_create([KpiRating(review=review, kpi=k, result=kpi_ratings[k.pk][0][:200],
                                             rating=kpi_ratings[k.pk][1]) for k in kpis])
    audit_record(by=by, action="create", target=review, summary=f"Performance review of {contract.reference}",
                 overall=overall)
    return review


# --- contract reviews (cases on the engine) ----------------------------------------------------------------

CONTRACT_REVIEW_SERVICE = "contract-review"


def contract_review_open(*, contract: Contract, by: Any):
    """Open a contract review: a case in the provision team's queue, requested by the hub officer.

    One review per contract and end date: opening it again returns the same case (the engine's submission key).
    """
    from oxtom.cases.models import Service
    from oxtom.cases.services import DuplicateSubmission, case_create

    _require_hub(by)
    service = Service.objects.get(code=CONTRACT_REVIEW_SERVICE)
    try:
        return case_create(
            service=service, customer=None, requested_by=by, by=by, channel=Channel.SYSTEM,
            title=f"Contract review: {contract.reference} {contract.title}"[:200],
            answers={"contract": contract.reference, "end_date": contract.end_date.isoformat()},
            submission_key=f"contract-review:{contract.pk}:{contract.end_date:%Y%m%d}")
    except DuplicateSubmission as duplicate:
        return duplicate.case
