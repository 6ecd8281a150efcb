"""A street report's answers as people read them, for the case pages (registered in apps.ready()).

The case keeps the answers under the report type's question codes
(depth_mm, position); only the report type knows the questions asked and
the names of its choices, and only this app serves the photos. Staff get
every photo (hidden ones through the staff photo view) and, when the report
fell below the type's intervention level, the reasons as the resident was
told them; the resident gets their answers and their public photos.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse

from oxtom.core.answers import Link

from . import catalogue


def render_case_answers(case: Any, audience: str, user: Any):
    from oxtom.cases.owners import STAFF, CaseAnswers

    try:
        report = case.street_report  # loaded with the case (select_related in apps.ready)
    except ObjectDoesNotExist:
        return None
    report_type = report.report_type
    staff = audience == STAFF
    photos = list(report.photos.all())
    links, hidden = [], 0
    for number, photo in enumerate(photos, start=1):
        if staff:
            url = reverse("portal_staff:report_photo", kwargs={"reference": case.reference, "token": photo.token})
            suffix = "" if photo.is_public else ", hidden from the public"
            links.append(Link(f"Photo {number} ({photo.width} × {photo.height} pixels{suffix})", url))
        elif photo.is_public:
            url = reverse("portal:report_photo", kwargs={"reference": case.reference, "token": photo.token})
            links.append(Link(f"Photo {number}", url))
        else:
            hidden += 1
    note = ""
    if hidden:
        note = f"{hidden} photo{'s are' if hidden != 1 else ' is'} not shown here: hidden from the public page."
    reasons: tuple[str, ...] = ()
    if staff and not report.eligible:
        reasons = tuple(catalogue.evaluate(report_type.thresholds or [], case.answers or {}).reasons)
    return CaseAnswers(
        rows=tuple(catalogue.answer_rows(report_type.questions, case.answers)),
        evidence=tuple(links), evidence_note=note, reasons=reasons,
        reasons_title="Below the level for an urgent repair when reported",
    )
