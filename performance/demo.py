"""Demo data for Cabinet publication (seed_demo calls it after the figures are computed).

Three complete months are closed by the demo analyst; the two older reports
are approved and published by the second analyst (so councillors have a
report to read and a month to compare it with), and the latest waits for
the second analyst's approval, so both analysts have something to do.
"""
from __future__ import annotations

from django.utils import timezone

from oxtom.accounts.models import User
from oxtom.notify.models import OutboundMessage

from . import publication, reports, rules, selectors, services
from .models import CabinetReport, Period

CLOSED_MONTHS = 3
PUBLISHED_MONTHS = 2
DEMO_COMMENTARY = ("Below target: fewer staff were available this month. A recovery plan with weekly "
                   "checks is in place and the team expects to be back on target within two months.")


def seed_demo_cabinet(*, analyst: User | None, approver: User | None) -> int:
    """Close, report and publish the demo's months; returns how many reports it made (0 when present)."""
    if analyst is None or approver is None:
        return 0
    today = timezone.localdate()
    starts = services.months_back(today, CLOSED_MONTHS + 1)[:-1]  # complete months only
    stored = list(CabinetReport.objects.filter(period__start__in=starts).values_list("period__start", "published_at"))
    published = {start for start, at in stored if at is not None}
    if len(stored) == CLOSED_MONTHS and set(starts[:PUBLISHED_MONTHS]) <= published:
        return 0  # a rerun: one query
    periods = services.periods_ensure(starts)
    made = 0
    for index, start in enumerate(starts):
        period = periods[start]
        if not period.is_locked:
            for row in selectors.county_rows(period):
                if row.status.rag == rules.Rag.RED and not row.commentary:
                    services.commentary_add(measure=row.measure, period=period, text=DEMO_COMMENTARY, by=analyst)
            services.period_close(period=period, by=analyst)
        period = Period.objects.get(pk=period.pk)
        had = selectors.cabinet_report(period) is not None
        report = reports.cabinet_report_generate(period=period, by=analyst)
        made += not had
        if index < PUBLISHED_MONTHS and not report.is_published:
            publication.cabinet_report_approve(report=report, by=approver)
            # History, not news: the demo's earlier publications were emailed at the time.
            OutboundMessage.objects.filter(idempotency_key__startswith=f"cabinet-report:{report.pk}:").update(
                status=OutboundMessage.Status.SENT, sent_at=timezone.now())
    return made
