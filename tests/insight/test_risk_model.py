"""The safeguarding referral risk model on synthetic data: the generator's planted signal is found on
held-out data, the bias checks flag the planted unfairness (over-recording in the most deprived areas),
and sign-off is refused for the trainer, for failed bias checks and for anyone without the role."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from insight import risk, services
from insight.models import RiskModelVersion
from tests import factories as f

SMALL_GRID = {"max_depth": [3], "learning_rate": [0.1], "max_iter": [60]}


@pytest.fixture(scope="module")
def unfair_model():
    return risk.train(risk.generate_referrals(6000, seed=7), grid=SMALL_GRID)


def test_the_generator_is_fictional_sized_and_documents_its_plant():
    df = risk.generate_referrals(2000, seed=1)
    assert len(df) == 2000 and set(risk.FEATURES) <= set(df.columns)
    assert not set(risk.SENSITIVE) & set(risk.FEATURES)  # protected characteristics are never inputs
    deprived = df["deprivation_decile"] <= 2
    over = (df["outcome"] & ~df["true_outcome"])
    assert over[deprived].mean() > 0.05 and over[~deprived].mean() == 0  # the planted over-recording


def test_the_planted_signal_is_found_on_held_out_data(unfair_model):
    m = unfair_model.metrics
    assert m["test_rows"] == 1200 and m["train_rows"] == 4800  # 80/20
    assert m["roc_auc"] > 0.68
    assert m["precision"] > m["base_rate"]  # flagged cases are likelier than average to be re-referred
    assert 0.05 <= m["flagged_share"] <= 0.16 and m["calibration"]


def test_the_bias_checks_flag_the_planted_unfairness(unfair_model):
    deprivation = unfair_model.fairness["deprived_area"]
    assert not deprivation["passed"] and not deprivation["checks"]["selection_rate_ratio"]
    assert deprivation["ratio"]["selection_rate"] < 0.8
    assert not unfair_model.passed
    # nothing was planted by sex: its selection rates stay far closer than the deprived areas'
    assert unfair_model.fairness["sex"]["ratio"]["selection_rate"] > deprivation["ratio"]["selection_rate"] + 0.3


def test_drift_is_reported_between_training_and_recent_cases():
    old = risk.generate_referrals(3000, seed=2)
    assert max(risk.drift(old, risk.generate_referrals(3000, seed=3)).values()) < 0.1
    shifted = risk.generate_referrals(3000, seed=3)
    shifted["prior_referrals"] += 2
    assert risk.drift(old, shifted)["prior_referrals"] > 0.2


def test_sign_off_is_refused_for_the_trainer_failed_checks_and_other_roles(db):
    bi = f.UserFactory(email="bi@example.org", full_name="Bill Insight", roles=["bi_analyst", "safeguarding_manager"])
    lee = f.UserFactory(email="lee@example.org", full_name="Lee Manager", roles=["safeguarding_manager"])
    officer = f.UserFactory(email="o@example.org", roles=["officer"])
    version = services.risk_model_train(df=risk.generate_referrals(3000, seed=7), hypothesis="History predicts",
                                        by=bi, grid=SMALL_GRID)
    assert version.version == 1 and version.card["trained_by"] == "Bill Insight"
    with pytest.raises(PermissionDenied):
        services.risk_model_sign_off(version=version, by=officer)
    with pytest.raises(ValidationError, match="another service manager"):
        services.risk_model_sign_off(version=version, by=bi)
    if not version.passed_bias_checks:
        with pytest.raises(ValidationError, match="bias checks failed"):
            services.risk_model_sign_off(version=version, by=lee)
        assert services.running_risk_model() is None  # nothing unsigned runs
    RiskModelVersion.objects.filter(pk=version.pk).update(passed_bias_checks=True)  # as a version that passed
    version.refresh_from_db()
    signed = services.risk_model_sign_off(version=version, by=lee)
    assert signed.card["signed_off_by"] == "Lee Manager" and services.running_risk_model() == signed
    with pytest.raises(ValidationError, match="already signed off"):
        services.risk_model_sign_off(version=signed, by=lee)
    with pytest.raises(ValidationError, match="hypothesis"):
        services.risk_model_train(df=risk.generate_referrals(500), hypothesis=" ", by=bi)
    with pytest.raises(PermissionDenied):
        services.risk_model_train(df=risk.generate_referrals(500), hypothesis="x", by=lee)
