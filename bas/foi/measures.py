"""FOI measures for the performance framework (registered from FoiConfig.ready(); Measure rows from migration
0002): responses sent and those within the statutory time (the Information Commissioner's measure), extensions
used, internal reviews and their outcomes. FOI requests are county-wide: no division."""
from __future__ import annotations

from django.db.models import Q

_COMMON = dict(unit="count", is_public=True)
MEASURES = [
    dict(code="foi-responses-sent", name="FOI and EIR responses sent", polarity="neutral",
         definition="Responses to FOI and EIR requests sent in the month.",
         calculation="Count of FOI and EIR requests whose response was approved and sent in the month.",
         display_order=300, **_COMMON),
    dict(code="foi-responses-in-time", name="FOI and EIR responses sent in time", polarity="higher",
         definition="Responses sent in the month by their statutory date (20 working days, or as lawfully extended).",
         calculation="Count of responses sent in the month on or before the case's due date.", display_order=301,
         **_COMMON),
    dict(code="foi-extensions-used", name="FOI and EIR extensions used", polarity="lower",
         definition="Responses sent in the month after a public interest (FOI) or 40 working day (EIR) extension.",
         calculation="Count of responses sent in the month whose case was extended.", display_order=303, **_COMMON),
    dict(code="foi-internal-reviews", name="FOI internal reviews decided", polarity="neutral",
         definition="Internal reviews of FOI and EIR responses decided in the month.",
         calculation="Count of internal reviews decided in the month.", display_order=304, **_COMMON),
    dict(code="foi-internal-reviews-upheld", name="FOI internal reviews upholding the response", polarity="higher",
         definition="Internal reviews decided in the month that upheld the original response in full.",
         calculation="Count of internal reviews decided in the month with the result 'upheld'.", display_order=305,
         **_COMMON),
]
DERIVED = [
    dict(code="foi-answered-in-time-percent", name="FOI and EIR requests answered within 20 working days",
         unit="percent", precision=1, polarity="higher", numerator="foi-responses-in-time",
         denominator="foi-responses-sent", multiplier=100, is_public=True,
         definition="Of the responses sent in the month, the percentage sent by their statutory date "
                    "(the Information Commissioner's timeliness measure).",
         calculation="Responses sent in time divided by responses sent, times 100.", display_order=302),
    dict(code="foi-internal-reviews-upheld-percent", name="FOI internal reviews upholding the response",
         unit="percent", precision=1, polarity="higher", numerator="foi-internal-reviews-upheld",
         denominator="foi-internal-reviews", multiplier=100, is_public=False,
         definition="Of the internal reviews decided in the month, the percentage that upheld the original response.",
         calculation="Reviews upheld divided by reviews decided, times 100.", display_order=306),
]


def register() -> None:
    from performance.registry import is_registered, register_count

    if is_registered("foi-responses-sent"):  # ready() may run twice
        return
    register_count("foi-responses-sent", model="foi.FoiRequest", date_field="sent_at", division_field="case__division_id",
                   filters=Q(sent_at__isnull=False))
    register_count("foi-responses-in-time", model="foi.FoiRequest", date_field="sent_at",
                   division_field="case__division_id", filters=Q(sent_at__isnull=False, answered_in_time=True))
    register_count("foi-extensions-used", model="foi.FoiRequest", date_field="sent_at",
                   division_field="case__division_id", filters=Q(sent_at__isnull=False, case__extensions_used__gt=0))
    register_count("foi-internal-reviews", model="foi.InternalReview", date_field="decided_at",
                   division_field="case__division_id", filters=Q(decided_at__isnull=False))
    register_count("foi-internal-reviews-upheld", model="foi.InternalReview", date_field="decided_at",
                   division_field="case__division_id", filters=Q(decided_at__isnull=False, result="upheld"))
