"""Quality checks: recording a checker's result on a sampled case."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record

from ..models import CaseEvent, QaCheck
from ._common import Kind, MAX_TEXT, _alert_staff, _event, _is_admin, _site_url, is_team_member


@transaction.atomic
def qa_check_record(*, check: QaCheck, result: str, feedback: str, by: Any) -> QaCheck:
    """A team leader records a quality check: pass, or fail with feedback for the officer.

    Reviewers never check a case they closed themselves. Recording is a
    conditional UPDATE on a pending check, so two leaders reviewing the same
    case at once cannot both record a result.
    """
    if not (getattr(by, "is_authenticated", False) and by.has_team_permission(Permission.CASE_ASSIGN, check.team_id)
            and (_is_admin(by) or is_team_member(by, check.team_id))):
        raise PermissionDenied("Only a team leader of this team can record quality checks")
    if check.closed_by_id is not None and check.closed_by_id == getattr(by, "pk", None):
        raise ValidationError("You closed this case: another team leader must check it")
    if result not in (QaCheck.Result.PASSED, QaCheck.Result.FAILED):
        raise ValidationError({"result": "Choose whether the case passed or failed"})
    feedback = (feedback or "").strip()
    if result == QaCheck.Result.FAILED and not feedback:
        raise ValidationError({"feedback": "Enter feedback for the officer: what should have been done differently"})
    if len(feedback) > MAX_TEXT:
        raise ValidationError({"feedback": f"The feedback must be {MAX_TEXT:,} characters or fewer"})
    now = timezone.now()
    updated = QaCheck.objects.filter(pk=check.pk, result=QaCheck.Result.PENDING).update(
        result=result, feedback=feedback, reviewer=by, reviewed_at=now
    )
    if not updated:
        raise ValidationError("This check has already been recorded", code="stale")
    check.refresh_from_db()
    label = QaCheck.Result(result).label
    event = _event(check.case, Kind.QA_RECORDED, by, text=f"{label}. {feedback}".strip(), result=result,
                   check=check.pk)
    audit_record(by=by, action="update", target=check, summary=f"Quality check {label.lower()}", result=result)
    _notify_qa_result(check, event)
    return check


def _notify_qa_result(check: QaCheck, event: CaseEvent) -> None:
    """Tell the officer who closed the case how its quality check went (feedback stays on the case page)."""
    officer = check.closed_by
    if not (officer and officer.is_active and officer.email):
        return
    case = check.case
    link = _site_url("casework:case", case)
    label = QaCheck.Result(check.result).label.lower()
    _alert_staff(case, event, to=officer.email, key=f"qa:{check.pk}:result",
                 subject=f"Quality check of case {case.reference}: {label}",
                 message=f"The quality check of case {case.reference}, which you closed, {label}. "
                         f"Read the feedback on the case page: {link}",
                 sent="Officer emailed the quality check result",
                 failed="The officer could not be emailed the quality check result")
