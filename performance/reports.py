"""The monthly performance report for Cabinet: exceptions first, as HTML and PDF.

Exceptions are the measures that are red for the county or got worse since
the month before, each with the commentary that says why. The report is
made once, when its period closes (a task queued after the close commits;
the nightly job makes any that were missed), from the figures the closed
period locked, and is stored: the snapshot the page is rendered from and
the PDF bytes. Nothing rewrites it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.core.formats import govuk_datetime
from oxtom.core.pdf import PdfDocument

from . import rules, selectors
from .models import CabinetReport, Period

RAG_ORDER = {rules.Rag.RED: 0, rules.Rag.AMBER: 1, rules.Rag.GREEN: 2, rules.Rag.NONE: 3}


def _row(row: selectors.Row) -> dict[str, Any]:
    m, status = row.measure, row.status
    return {
        "code": m.code, "name": m.name, "unit": m.get_unit_display(), "value": status.display,
        "target": row.target_display, "rag": status.rag, "rag_label": status.rag_label if status.rag else "No target",
        "month": status.direction_month_label, "year": status.direction_year_label,
        "worsening": status.direction_month == rules.Direction.WORSENING,
        "comparator": row.comparator_display, "comparator_label": row.comparator_label,
        "commentary": row.commentary.text if row.commentary else "",
        "commentary_at": row.commentary.written_at.isoformat() if row.commentary else "",
        "public": m.is_public,
        # For the public copy: small numbers are suppressed there as on the division pages.
        "unit_code": m.unit, "number": str(status.value) if status.value is not None else "", "base": row.base,
    }


def is_exception(row: selectors.Row) -> bool:
    """Red for the county, or worse than the month before."""
    return row.status.rag == rules.Rag.RED or row.status.direction_month == rules.Direction.WORSENING


def report_content(period: Period) -> dict[str, Any]:
    """Everything the report shows, as JSON-safe values (the six queries of selectors.county_rows)."""
    rows = [r for r in selectors.county_rows(period) if r.status.value is not None or r.target is not None]
    exceptions = sorted((r for r in rows if is_exception(r)),
                        key=lambda r: (RAG_ORDER[r.status.rag], r.measure.display_order, r.measure.name))
    others = [r for r in rows if not is_exception(r)]
    counts = {key: sum(1 for r in rows if r.status.rag == key) for key in (rules.Rag.RED, rules.Rag.AMBER,
                                                                         rules.Rag.GREEN)}
    return {
        "period": period.start.strftime("%Y-%m"), "label": period.label,
        "closed_at": period.closed_at.isoformat() if period.closed_at else "",
        "exceptions": [_row(r) for r in exceptions], "others": [_row(r) for r in others],
        "counts": {"red": counts[rules.Rag.RED], "amber": counts[rules.Rag.AMBER],
                   "green": counts[rules.Rag.GREEN], "measures": len(rows)},
    }


def cabinet_report_generate(*, period: Period, by: Any = None) -> CabinetReport:
    """Make and store the Cabinet report of a closed period, once. Running it again returns the stored one."""
    existing = CabinetReport.objects.filter(period_id=period.pk).first()
    if existing is not None:
        return existing
    period = Period.objects.get(pk=period.pk)
    if not period.is_locked:
        raise ValueError(f"{period.label} is open: its report is made when it closes")
    now = timezone.now()
    content = report_content(period)
    content["generated_at"] = now.isoformat()
    pdf = render_pdf(content)
    try:
        with transaction.atomic():
            report = CabinetReport.objects.create(period=period, generated_at=now, content=content, pdf=pdf,
                                                  pdf_sha256=hashlib.sha256(pdf).hexdigest())
            audit_record(by=by, action="create", target=report, summary=f"Cabinet report for {period.label}")
    except IntegrityError:  # another worker made it first: theirs stands
        return CabinetReport.objects.get(period_id=period.pk)
    return report


def missing_reports() -> list[Period]:
    """Closed periods with no report yet (a lost task or a crash): the nightly job makes them."""
    return list(Period.objects.filter(status=Period.Status.CLOSED, cabinet_report__isnull=True))


# --- PDF -------------------------------------------------------------------------------------------


class _Pdf(PdfDocument):
    """The report's document: our fonts and page furniture (oxtom.core.pdf)."""

    def __init__(self, title: str):
        super().__init__(title, creator="OxTOM performance framework")


def render_pdf(content: dict[str, Any]) -> bytes:
    """The report as an A4 PDF: summary, exceptions with commentary, then every other measure."""
    pdf = _Pdf(f"Performance report for Cabinet: {content['label']}")
    generated = dt.datetime.fromisoformat(content["generated_at"]).astimezone(timezone.get_default_timezone())
    pdf.para(f"Performance report for Cabinet: {content['label']}", size=18, bold=True, after=1)
    pdf.para(f"Figures locked when the period closed. Produced {govuk_datetime(generated)}.", size=9, after=4)
    counts = content["counts"]
    pdf.para(f"{counts['measures']} measures with figures: {counts['red']} red, {counts['amber']} amber, "
             f"{counts['green']} green against target.", after=4)

    pdf.para("Exceptions: off target or getting worse", size=14, bold=True)
    if not content["exceptions"]:
        pdf.para("No measure is red or worse than the month before.")
    for row in content["exceptions"]:
        pdf.para(row["name"], size=11, bold=True, after=0.5)
        facts = [f"Figure: {row['value']}"]
        if row["target"]:
            facts.append(f"Target: {row['target']}")
        if row.get("comparator"):
            facts.append(f"{row['comparator_label']}: {row['comparator']}")
        facts += [f"Status: {row['rag_label']}", f"Compared with last month: {row['month']}",
                  f"Compared with a year before: {row['year']}"]
        pdf.para(". ".join(facts) + ".", size=9.5, after=0.5)
        pdf.para("Commentary: " + (row["commentary"] or "None given."), size=9.5, after=3)

    pdf.para("All other measures", size=14, bold=True)
    if content["others"]:
        pdf.doc.set_font(pdf.family, "", 8.5)
        with pdf.doc.table(col_widths=(80, 28, 28, 24, 25), text_align=("LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT"),
                           first_row_as_headings=True, line_height=4.5) as table:
            table.row([pdf.text(h) for h in ("Measure", "Figure", "Target", "Status", "Last month")])
            for row in content["others"]:
                table.row([pdf.text(v) for v in (row["name"], row["value"], row["target"] or "-",
                                                 row["rag_label"], row["month"])])
    else:
        pdf.para("None.")
    return bytes(pdf.doc.output())
