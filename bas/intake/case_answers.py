"""A case opened from the post room, as its staff page shows it: the letter's details and a link to the scan
(registered with oxtom/cases/owners.py in apps.ready()). The reverse one-to-one is loaded with the case."""
from __future__ import annotations

from typing import Any

from django.urls import reverse


def render_post_case(case: Any, audience: str, user: Any):
    if audience != "staff" or getattr(case, "channel", "") != "post":
        return None
    from django.core.exceptions import ObjectDoesNotExist

    try:
        item = case.post_item
    except ObjectDoesNotExist:
        return None
    from oxtom.cases.owners import CaseAnswers
    from oxtom.core.answers import Link, Row

    answers = case.answers if isinstance(case.answers, dict) else {}
    rows = [Row("Post item", item.reference), Row("Received", item.received_on.strftime("%-d %B %Y")),
            Row("From", item.sender or "Not known")]
    if item.summary:
        rows.append(Row("Summary", item.summary))
    if answers.get("Why this team"):  # routed with no customer or case (post_item_route_to_team)
        rows.append(Row("Why this team", str(answers["Why this team"])))
    if item.matched_case_id and answers.get("About case"):
        rows.append(Row("About case", str(answers["About case"])))
    what = "Scanned letter (PDF)" if item.content_type == "application/pdf" else "Scanned letter (image)"
    return CaseAnswers(rows=tuple(rows), evidence=(Link(what, reverse("bas_intake:post_file", args=[item.reference])),))
