"""The risk model's training form (the BI team defines the hypothesis and inputs; the worker trains), and the
bias checks' minimum group size (a rate with too few cases behind it is not judged, and an attribute with
fewer than two measured groups cannot pass)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from insight import risk, services
from insight.models import RiskModelVersion, RiskTrainingRun
from oxtom.core.models import AuditEvent
from tests import factories as f

from .conftest import SMALL_GRID

URL = "/staff/insight/models/train/"


def _post(client, data):
    return client.post(URL, data)


@pytest.fixture
def small_grid(monkeypatch):
    monkeypatch.setattr(risk, "GRID", SMALL_GRID)


@pytest.fixture
def queued(monkeypatch):
    """What the form handed to the broker (the run ids), instead of a worker picking them up mid-test."""
    from insight import tasks

    sent = []
    monkeypatch.setattr(tasks.train_risk_model, "apply_async", lambda args, **kw: sent.append(args[0]))
    return sent


# --- the bias checks' minimum group size ---------------------------------------------------------

def _groups(**columns):
    n = len(next(iter(columns.values())))
    base = {a: ["x"] * n for a in risk.SENSITIVE}
    base.update(columns)
    return pd.DataFrame(base)


def test_a_group_with_too_few_cases_is_shown_as_such_and_left_out_of_the_comparison():
    rng = np.random.default_rng(1)
    labels = ["A"] * 400 + ["B"] * 400 + ["E"] * 12
    y_true = rng.random(len(labels)) < 0.3
    y_pred = rng.random(len(labels)) < 0.1
    y_pred[-12:] = True  # the tiny group is all flagged: judged, it would fail the ratio by itself
    result = risk.bias_checks(y_true, y_pred, _groups(ethnicity=labels))["ethnicity"]
    assert result["groups"]["E"]["selection_rate"] is None and result["groups"]["E"]["cases"] == 12
    assert result["too_few"] == ["E"]
    a, b = result["groups"]["A"]["selection_rate"], result["groups"]["B"]["selection_rate"]
    assert result["ratio"]["selection_rate"] == pytest.approx(min(a, b) / max(a, b), abs=1e-3)
    assert result["compared"]["selection_rate"] == 2


def test_an_attribute_with_one_measured_group_cannot_pass():
    labels = ["A"] * 500 + ["B"] * 20
    y_true = np.array([True, False] * 260)
    y_pred = np.array([False] * 520)
    result = risk.bias_checks(y_true, y_pred, _groups(sex=labels))["sex"]
    assert result["ratio"]["selection_rate"] is None and not result["checks"]["selection_rate_ratio"]
    assert not result["passed"]


def test_rates_need_their_own_outcomes_behind_them():
    """The false negative rate needs MIN_GROUP cases with the outcome, not just MIN_GROUP cases."""
    labels = ["A"] * 300 + ["B"] * 300
    y_true = np.zeros(600, dtype=bool)
    y_true[:100] = True  # A: 100 with the outcome; B: none
    y_true[300:310] = True  # B: 10 with the outcome
    y_pred = np.zeros(600, dtype=bool)
    result = risk.bias_checks(y_true, y_pred, _groups(sex=labels))["sex"]
    assert result["groups"]["B"]["false_negative_rate"] is None
    assert result["groups"]["B"]["false_positive_rate"] is not None
    assert not result["checks"]["fnr_difference"]


def test_the_inputs_are_chosen_from_the_documented_ones_only():
    assert risk.chosen_features(["age", "police_flag"]) == ["police_flag", "age"]  # in FEATURES order
    for bad in (["sex", "age"], ["age"], ["age", "nonsense"], []):
        with pytest.raises(ValueError):
            risk.chosen_features(bad)


# --- the form -------------------------------------------------------------------------------------

def test_only_the_bi_team_sees_the_form(client, bi, lee):
    client.force_login(bi)
    page = client.get(URL)
    assert page.status_code == 200 and "Start training" in page.content.decode()
    assert "Train a new version" in client.get("/staff/insight/models/").content.decode()
    client.force_login(lee)  # reads and signs off versions, does not train them
    assert client.get(URL).status_code in (403, 404)
    assert "Train a new version" not in client.get("/staff/insight/models/").content.decode()
    client.force_login(f.UserFactory(roles=["officer"]))
    assert client.get(URL).status_code in (403, 404)


def test_bad_hostile_and_oversized_answers_are_refused_at_the_field(client, bi, queued):
    client.force_login(bi)
    page = _post(client, {})
    body = page.content.decode()
    assert page.status_code == 200
    for message in ("Enter the hypothesis the model tests", "Choose at least two of the listed inputs",
                    "Choose how many referral histories to train on"):
        assert message in body
    page = _post(client, {"hypothesis": "x" * 1001, "features": ["sex", "age"], "rows": "999999"})
    body = page.content.decode()
    assert "Hypothesis must be 1,000 characters or fewer" in body
    assert "Choose at least two of the listed inputs" in body  # a protected characteristic is not an input
    assert "Choose how many referral histories to train on" in body
    page = _post(client, {"hypothesis": "History predicts", "features": ["age"], "rows": "20000"})
    assert "Choose at least two of the listed inputs" in page.content.decode()
    assert not RiskTrainingRun.objects.exists() and queued == []


def test_a_valid_request_queues_one_run_and_a_second_waits(client, bi, queued, django_capture_on_commit_callbacks):
    client.force_login(bi)
    data = {"hypothesis": "History\u202e predicts re-referral", "features": ["prior_referrals", "police_flag"],
            "rows": "5000", "equalise_areas": "on", "submission_key": "k" * 32}
    with django_capture_on_commit_callbacks(execute=True):
        page = _post(client, data)
    assert page.status_code == 302 and page.url == "/staff/insight/models/"
    run = RiskTrainingRun.objects.get()
    assert run.status == "queued" and run.in_progress and queued == [run.pk]
    assert run.hypothesis == "History predicts re-referral"  # the bidi override is gone
    assert run.features == ["prior_referrals", "police_flag"] and run.rows == 5000 and run.equalise_areas
    assert AuditEvent.objects.filter(summary__startswith="Risk model training queued").count() == 1
    _post(client, data)  # the same key again: answered, not acted on
    assert RiskTrainingRun.objects.count() == 1
    page = _post(client, {**data, "submission_key": "j" * 32})  # a new request while the first is in progress
    assert "already training" in page.content.decode() and RiskTrainingRun.objects.count() == 1
    listing = client.get("/staff/insight/models/").content.decode()
    assert "Waiting to start" in listing and "5,000" in listing


def test_the_worker_trains_the_run_once_with_the_chosen_inputs(db, bi, small_grid):
    run = services.training_request(by=bi, hypothesis="History predicts", rows=5000,
                                    features=["prior_referrals", "police_flag", "school_flag"])
    done = services.training_run(run.pk)
    assert done.status == "done" and done.in_progress is None and done.version is not None
    version = done.version
    assert version.features == ["prior_referrals", "police_flag", "school_flag"]
    assert version.card["features"] == version.features and version.card["thresholds"]["min_group"] == risk.MIN_GROUP
    assert version.trained_by == bi and version.hypothesis == "History predicts"
    assert services.training_run(run.pk) is None  # a redelivered task trains nothing twice
    assert RiskModelVersion.objects.count() == 1
    # the stored model scores with its own inputs
    import pickle

    estimator = pickle.loads(bytes(version.estimator))["estimator"]
    scores = risk.score(estimator, risk.generate_referrals(50, seed=9), version.features)
    assert scores.shape == (50,) and ((0 <= scores) & (scores <= 1)).all()
    # and the next request is taken, since nothing is in progress
    assert services.training_request(by=bi, hypothesis="Again", rows=5000, features=["age", "police_flag"])


def test_a_failed_training_says_so_and_frees_the_form(db, bi, monkeypatch):
    from insight.services import training

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(training, "risk_model_train", broken)
    run = services.training_request(by=bi, hypothesis="x", rows=5000, features=["age", "police_flag"])
    failed = services.training_run(run.pk)
    assert failed.status == "failed" and failed.in_progress is None and "error" in failed.failure
    assert "boom" not in failed.failure  # the trace goes to the log, not the page
    assert services.training_request(by=bi, hypothesis="x", rows=5000, features=["age", "police_flag"])


def test_a_broker_that_refuses_fails_the_run_at_once(db, bi, monkeypatch, django_capture_on_commit_callbacks):
    from insight import tasks

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.train_risk_model, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.training_request(by=bi, hypothesis="x", rows=5000, features=["age", "police_flag"])
    run.refresh_from_db()
    assert run.status == "failed" and "job queue" in run.failure and run.in_progress is None


def test_a_run_the_worker_never_finished_stops_blocking(db, bi, queued):
    old = services.training_request(by=bi, hypothesis="x", rows=5000, features=["age", "police_flag"])
    RiskTrainingRun.objects.filter(pk=old.pk).update(requested_at=timezone.now() - dt.timedelta(minutes=40))
    new = services.training_request(by=bi, hypothesis="y", rows=5000, features=["age", "police_flag"])
    old.refresh_from_db()
    assert old.status == "failed" and "did not finish" in old.failure and new.in_progress


def test_the_models_page_reads_a_constant_number_of_queries(client, bi):
    client.force_login(bi)
    client.get("/staff/insight/models/")
    for i in range(5):
        RiskTrainingRun.objects.create(requested_by=f.UserFactory(), requested_at=timezone.now(), hypothesis="h",
                                       features=["age", "police_flag"], rows=5000, status="failed",
                                       in_progress=None)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as five:
        client.get("/staff/insight/models/")
    RiskTrainingRun.objects.all().delete()
    with CaptureQueriesContext(connection) as none:
        client.get("/staff/insight/models/")
    assert len(five) == len(none)
