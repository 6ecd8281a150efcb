"""The weekly scoring of MASH referrals by the signed-off risk model, and Lee's review of what it flags.

Only a signed-off version runs. Each week it scores open referrals and those closed in the last
RECENT_WEEKS weeks; the closed ones it flags go on Lee's report, each with the inputs that raised its
score, for a professional to decide whether to refer to partners for early help. The model writes
only its scores: it never changes a case. A rerun of the same week adds only referrals not yet scored
(the week's scores, and the reviews on them, stay as they were) and tells Lee once.
"""
from __future__ import annotations

import datetime as dt
import logging
import pickle
import time
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.cases.models import Status
from oxtom.core.audit import audit_record
from oxtom.core.links import absolute_url

from .. import risk
from ..selectors import FACTOR_LABELS
from ..models import Referral, RiskReview, RiskScore, ScoringRun
from .forecasts import running_risk_model
from .mash import TEAM_SLUG

logger = logging.getLogger(__name__)

RECENT_WEEKS = 8
MAX_REASONS = 2000
TOP_FACTORS = 3
READ_CHUNK = 5000
WRITE_CHUNK = 2000


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@lru_cache(maxsize=1)
def training_reference() -> pd.DataFrame:
    """The training population's inputs, for the drift report: the synthetic generator at its fixed seed
    (every version so far is trained on it; a sample of 20,000 gives the same quantiles)."""
    return risk.generate_referrals(20_000)


# The columns the scoring reads for each referral (from the referral and its engine case), in this order.
READ_COLUMNS = {
    "id": "id", "child_key": "child_key", "screening_outcome": "screening_outcome", "police_flag": "police_flag",
    "school_flag": "school_flag", "health_flag": "health_flag", "child_date_of_birth": "child_date_of_birth",
    "deprivation_decile": "deprivation_decile", "child_sex": "child_sex", "child_ethnicity": "child_ethnicity",
    "child_disability": "child_disability", "received_at": "case__received_at", "closed_at": "case__closed_at",
    "status": "case__status"}


def _referral_frame() -> pd.DataFrame:
    """Every referral's scoring columns as one DataFrame, read READ_CHUNK rows at a time.

    Every referral, not only the week's: a child's earlier referrals make their history. A server-side
    cursor on PostgreSQL (iterator), each chunk turned into columns as it arrives, so neither the driver's
    whole result set nor 100,000 row dicts are held at once. One query.
    """
    rows = Referral.objects.order_by().values_list(*READ_COLUMNS.values()).iterator(chunk_size=READ_CHUNK)
    frames, chunk = [], []
    for row in rows:
        chunk.append(row)
        if len(chunk) == READ_CHUNK:
            frames.append(pd.DataFrame.from_records(chunk, columns=list(READ_COLUMNS)))
            chunk = []
    if chunk or not frames:
        frames.append(pd.DataFrame.from_records(chunk, columns=list(READ_COLUMNS)))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def referral_features(rows: list[dict] | pd.DataFrame, *, as_of: dt.datetime) -> pd.DataFrame:
    """The model's inputs for each referral, from the case history (value dicts, or the frame _referral_frame reads; no queries).

    prior_referrals and prior_nfa count the same child's earlier referrals; last_case_days is how long
    this case was (or has been) open; age is in whole years on `as_of`.
    """
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=["referral_id", *risk.FEATURES, "closed", *risk.SENSITIVE])
    df = df.sort_values(["child_key", "received_at", "id"]).reset_index(drop=True)
    by_child = df.groupby("child_key", sort=False)
    df["prior_referrals"] = by_child.cumcount()
    df["nfa"] = (df["screening_outcome"] == Referral.Screening.NO_FURTHER_ACTION).astype(int)
    df["prior_nfa"] = by_child["nfa"].cumsum() - df["nfa"]
    end = df["closed_at"].where(df["closed_at"].notna(), as_of)
    df["last_case_days"] = ((pd.to_datetime(end, utc=True) - pd.to_datetime(df["received_at"], utc=True))
                            .dt.days.clip(lower=0, upper=365))
    dob = pd.to_datetime(df["child_date_of_birth"])
    df["age"] = ((pd.Timestamp(as_of.date()) - dob).dt.days // 365).clip(lower=0, upper=17)
    df["closed"] = df["status"] == Status.CLOSED
    df["sex"], df["ethnicity"], df["disability"] = df["child_sex"], df["child_ethnicity"], df["child_disability"]
    df["deprived_area"] = np.where(df["deprivation_decile"] <= 2, "most deprived fifth", "other areas")
    return df.rename(columns={"id": "referral_id"})


def _factors(estimator: Any, frame: pd.DataFrame, scores: np.ndarray, reference: dict[str, float],
             features: list[str]) -> list[list]:
    """For each row: the inputs that raised its score most, as (feature, value, rise in score).

    Each input in turn is set to the typical training value and the row scored again; the fall in the
    score is how much that input drove it. Cheap: one scoring a feature, for the flagged rows only.
    """
    X = frame[features].astype(float).to_numpy()
    effects = np.zeros_like(X)
    for j, feature in enumerate(features):
        moved = X.copy()
        moved[:, j] = reference[feature]
        effects[:, j] = scores - estimator.predict_proba(moved)[:, 1]
    out = []
    for i in range(len(X)):
        order = np.argsort(-effects[i])[:TOP_FACTORS]
        out.append([{"feature": features[j], "label": FACTOR_LABELS[features[j]], "value": float(X[i, j]),
                     "shown": _shown(features[j], X[i, j]), "effect": round(float(effects[i, j]), 4)}
                    for j in order if effects[i, j] > 0.005])
    return out


def _shown(feature: str, value: float) -> str:
    """An input as a reader says it: a flag is yes or no, a count a whole number."""
    if feature.endswith("_flag"):
        return "yes" if value else "no"
    return f"{value:.0f}"


def _recipients() -> list[str]:
    from oxtom.accounts.models import TeamMembership

    members = TeamMembership.objects.filter(team__slug=TEAM_SLUG, user__is_active=True).select_related("user")
    return sorted({m.user.email for m in members if m.user.email and m.user.has_permission(
        Permission.RISK_MODEL_SIGN_OFF)})


def risk_scores_compute(*, today: dt.date | None = None) -> ScoringRun | None:
    """Score this week's open and recently closed referrals with the signed-off model (None: nothing runs)."""
    from oxtom.notify.services import staff_alert_queue

    started = time.perf_counter()
    version = running_risk_model()
    if version is None:
        logger.info("insight: no signed-off risk model, nothing scored")
        return None
    now = timezone.now()
    today = today or timezone.localdate()
    week = week_of(today)
    since = now - dt.timedelta(weeks=RECENT_WEEKS)
    df = referral_features(_referral_frame(), as_of=now)
    if not df.empty:
        recent = (~df["closed"]) | (pd.to_datetime(df["closed_at"], utc=True) >= pd.Timestamp(since))
        df = df[recent].reset_index(drop=True)
    loaded = pickle.loads(bytes(version.estimator))  # written by risk_model_train only, never uploaded
    estimator, threshold = loaded["estimator"], loaded["threshold"]
    features = risk.chosen_features(version.features)  # the inputs this version was trained on
    with transaction.atomic():
        run, created = ScoringRun.objects.select_for_update().get_or_create(
            week=week, defaults={"version": version, "computed_at": now})
        if not created and run.version_id != version.pk:
            logger.warning("insight: week %s was scored by version %s; not rescored", week, run.version_id)
            return run
        done = set(run.scores.values_list("referral_id", flat=True))
        todo = df[~df["referral_id"].isin(done)].reset_index(drop=True) if done else df
        if len(todo):
            scores = risk.score(estimator, todo, features)
            flagged = risk.flags(threshold, todo, scores)
            reference = training_reference()[features].median().astype(float).to_dict()
            picked = np.flatnonzero(flagged)
            factors = dict(zip(picked.tolist(), _factors(estimator, todo.iloc[picked], scores[picked], reference,
                                                         features))) if len(picked) else {}
            # Written a chunk at a time: one INSERT per WRITE_CHUNK scores, and only that chunk's rows and
            # inputs built in memory (at 100,000 referrals, building them all first doubled the peak).
            values = todo[features].astype(float)
            ids, closed = todo["referral_id"].to_numpy(), todo["closed"].to_numpy()
            for start in range(0, len(todo), WRITE_CHUNK):
                end = min(start + WRITE_CHUNK, len(todo))
                inputs = values.iloc[start:end].to_dict("records")
                RiskScore.objects.bulk_create([
                    RiskScore(run=run, referral_id=int(ids[i]), score=round(float(scores[i]), 4),
                              flagged=bool(flagged[i]), closed=bool(closed[i]), inputs=inputs[i - start],
                              factors=factors.get(i, [])) for i in range(start, end)],
                    batch_size=WRITE_CHUNK, ignore_conflicts=True)
        run.scored = run.scores.count()
        run.flagged = run.scores.filter(flagged=True, closed=True).count()
        run.drift = risk.drift(training_reference(), df, features) if len(df) else {}
        run.seconds = round(time.perf_counter() - started, 3)
        run.computed_at = now
        run.save(update_fields=["scored", "flagged", "drift", "seconds", "computed_at"])
        audit_record(by=None, action="create", target=run,
                     summary=f"Risk model version {version.version} scored {run.scored} referrals for week {week}")
        tell = run.flagged > 0 and ScoringRun.objects.filter(pk=run.pk, reported_at__isnull=True).update(
            reported_at=now)
    if tell:
        link = absolute_url(reverse("insight:review"))
        for to in _recipients():
            staff_alert_queue(
                to=to, key=f"risk-report:{week.isoformat()}:{to}", subject="Weekly safeguarding risk report",
                message=f"The risk model flagged {run.flagged} recently closed cases for review in the week of "
                        f"{week:%-d %B %Y}. Review them at {link}")
    return run


@transaction.atomic
def risk_review_record(*, score: RiskScore, decision: str, reasons: str, by: Any) -> RiskReview:
    """A professional's decision on a flagged closed case. Recorded once; it never changes the case."""
    if not (getattr(by, "is_authenticated", False) and by.has_permission(Permission.RISK_MODEL_SIGN_OFF)
            and by.has_permission(Permission.SAFEGUARDING_SCREEN)):
        raise PermissionDenied("Only the safeguarding service manager reviews the risk report")
    score = RiskScore.objects.select_for_update(of=("self",)).get(pk=score.pk)
    if not (score.flagged and score.closed):
        raise ValidationError("Only flagged closed cases are reviewed")
    if RiskReview.objects.filter(score=score).exists():
        raise ValidationError("This case has already been reviewed")
    if decision not in RiskReview.Decision.values:
        raise ValidationError({"decision": "Choose whether to refer to partners"})
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": "Enter the reasons for the decision"})
    if len(reasons) > MAX_REASONS:
        raise ValidationError({"reasons": f"The reasons must be {MAX_REASONS:,} characters or fewer"})
    review = RiskReview.objects.create(score=score, decision=decision, reasons=reasons, decided_by=by,
                                       decided_at=timezone.now())
    audit_record(by=by, action="create", target=review, summary=f"Risk report review: "
                 f"{RiskReview.Decision(decision).label}", referral=score.referral_id)
    return review


