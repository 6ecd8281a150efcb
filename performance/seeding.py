"""Seed computed measures from data migrations (one place for the rule, many migrations).

Called with the migration's historical models, so it works at any point in
the migration history.
"""
from __future__ import annotations

from typing import Any, Iterable


def measures_ensure(Measure: Any, MeasureVersion: Any, specs: Iterable[dict], **common: Any) -> dict[str, Any]:
    """Create or update each measure in `specs` (with `common` fields), and its first version.

    A derived measure names its `numerator` and `denominator` by code; they
    must come earlier in `specs`. Returns the measures by code.
    """
    from django.utils import timezone

    now = timezone.now()
    created: dict[str, Any] = {}
    for spec in specs:
        spec = dict(spec)
        numerator = spec.pop("numerator", None)
        denominator = spec.pop("denominator", None)
        measure, _ = Measure.objects.update_or_create(code=spec.pop("code"), defaults=dict(
            source="computed", numerator=created.get(numerator), denominator=created.get(denominator),
            **common, **spec))
        created[measure.code] = measure
        MeasureVersion.objects.get_or_create(measure=measure, version=1, defaults={
            "definition": {"name": measure.name, "definition": measure.definition,
                           "calculation": measure.calculation, "unit": measure.unit},
            "changed_at": now, "reason": "First definition"})
    return created
