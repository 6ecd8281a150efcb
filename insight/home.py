"""The staff home's insight section: the MASH queue's waiting referrals, Lee's report to review, and for team
leaders and analysts the services whose forecast demand is above the capacity set for them."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from oxtom.accounts.permissions import Permission


def insight_section(request: HttpRequest) -> dict[str, Any] | None:
    from . import selectors
    from .models import Referral, RiskScore, ScoringRun
    from .services import is_analyst, led_team_ids

    user = request.user
    screen = user.has_permission(Permission.SAFEGUARDING_SCREEN)
    sign = user.has_permission(Permission.RISK_MODEL_SIGN_OFF)
    analyst = is_analyst(user)
    # Leaders by their own role (a role held in one team only is not asked here: that would cost every officer's
    # home a query; such a leader finds the services at risk on the capacity page).
    led = led_team_ids(user) if not analyst and user.has_permission(Permission.TEAM_MANAGE) else set()
    if not (screen or analyst or led):
        return None
    section: dict[str, Any] = {"screen": screen, "models": sign or user.has_permission(Permission.INSIGHT_WORK)}
    if analyst or led:
        section["capacity"], section["analyst"] = True, analyst
        section["at_risk"] = selectors.capacity_warnings(team_ids=None if analyst else led)
    if screen:
        section["waiting"] = Referral.objects.filter(screening_outcome="").count()
    if screen and sign:
        run = ScoringRun.objects.only("pk", "week").first()
        section["to_review"] = RiskScore.objects.filter(run=run, flagged=True, closed=True,
                                                        review__isnull=True).count() if run else 0
        section["review"] = True
    return section
