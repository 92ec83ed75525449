"""SHAP contributions add up to the model output, for every family and for the voting ensemble."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_data import FEATURE_TYPES, artifact_for

from training.calibration import logit


@pytest.mark.parametrize("family", ["lr", "rf", "xgb", "lgbm", "ann", "vote"])
def test_contributions_add_up_in_both_output_spaces(family: str, fitted_families, panel) -> None:
    estimator, calibrator = fitted_families[family]
    model = artifact_for(estimator, calibrator, panel, family)
    rows = panel.sample(4 if family in ("ann", "vote") else 12, random_state=1)
    proba = model.predict_proba(rows)
    log_odds = model.explain(rows)
    assert log_odds.output_space == "log_odds"
    assert list(log_odds.contributions.columns) == list(FEATURE_TYPES)
    total = log_odds.base_value + log_odds.contributions.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, logit(proba), atol=1e-8)
    in_probability = model.explain(rows, output_space="probability")
    total = in_probability.base_value + in_probability.contributions.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, proba, atol=1e-10)
    # the base is one number (the expected output), the same for every row
    assert np.ptp(log_odds.base_value) < 1e-9


def test_ensemble_contributions_are_the_weighted_member_contributions(fitted_families, panel) -> None:
    """The vote's probability-space contributions equal the mean of its members' (calibration aside)."""
    from training.explain import explain_estimator

    vote, _ = fitted_families["vote"]
    rows = panel.sample(8, random_state=2)[list(FEATURE_TYPES)]
    ensemble = explain_estimator(vote, rows, panel.head(60))
    assert ensemble.space == "probability"
    np.testing.assert_allclose(ensemble.score, vote.predict_proba(rows)[:, 1], atol=1e-10)
    assert np.abs(ensemble.phi).sum() > 0


def test_calibration_keeps_the_sign_of_every_contribution(fitted_families, panel) -> None:
    estimator, calibrator = fitted_families["xgb"]
    model = artifact_for(estimator, calibrator, panel, "xgb")
    from training.explain import explain_estimator

    rows = panel.head(10)
    native = explain_estimator(estimator, model.prepare(rows), model.background)
    served = model.explain(rows).contributions.to_numpy()
    slope = calibrator.model_.coef_[0, 0]
    assert slope > 0
    # xgboost predicts in float32, so the ratio equals the Platt slope to about 1e-5
    np.testing.assert_allclose(served, native.phi * slope, rtol=1e-4, atol=1e-5)


def test_top_k_keeps_additivity(fitted_families, panel) -> None:
    estimator, calibrator = fitted_families["lgbm"]
    model = artifact_for(estimator, calibrator, panel, "lgbm")
    rows = panel.head(5)
    explanation = model.explain(rows, top_k=2)
    assert "_other" in explanation.contributions.columns
    assert ((explanation.contributions.drop(columns="_other") != 0).sum(axis=1) <= 2).all()
    total = explanation.base_value + explanation.contributions.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, logit(model.predict_proba(rows)), atol=1e-8)
