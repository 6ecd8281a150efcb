"""Writes for insight: forecasts and the risk model's lifecycle (forecasts.py), the MASH referral service
(mash.py) and the weekly scoring with Lee's review (scoring.py)."""
from .forecasts import (  # noqa: F401
    MIN_DIVISION_MEDIAN, ForecastResult, forecasts_compute, risk_model_sign_off, risk_model_train,
    running_risk_model,
)
from .mash import referral_create, referral_screen  # noqa: F401
from .scoring import risk_review_record, risk_scores_compute  # noqa: F401
from .capacity import capacity_set, capacity_teams, is_analyst, led_team_ids  # noqa: F401
from .training import training_request, training_run  # noqa: F401
