"""Publishing the Cabinet report: a second analyst approves it, then members and the public read it.

The analyst who closed the month (and so made the report) cannot approve
it: two people look at every report before it leaves the team. Approving
publishes at once: members see it in /members/reports/, the public with
the division pages at /divisions/cabinet-reports/ (small numbers
suppressed, private measures left out), and every councillor is emailed a
link through the outbox, once per report (the idempotency key). Earlier
reports stay readable as a dated series, and a member can compare a
month's exceptions with the month before's.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from oxtom.accounts.models import User
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.core.links import absolute_url
from oxtom.notify.services import notification_queue

from . import rules
from .messages import CABINET_PUBLISHED
from .models import CabinetReport

SERIES_LENGTH = 36  # three years of monthly reports on one page


@transaction.atomic
def cabinet_report_approve(*, report: CabinetReport, by: Any) -> CabinetReport:
    """Approve and publish a stored Cabinet report; email every councillor a link (through the outbox).

    Refused for anyone but an analyst, for the analyst who closed the month,
    and for a report already published (a second approval changes nothing).
    """
    if by is None or not getattr(by, "is_authenticated", False) or not by.has_permission(Permission.PERFORMANCE_MANAGE):
        raise PermissionDenied
    report = CabinetReport.objects.select_for_update().select_related("period").defer("pdf").get(pk=report.pk)
    if report.published_at is not None:
        raise ValidationError("This report was already approved and published")
    if report.period.closed_by_id == by.pk:
        raise ValidationError("You closed this month and so made its report: another analyst must approve it")
    report.approved_by = by
    report.published_at = timezone.now()
    report.save(update_fields=["approved_by", "published_at"])
    audit_record(by=by, action="update", target=report, summary=f"Cabinet report for {report.period.label} approved "
                                                                f"and published")
    link = absolute_url(reverse("performance_members:report", kwargs={"month": report.month}))
    exceptions = len(report.content.get("exceptions", []))
    for member in councillors():
        notification_queue(
            customer=None, to=member.email, template=CABINET_PUBLISHED, by=by,
            context={"name": member.full_name or "councillor", "month": report.period.label, "link": link,
                     "exceptions": exceptions},
            idempotency_key=f"cabinet-report:{report.pk}:member:{member.pk}",
        )
    return report


def councillors() -> list[User]:
    """Active councillors with an email address (one query)."""
    users = User.objects.filter(is_active=True, member_division__isnull=False).exclude(email="").only(
        "email", "full_name", "roles")
    return [u for u in users if "councillor" in (u.roles or [])]


# --- reading -------------------------------------------------------------------------------------


def published_reports(*, limit: int = SERIES_LENGTH) -> list[CabinetReport]:
    """The published reports, newest first, without their PDFs or contents (one query)."""
    return list(CabinetReport.objects.filter(published_at__isnull=False).select_related("period")
                .defer("pdf", "content").order_by("-period__start")[:limit])


def latest_published() -> CabinetReport | None:
    return (CabinetReport.objects.filter(published_at__isnull=False).select_related("period")
            .defer("pdf", "content").order_by("-period__start").first())


def get_published_report(month: str, *, with_pdf: bool = False) -> CabinetReport:
    """A published report by its YYYY-MM; 404 for a bad month, no report or one not yet published."""
    import datetime as dt

    try:
        start = dt.datetime.strptime(month, "%Y-%m").date()
    except (ValueError, TypeError):
        raise Http404 from None
    reports = CabinetReport.objects.filter(period__start=start, published_at__isnull=False).select_related(
        "period", "approved_by")
    report = (reports if with_pdf else reports.defer("pdf")).first()
    if report is None:
        raise Http404
    return report


def previous_published(report: CabinetReport) -> CabinetReport | None:
    """The published report before this one (one query)."""
    return (CabinetReport.objects.filter(published_at__isnull=False, period__start__lt=report.period.start)
            .select_related("period").defer("pdf").order_by("-period__start").first())


@dataclass
class Comparison:
    """This month's exceptions against the month before's."""

    new: list[dict]  # exceptions now that were not before
    continuing: list[dict]  # exceptions in both months
    resolved: list[dict]  # exceptions before that are not now
    previous: CabinetReport | None


def compare_exceptions(report: CabinetReport, previous: CabinetReport | None) -> Comparison:
    now = {row["code"]: row for row in report.content.get("exceptions", [])}
    before = {row["code"]: row for row in previous.content.get("exceptions", [])} if previous else {}
    return Comparison(
        new=[row for code, row in now.items() if code not in before],
        continuing=[{**row, "before": before[code]} for code, row in now.items() if code in before],
        resolved=[row for code, row in before.items() if code not in now],
        previous=previous,
    )


def _suppressed(row: dict) -> bool:
    try:
        number = Decimal(row["number"]) if row.get("number") else None
    except (InvalidOperation, TypeError):
        number = None
    return rules.is_suppressed(base=row.get("base"), value=number, unit=row.get("unit_code", ""))


def public_content(content: dict[str, Any]) -> dict[str, Any]:
    """The report as the public sees it: published measures only, small numbers suppressed."""

    def visible(rows: list[dict]) -> list[dict]:
        shown = []
        for row in rows:
            if not row.get("public", True):
                continue
            if _suppressed(row):
                row = {**row, "value": "Fewer than 5", "rag": "", "rag_label": "Not shown (small number)",
                       "month": "Not shown", "year": "Not shown", "suppressed": True}
            shown.append(row)
        return shown

    exceptions, others = visible(content.get("exceptions", [])), visible(content.get("others", []))
    rows = exceptions + others
    counts = {key: sum(1 for r in rows if r.get("rag") == key) for key in ("red", "amber", "green")}
    return {**content, "exceptions": exceptions, "others": others, "counts": {**counts, "measures": len(rows)}}
