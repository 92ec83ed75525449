"""End to end through the real MLflow registry: train, register, load back by alias, predict, explain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic_data import FEATURE_TYPES, artifact_for, synthetic_loans

from creditrisk.errors import ConfigurationError, DataError
from creditrisk.settings import Settings
from training.artifact import CreditRiskModel
from training.calibration import Calibrator, logit
from training.families import FitContext, fit_family
from training.registry import (
    CHALLENGER,
    CHAMPION,
    configure_tracking,
    ensure_experiment,
    load_model,
    log_model,
    register_and_promote,
    should_promote,
)


def _expected_cost(y: np.ndarray, proba: np.ndarray, threshold: float) -> float:
    flagged = proba >= threshold
    return float((5 * ((y == 1) & ~flagged) + ((y == 0) & flagged)).mean())


def _artifact(frame: pd.DataFrame, threshold: float, n_estimators: int = 60) -> CreditRiskModel:
    X, y = frame[list(FEATURE_TYPES)], frame["default_12m"].to_numpy()
    ctx = FitContext(int(y.sum()), int(len(y) - y.sum()))
    pipeline = fit_family("lgbm", X, y, FEATURE_TYPES, ctx, {"n_estimators": n_estimators})
    calibrator = Calibrator("sigmoid").fit(pipeline.predict_proba(X)[:, 1], y)
    return artifact_for(pipeline, calibrator, X, "lgbm", threshold=threshold, background_rows=50)


def _log_and_register(settings: Settings, model: CreditRiskModel, holdout: pd.DataFrame):
    import mlflow

    configure_tracking(settings)
    experiment_id = ensure_experiment("loan_default", settings)
    with mlflow.start_run(experiment_id=experiment_id):
        info = log_model(model, holdout[model.feature_names])
    y = holdout["default_12m"].to_numpy()
    return register_and_promote(info.model_uri, "loan_default", model, holdout, y, _expected_cost)


def test_register_load_by_alias_predict_and_explain(settings: Settings) -> None:
    frame = synthetic_loans(n_loans=300, months=4, seed=1)
    train, holdout = frame.iloc[:900], frame.iloc[900:]
    model = _artifact(train, threshold=1 / 6)

    first = _log_and_register(settings, model, holdout)
    assert first.promoted and first.version == 1 and first.reason == "no champion yet"
    assert str(settings.mlflow_artifacts_dir) in str(next(settings.mlflow_artifacts_dir.rglob("MLmodel")))

    loaded = load_model("loan_default", CHAMPION, settings)
    assert loaded.entity_key == "loan_id" and loaded.feature_names == list(FEATURE_TYPES)
    assert loaded.feature_types == FEATURE_TYPES and loaded.threshold == pytest.approx(1 / 6)
    rows = holdout.head(7)
    np.testing.assert_allclose(loaded.predict_proba(rows), model.predict_proba(rows))
    explanation = loaded.explain(rows, top_k=3)
    assert explanation.output_space == "log_odds"
    total = explanation.base_value + explanation.contributions.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, logit(loaded.predict_proba(rows)), atol=1e-9)
    assert (explanation.contributions.drop(columns="_other") != 0).sum(axis=1).max() <= 3

    # A challenger that flags everyone costs more than the champion: challenger alias only.
    worse = _log_and_register(settings, _artifact(train, threshold=0.0, n_estimators=20), holdout)
    assert worse.version == 2 and not worse.promoted and worse.champion_version == 1
    assert load_model("loan_default", CHALLENGER, settings).threshold == 0.0
    assert load_model("loan_default", CHAMPION, settings).threshold == pytest.approx(1 / 6)


def test_promotion_rule_is_strictly_lower_cost() -> None:
    assert should_promote(1.0, None)
    assert should_promote(0.9, 1.0)
    assert not should_promote(1.0, 1.0)
    assert not should_promote(1.1, 1.0)


def test_missing_alias_and_missing_columns_are_clear_errors(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="no registered model 'loan_default'"):
        load_model("loan_default", CHAMPION, settings)
    model = _artifact(synthetic_loans(n_loans=100, months=3), threshold=0.2, n_estimators=5)
    with pytest.raises(DataError, match="orig_ltv_pct"):
        model.predict_proba(synthetic_loans(n_loans=5, months=1).drop(columns="orig_ltv_pct"))
