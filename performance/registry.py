"""The measures registry: how a capability adds the measures computed from its own records.

Each app keeps its measures in its own `measures.py` and imports it in its
AppConfig.ready(), so performance never imports another app's models:

    from performance.registry import register_count

    register_count("street-reports-received", model="portal.StreetReport", date_field="reported_at",
                   division_field="division_id")

A measure still needs its Measure row (source="computed"), made by a data migration with
`measures_ensure` (in performance's migrations or the app's own). See performance/computations.py
for the shapes a computation returns.
"""
from . import computations
from .computations import (  # noqa: F401 - the registry's public names
    COLUMNS,
    Context,
    Unavailable,
    local_dates,
    model_or_unavailable,
    month_column,
    register,
    register_completions,
    register_count,
    working_days_between,
)
from .seeding import measures_ensure  # noqa: F401,E402 - for the app's migration that adds its Measure rows
# The small-number rule the division pages use, for a capability's own public statistics (complaints report).
from .rules import SUPPRESSION_THRESHOLD, is_suppressed  # noqa: F401,E402


def is_registered(code: str) -> bool:
    """Whether a computation for `code` is registered already (an app's ready() may run twice)."""
    return code in computations.REGISTRY
