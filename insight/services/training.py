"""The training form's runs: an analyst asks for a version, the worker trains it.

Training a version takes minutes of CPU (a grid search over tens of thousands of rows), so the form
queues a RiskTrainingRun and the worker runs it through `risk_model_train`, the same path the demo and
the tests use. One run is in progress at a time: the machine has few cores and two trainings at once
would only slow both. A run the broker never took, or the worker never finished, stops counting as in
progress after STALLED_AFTER (longer than the task's hard time limit), so it can never block the form.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.core.hygiene import clean_free_text

from .. import risk
from ..models import RiskTrainingRun
from .forecasts import risk_model_train

logger = logging.getLogger(__name__)

ROW_CHOICES = (5_000, 20_000, 50_000)
MAX_HYPOTHESIS = 1000
STALLED_AFTER = dt.timedelta(minutes=35)  # the task's time_limit is 30 minutes
ALREADY_TRAINING = "A version is already training: wait for it to finish before starting another"


def _release_stalled(now: dt.datetime) -> None:
    RiskTrainingRun.objects.filter(in_progress=True, requested_at__lt=now - STALLED_AFTER).update(
        status=RiskTrainingRun.Status.FAILED, in_progress=None, finished_at=now,
        failure="It did not finish in time: start it again")


def training_request(*, by: Any, hypothesis: str, features: list[str], rows: int,
                     equalise_areas: bool = False) -> RiskTrainingRun:
    """Queue a training run for the worker (the BI team only); refused while another is in progress."""
    if by is None or not getattr(by, "is_authenticated", False) or not by.has_permission(Permission.INSIGHT_WORK):
        raise PermissionDenied
    hypothesis = clean_free_text(hypothesis or "").strip()
    errors = {}
    if not hypothesis:
        errors["hypothesis"] = "Enter the hypothesis the model tests"
    elif len(hypothesis) > MAX_HYPOTHESIS:
        errors["hypothesis"] = f"The hypothesis must be {MAX_HYPOTHESIS:,} characters or fewer"
    try:
        chosen = risk.chosen_features(list(features or []))
    except ValueError:
        errors["features"] = "Choose at least two of the listed inputs"
    if rows not in ROW_CHOICES:
        errors["rows"] = "Choose how many referral histories to train on"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    _release_stalled(now)
    try:
        with transaction.atomic():
            run = RiskTrainingRun.objects.create(
                requested_by=by, requested_at=now, hypothesis=hypothesis, features=chosen, rows=rows,
                equalise_areas=equalise_areas)
    except IntegrityError as exc:  # the one-in-progress constraint: someone else's run is queued or training
        raise ValidationError(ALREADY_TRAINING) from exc
    audit_record(by=by, action="create", target=run,
                 summary=f"Risk model training queued on {rows:,} histories ({len(chosen)} inputs)")
    run_id = run.pk
    transaction.on_commit(lambda: _enqueue(run_id))
    return run


def _enqueue(run_id: int) -> bool:
    """Hand the run to the worker; if the broker refuses, the run fails at once with a reason (never raises)."""
    from ..tasks import train_risk_model

    try:
        train_risk_model.apply_async((run_id,), retry=True,
                                     retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2})
    except Exception as exc:  # noqa: BLE001 - any broker failure: say so on the run rather than leave it queued
        logger.warning("insight: could not queue training run %s (%s)", run_id, type(exc).__name__)
        RiskTrainingRun.objects.filter(pk=run_id, status=RiskTrainingRun.Status.QUEUED).update(
            status=RiskTrainingRun.Status.FAILED, in_progress=None, finished_at=timezone.now(),
            failure="The job queue could not take it: start it again")
        return False
    return True


def training_run(run_id: int) -> RiskTrainingRun | None:
    """The worker's part: claim a queued run (once), train it, and record the version or why it failed."""
    from threadpoolctl import threadpool_limits

    now = timezone.now()
    claimed = RiskTrainingRun.objects.filter(pk=run_id, status=RiskTrainingRun.Status.QUEUED).update(
        status=RiskTrainingRun.Status.RUNNING, started_at=now)
    if not claimed:  # a redelivered task, or a run already failed: nothing to do twice
        return None
    run = RiskTrainingRun.objects.select_related("requested_by").get(pk=run_id)
    try:
        df = risk.generate_referrals(run.rows)
        with threadpool_limits(1):  # one core for training; the other keeps the worker's messages moving
            version = risk_model_train(df=df, hypothesis=run.hypothesis, by=run.requested_by,
                                       equalise_areas=run.equalise_areas, features=run.features)
    except Exception:  # noqa: BLE001 - recorded on the run for the analyst; the trace goes to the log
        logger.exception("insight: training run %s failed", run_id)
        RiskTrainingRun.objects.filter(pk=run_id).update(
            status=RiskTrainingRun.Status.FAILED, in_progress=None, finished_at=timezone.now(),
            failure="Training stopped with an error: the BI team's log has the details")
        return RiskTrainingRun.objects.get(pk=run_id)
    RiskTrainingRun.objects.filter(pk=run_id).update(
        status=RiskTrainingRun.Status.DONE, in_progress=None, finished_at=timezone.now(), version=version)
    return RiskTrainingRun.objects.get(pk=run_id)
