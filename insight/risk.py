"""A risk model for safeguarding referrals, on synthetic data only (pure functions: data in, results out).

This platform holds no real children's data. `generate_referrals` makes
fictional referral histories with documented assumptions:

* each child has a sex, an ethnic group (five broad groups, A to E), a
  disability flag and the deprivation decile of their area (1 most
  deprived; open data by area, as the IMD is);
* case history: earlier referrals, earlier "no further action" outcomes,
  days the last case was open; partner flags from police, school
  (persistent absence) and health;
* the outcome to predict: re-referral within 12 months of a case closing.

The planted signal: re-referral truly depends on earlier referrals, the
police and school flags and a short last case (closed too soon). The
planted unfairness: for children in the most deprived areas (deciles 1-2)
the *recorded* outcome is inflated (more re-referrals recorded for the same
true risk, as heavier contact with services produces), so a model that
learns from the records over-selects those children; the bias checks
below must find it. Protected characteristics are never model inputs; the
area's deprivation is, because it is the open-data feature the BI team
proposes (and the route by which the unfairness gets in).

`train` follows the lifecycle the issue sets: an 80/20 split (stratified,
fixed seed), tuning by cross-validation on the training part only, and fit
reported on the held-out 20% (ROC AUC, precision and recall at the chosen
threshold, calibration). `bias_checks` uses fairlearn across sex, ethnic
group, disability and deprivation: selection rate, false positive and
false negative rates, with their differences and ratios against thresholds
that block sign-off.
"""
from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SEED = 2026
FEATURES = ["prior_referrals", "prior_nfa", "last_case_days", "police_flag", "school_flag", "health_flag",
            "age", "deprivation_decile"]
SENSITIVE = ["sex", "ethnicity", "disability", "deprived_area"]
# Sign-off is blocked when any group's selection rate is under 0.8 of another's (the four-fifths rule),
# or the false positive or false negative rates differ by more than 0.10 between groups.
THRESHOLDS = {"selection_rate_ratio_min": 0.8, "fpr_difference_max": 0.10, "fnr_difference_max": 0.10}
# A rate is judged only where a group has enough held-out cases behind it: at least MIN_GROUP cases for
# its selection rate, MIN_GROUP cases without the outcome for its false positive rate and MIN_GROUP with
# it for its false negative rate. A smaller group's rate swings by chance (at 10 cases one case moves it
# by 0.10, the whole tolerance), so it is shown as too few and left out of the differences and ratios;
# a check with fewer than two groups left to compare cannot pass, so sign-off is blocked rather than
# granted on groups nobody measured. 30 is the usual floor for a proportion's normal approximation.
MIN_GROUP = 30
SHARE_FLAGGED = 0.10  # the threshold flags the top tenth of risk (the review capacity Lee has)


def generate_referrals(n: int = 100_000, *, seed: int = SEED, unfair: bool = True) -> pd.DataFrame:
    """Fictional referral histories (see the module docstring for the assumptions)."""
    rng = np.random.default_rng(seed)
    decile = rng.integers(1, 11, n)
    deprivation = (11 - decile) / 10  # 1.0 in the most deprived decile
    df = pd.DataFrame({
        "referral_id": np.arange(1, n + 1),
        "sex": rng.choice(["female", "male"], n),
        "ethnicity": rng.choice(["A", "B", "C", "D", "E"], n, p=[0.7, 0.1, 0.08, 0.07, 0.05]),
        "disability": rng.random(n) < 0.08,
        "deprivation_decile": decile,
        "age": rng.integers(0, 18, n),
        "prior_referrals": rng.poisson(0.6 + 0.8 * deprivation),
        "last_case_days": rng.integers(5, 200, n),
        "police_flag": rng.random(n) < 0.08 + 0.07 * deprivation,
        "school_flag": rng.random(n) < 0.10 + 0.05 * deprivation,
        "health_flag": rng.random(n) < 0.07,
    })
    df["prior_nfa"] = rng.binomial(df["prior_referrals"], 0.5)
    logit = (-3.1 + 0.55 * df["prior_referrals"] + 1.1 * df["police_flag"] + 0.9 * df["school_flag"]
             + 0.4 * df["health_flag"] + 0.7 * (df["last_case_days"] < 30) - 0.02 * df["age"])
    true_risk = 1 / (1 + np.exp(-logit))
    truth = rng.random(n) < true_risk
    df["true_outcome"] = truth
    recorded = truth.copy()
    if unfair:  # over-recording in the most deprived areas: extra recorded re-referrals for the same true risk
        deprived = df["deprivation_decile"] <= 2
        recorded = recorded | (deprived & (rng.random(n) < 0.12))
    df["outcome"] = recorded
    df["deprived_area"] = np.where(df["deprivation_decile"] <= 2, "most deprived fifth", "other areas")
    return df


@dataclass
class TrainedModel:
    estimator: Any
    threshold: float | dict  # one threshold, or one per area ("deprived", "other") when areas are equalised
    params: dict
    metrics: dict
    fairness: dict
    passed: bool
    test_index: np.ndarray
    features: list[str]

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump({"estimator": self.estimator, "threshold": self.threshold}, buffer)
        return buffer.getvalue()


def _calibration(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    edges = np.quantile(p, np.linspace(0, 1, bins + 1))
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (p >= lo) & (p <= hi)
        if mask.any():
            rows.append({"predicted": round(float(p[mask].mean()), 4), "observed": round(float(y[mask].mean()), 4),
                         "count": int(mask.sum())})
    return rows


GRID = {"max_depth": [3, 5], "learning_rate": [0.05, 0.1], "max_iter": [100]}


def _deprived(df: pd.DataFrame) -> np.ndarray:
    return (df["deprivation_decile"].astype(float) <= 2).to_numpy()


def flags(threshold: float | dict, df: pd.DataFrame, scores: np.ndarray) -> np.ndarray:
    """Which scores are flagged: over the threshold, or over their area's threshold when areas are equalised."""
    if isinstance(threshold, dict):
        return scores >= np.where(_deprived(df), threshold["deprived"], threshold["other"])
    return scores >= threshold


def chosen_features(features: list[str] | None) -> list[str]:
    """The inputs a version uses, in FEATURES order: a subset of the documented inputs, at least two.

    Protected characteristics are not in FEATURES, so they can never be chosen as inputs.
    """
    if features is None:
        return list(FEATURES)
    unknown = sorted(set(features) - set(FEATURES))
    if unknown:
        raise ValueError(f"not a model input: {', '.join(unknown)}")
    chosen = [f for f in FEATURES if f in set(features)]
    if len(chosen) < 2:
        raise ValueError("a model needs at least two inputs")
    return chosen


def train(df: pd.DataFrame, *, seed: int = SEED, grid: dict | None = None, equalise_areas: bool = False,
          features: list[str] | None = None) -> TrainedModel:
    """80/20 stratified split, tune on the training part by 3-fold CV, report on the held-out 20%.

    `equalise_areas`: the mitigation for the deprivation check. The threshold is set within each area
    group (the most deprived fifth, the rest) at the same top tenth of its training scores, so both are
    selected at the same rate; the area is already an input, so no protected characteristic is used.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import brier_score_loss, precision_score, recall_score, roc_auc_score
    from sklearn.model_selection import GridSearchCV, train_test_split

    features = chosen_features(features)
    X, y = df[features].astype(float).to_numpy(), df["outcome"].to_numpy()
    index = np.arange(len(df))
    train_idx, test_idx = train_test_split(index, test_size=0.2, stratify=y, random_state=seed)
    search = GridSearchCV(
        HistGradientBoostingClassifier(random_state=seed, early_stopping=False),
        grid or GRID,
        scoring="roc_auc", cv=3, n_jobs=1)
    search.fit(X[train_idx], y[train_idx])
    model = search.best_estimator_
    # The threshold is set on the training part (the top tenth of its scores), never on the held-out part.
    p_train = model.predict_proba(X[train_idx])[:, 1]
    if equalise_areas:
        deprived = _deprived(df.iloc[train_idx])
        threshold: float | dict = {"deprived": float(np.quantile(p_train[deprived], 1 - SHARE_FLAGGED)),
                                   "other": float(np.quantile(p_train[~deprived], 1 - SHARE_FLAGGED))}
    else:
        threshold = float(np.quantile(p_train, 1 - SHARE_FLAGGED))
    p_test = model.predict_proba(X[test_idx])[:, 1]
    flagged = flags(threshold, df.iloc[test_idx], p_test)
    y_test = y[test_idx]
    metrics = {
        "roc_auc": round(float(roc_auc_score(y_test, p_test)), 4),
        "precision": round(float(precision_score(y_test, flagged, zero_division=0)), 4),
        "recall": round(float(recall_score(y_test, flagged, zero_division=0)), 4),
        "brier": round(float(brier_score_loss(y_test, p_test)), 4),
        "calibration": _calibration(y_test.astype(float), p_test),
        "threshold": ({k: round(v, 4) for k, v in threshold.items()} if isinstance(threshold, dict)
                      else round(threshold, 4)), "flagged_share": round(float(flagged.mean()), 4),
        "train_rows": int(len(train_idx)), "test_rows": int(len(test_idx)), "base_rate": round(float(y.mean()), 4),
    }
    fairness = bias_checks(y_test, flagged, df.iloc[test_idx])
    return TrainedModel(estimator=model, threshold=threshold, params=search.best_params_, metrics=metrics,
                        fairness=fairness, passed=all(a["passed"] for a in fairness.values()), test_index=test_idx,
                        features=features)


def bias_checks(y_true: np.ndarray, y_pred: np.ndarray, groups: pd.DataFrame) -> dict[str, dict]:
    """Per sensitive attribute: each group's rates, their differences and ratios, and whether they pass.

    A group's rate is None where the group has too few cases behind it (MIN_GROUP); differences and
    ratios are taken over the groups measured, and a check with fewer than two of them fails.
    """
    from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate

    y_true, y_pred = np.asarray(y_true).astype(bool), np.asarray(y_pred).astype(bool)
    results = {}
    for attribute in SENSITIVE:
        labels = groups[attribute].astype(str).to_numpy()
        frame = MetricFrame(metrics={"selection_rate": selection_rate, "false_positive_rate": false_positive_rate,
                                     "false_negative_rate": false_negative_rate},
                            y_true=y_true, y_pred=y_pred, sensitive_features=labels)
        counted = {}
        for g, row in frame.by_group.iterrows():
            mine = labels == g
            cases, positives = int(mine.sum()), int(y_true[mine].sum())
            behind = {"selection_rate": cases, "false_positive_rate": cases - positives,
                      "false_negative_rate": positives}
            counted[str(g)] = {
                **{k: (round(float(v), 4) if behind[k] >= MIN_GROUP else None) for k, v in row.items()},
                "cases": cases, "with_outcome": positives}
        differences, ratios, compared = {}, {}, {}
        for metric in ("selection_rate", "false_positive_rate", "false_negative_rate"):
            measured = [r[metric] for r in counted.values() if r[metric] is not None]
            compared[metric] = len(measured)
            if len(measured) >= 2:
                high, low = max(measured), min(measured)
                differences[metric] = round(high - low, 4)
                ratios[metric] = round(low / high, 4) if high > 0 else 1.0
            else:
                differences[metric] = ratios[metric] = None
        checks = {
            "selection_rate_ratio": ratios["selection_rate"] is not None
            and ratios["selection_rate"] >= THRESHOLDS["selection_rate_ratio_min"],
            "fpr_difference": differences["false_positive_rate"] is not None
            and differences["false_positive_rate"] <= THRESHOLDS["fpr_difference_max"],
            "fnr_difference": differences["false_negative_rate"] is not None
            and differences["false_negative_rate"] <= THRESHOLDS["fnr_difference_max"],
        }
        results[attribute] = {
            "groups": counted, "difference": differences, "ratio": ratios, "compared": compared,
            "too_few": sorted(g for g, r in counted.items() if None in (r["selection_rate"],
                              r["false_positive_rate"], r["false_negative_rate"])),
            "checks": checks, "passed": all(checks.values()),
        }
    return results


def model_card(trained: TrainedModel, *, hypothesis: str, trained_by: str) -> dict:
    """What a reader needs before trusting the model: purpose, data, features, metrics, fairness, limits."""
    return {
        "purpose": "Flag recently closed safeguarding cases whose history suggests a raised risk of re-referral, "
                   "for a professional to review and decide whether to offer early help through partners. "
                   "The model never changes a case.",
        "hypothesis": hypothesis,
        "data": f"Synthetic referral histories only ({trained.metrics['train_rows'] + trained.metrics['test_rows']:,} "
                "rows; insight/risk.py documents the assumptions, the planted signal and the planted unfairness).",
        "features": trained.features, "excluded": SENSITIVE,
        "tuning": trained.params, "metrics": {k: v for k, v in trained.metrics.items() if k != "calibration"},
        "fairness": {a: {"passed": r["passed"], "difference": r["difference"], "ratio": r["ratio"],
                         "too_few": r["too_few"]} for a, r in trained.fairness.items()},
        "thresholds": {**THRESHOLDS, "min_group": MIN_GROUP},
        "limits": "Trained on made-up data; recorded outcomes reflect recording practice as well as need; a "
                  "flag is a prompt for professional judgement, not a decision.",
        "trained_by": trained_by,
    }


def score(estimator: Any, df: pd.DataFrame, features: list[str] | None = None) -> np.ndarray:
    return estimator.predict_proba(df[chosen_features(features)].astype(float).to_numpy())[:, 1]


def drift(train_df: pd.DataFrame, recent: pd.DataFrame, features: list[str] | None = None) -> dict[str, float]:
    """Population stability index of each input between the training data and recent cases (>0.2: drifted)."""
    out = {}
    for feature in chosen_features(features):
        a, b = train_df[feature].astype(float), recent[feature].astype(float)
        edges = np.unique(np.quantile(a, np.linspace(0, 1, 11)))
        if len(edges) < 3:
            edges = np.unique(np.concatenate([edges, [a.min() - 1, a.max() + 1]]))
        pa = np.histogram(a, edges)[0] / len(a) + 1e-6
        pb = np.histogram(b, edges)[0] / max(len(b), 1) + 1e-6
        out[feature] = round(float(np.sum((pb - pa) * np.log(pb / pa))), 4)
    return out
