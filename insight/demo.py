"""Demo data for insight (seed_demo calls it after the demand history exists): the first night's forecasts."""
from __future__ import annotations

from .models import ForecastRun
from .services import forecasts_compute


def seed_demo_insight() -> int:
    if ForecastRun.objects.exists():  # the first night has run: the beat schedule does the rest (one query)
        return 0
    return forecasts_compute().series


def forecasts_step(context) -> int:
    """Demo step (oxtom/core/demo.py), after performance's demand history: the first night's forecasts, and the
    capacity an analyst set for two teams (one of them short in the busy months, so the warning shows)."""
    made = seed_demo_insight()
    seed_demo_capacity(context.user("analyst"))
    return made


# (demand measure, the team that handles it): the first with a shown forecast is set short of its busy months,
# the next comfortably above its forecast.
DEMO_CAPACITY = (("contacts-total", "contact-centre"), ("street-reports-received", "highways-north"),
                 ("applications-received", "parking-services"), ("cases-received", "business-admin-support"))


def seed_demo_capacity(analyst) -> int:
    """Idempotent: nothing once any capacity is set (one query)."""
    import math
    import statistics

    from oxtom.accounts.models import Team

    from .models import Capacity, Forecast
    from .services import capacity_set

    if analyst is None or Capacity.objects.exists():
        return 0
    teams = {t.slug: t for t in Team.objects.filter(slug__in=[slug for _, slug in DEMO_CAPACITY])}
    forecasts = {f.measure.code: f for f in Forecast.objects.filter(
        area_key="county", shown=True, measure__code__in=[code for code, _ in DEMO_CAPACITY]).select_related("measure")}
    chosen = [(forecasts[code], teams[slug]) for code, slug in DEMO_CAPACITY if code in forecasts and slug in teams]
    made = 0
    for index, (forecast, team) in enumerate(chosen[:2]):
        if index == 0:  # about the typical month: the busy months' upper bounds are over it
            amount = min(int(statistics.median(p["mean"] for p in forecast.points)),
                         int(max(p["hi80"] for p in forecast.points)) - 1)
        else:  # room to spare: no warning
            amount = math.ceil(max(p["hi95"] for p in forecast.points)) + 50
        capacity_set(team=team, measure=forecast.measure, first_month=forecast.first_month, months=12,
                     capacity=max(1, amount), by=analyst, today=forecast.first_month)
        made += 1
    return made


# --- MASH referrals and the risk model (Maya screens, Bill and Bea train, Lee signs off and reviews) ------

_FIRST = ("Alfie", "Bea", "Callum", "Daisy", "Elin", "Finn", "Gracie", "Harley", "Isla", "Jayden", "Kacey", "Leo",
          "Mia", "Noah", "Ollie", "Poppy", "Reggie", "Sienna", "Theo", "Willow")
_LAST = ("Placeholme", "Mockridge", "Testerley", "Sampleton", "Fakenham-Rye", "Dummett", "Exampleby", "Notreal")
_CONCERNS = (
    "Police attended a domestic incident at the home overnight; the child was present.",
    "School reports the child has missed 30% of sessions this term and seems withdrawn.",
    "Health visitor concerned about weight loss and missed appointments.",
    "Neighbour reports the child is often left alone in the evenings.",
    "Child disclosed to a teacher that they are frightened to go home.",
)
DEMO_CHILDREN = 60
DEMO_WAITING = 6
DEMO_GRID = {"max_depth": [3], "learning_rate": [0.1], "max_iter": [100]}


def _demo_referrals(maya, rng) -> int:
    import datetime as dt

    from django.utils import timezone

    from .models import Referral
    from .services import referral_create, referral_screen

    now = timezone.now()
    today = timezone.localdate()
    made, waiting = 0, []
    agencies = list(Referral.Agency.values)
    for child in range(DEMO_CHILDREN):
        risky = child % 5 == 0  # a fifth of the children have the history the model learns from
        visits = int(rng.integers(3, 6)) if risky else int(rng.integers(1, 3))
        born = today - dt.timedelta(days=int(rng.integers(365, 16 * 365)))
        decile = int(rng.integers(1, 11))
        name = f"{_FIRST[child % len(_FIRST)]} {_LAST[(child * 7) % len(_LAST)]}"
        for visit in range(visits):
            received = now - dt.timedelta(days=int(8 + (visits - visit) * rng.integers(4, 12)), hours=int(
                rng.integers(0, 12)))
            referral = referral_create(
                by=maya, referrer_name=f"Officer {_LAST[(child + visit) % len(_LAST)]}",
                referrer_agency=agencies[(child + visit) % len(agencies)], child_key=f"DEMO-{child + 1:04d}",
                child_name=name, child_date_of_birth=born, child_sex="female" if child % 2 else "male",
                child_ethnicity="ABCDE"[child % 5 if child % 3 == 0 else 0], child_disability=child % 11 == 0,
                deprivation_decile=decile, concerns=_CONCERNS[(child + visit) % len(_CONCERNS)],
                police_flag=risky or bool(rng.random() < 0.1), school_flag=risky and visit % 2 == 0,
                health_flag=bool(rng.random() < 0.08), received_at=received)
            made += 1
            if child < DEMO_WAITING and visit == visits - 1:
                waiting.append(referral)  # the newest referral of the first few children waits for Maya
                continue
            outcome = ("nfa", "early_help", "assessment")[(child + visit) % 3]
            referral_screen(referral=referral, outcome=outcome, reasons="Screened with partners' information.",
                            expected_version=referral.case.version, by=maya)
    return made


def mash_step(context) -> int:
    """Demo step: MASH referrals, two risk model versions (one blocked by its bias checks, one signed off)
    and the first week's scoring, so Maya has referrals to screen and Lee a report to review."""
    import numpy as np

    from oxtom.accounts.models import Team

    from . import risk
    from .models import Referral, RiskModelVersion
    from .services import risk_model_sign_off, risk_model_train, risk_scores_compute

    if Referral.objects.exists() or not Team.objects.filter(slug="mash").exists():
        return 0
    people = context.users("mash", "lee", "bi.analyst", "bi.analyst.2")
    maya, lee, bill, bea = (people.get(k) for k in ("mash", "lee", "bi.analyst", "bi.analyst.2"))
    if None in (maya, lee, bill, bea):
        return 0
    made = _demo_referrals(maya, np.random.default_rng(risk.SEED))
    if not RiskModelVersion.objects.exists():
        # Bill's first version learns the over-recording in the most deprived areas: its bias checks fail.
        risk_model_train(df=risk.generate_referrals(20_000), by=bill, grid=DEMO_GRID,
                         hypothesis="A child's referral history and partners' flags predict re-referral within "
                                    "12 months of a case closing.")
        # Bea's version: outcomes with the over-recording corrected, and the same share flagged in every area.
        second = risk_model_train(
            df=risk.generate_referrals(100_000, unfair=False), by=bea, grid=DEMO_GRID, equalise_areas=True,
            hypothesis="As version 1, on outcomes corrected for over-recording in the most deprived areas, with "
                       "the same share flagged in each area.")
        if second.passed_bias_checks:
            risk_model_sign_off(version=second, by=lee)
    risk_scores_compute()
    return made
