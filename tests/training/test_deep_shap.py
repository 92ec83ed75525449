"""The MLP's DeepSHAP: shap's own rescale rule, exactly additive, close to the Shapley values."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from synthetic_data import FEATURE_TYPES

from training.calibration import logit
from training.deep_shap import DEEP, METHOD_ATTRIBUTE, MlpDeepShap, deep_explained
from training.explain import _explain_permutation, _grouping_matrix, explain_estimator
from training.nn import TorchMLPClassifier


def _interacting_data(n: int = 800, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A label with an interaction, so the network's ReLUs matter (DeepLIFT is exact for a linear model)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] + X[:, 2] - 0.5 * X[:, 3] + rng.normal(scale=0.5, size=n) > 0.3).astype(int)
    return X, y


@pytest.fixture(scope="module")
def network() -> tuple[TorchMLPClassifier, np.ndarray]:
    X, y = _interacting_data()
    return TorchMLPClassifier(max_epochs=15, random_state=0).fit(X, y), X


def test_a_fitted_network_is_explained_by_deep_shap(network) -> None:
    model, _ = network
    assert getattr(model, METHOD_ATTRIBUTE) == DEEP
    assert deep_explained(model)


def test_equals_shaps_deep_explainer(network) -> None:
    """Where no probability is clipped, f is the output unit itself and the values are those of
    shap's ``DeepExplainer`` on the torch module (float32 there, float64 here)."""
    import shap

    model, X = network
    background, rows = X[:50], X[100:140]
    deep = MlpDeepShap(model, background)
    assert np.abs(deep.bg_z).max() < 10  # the clip at 1e-6 (|logit| > 13.8) does not bite
    reference = shap.DeepExplainer(model.module_, torch.from_numpy(background))
    expected = np.asarray(reference.shap_values(torch.from_numpy(rows), check_additivity=False))
    np.testing.assert_allclose(deep.contributions(rows), expected.reshape(len(rows), -1), rtol=0, atol=1e-6)


def test_contributions_add_up_to_the_log_odds_even_when_clipped(network) -> None:
    """Scaled weights push some probabilities past the clip: the secant of the clipped log-odds
    keeps every row exactly additive (a gradient would not)."""
    import copy

    model, X = network
    saturated = copy.deepcopy(model)
    with torch.no_grad():
        saturated.module_[-1].weight.mul_(80.0)
    deep = MlpDeepShap(saturated, X[:50])
    rows = X[200:300]
    log_odds = logit(saturated.predict_proba(rows)[:, 1])
    assert (np.abs(log_odds) > 13.8).mean() > 0.1  # the case is built to clip
    base, phi = deep.explain(rows)
    np.testing.assert_allclose(base + phi.sum(axis=1), log_odds, rtol=0, atol=1e-9)
    # before the residual is spread: near the clip the network's float32 probabilities are 6e-8
    # apart, log-odds steps of a few hundredths, which the float64 secants do not reproduce
    raw = deep.contributions(rows).sum(axis=1)
    np.testing.assert_allclose(raw, log_odds - base, rtol=0, atol=0.05)
    unclipped = np.abs(log_odds) < 8  # against the background's float64 log-odds, closer still
    np.testing.assert_allclose(raw[unclipped], (log_odds - deep.bg_f.mean())[unclipped], rtol=1e-5, atol=1e-5)


def test_chunks_do_not_change_values(network) -> None:
    model, X = network
    deep = MlpDeepShap(model, X[:50])
    rows = X[300:337]
    whole = deep.contributions(rows)
    deep._chunk = 5
    # the same sums, in BLAS blocks of another size: equal to float64 rounding
    np.testing.assert_allclose(deep.contributions(rows), whole, rtol=0, atol=1e-12)
    np.testing.assert_allclose(deep.contributions(rows[3:4])[0], whole[3], rtol=0, atol=1e-12)


def test_close_to_a_long_permutation_estimate(fitted_families, panel) -> None:
    """Against the network's Shapley values (estimated with 256 antithetic permutations), DeepSHAP
    ranks the features as the old 8-permutation estimate does; docs/measurements.md has the
    figures on the demo's network."""
    estimator, _ = fitted_families["ann"]
    encoder, model = estimator.named_steps["encode"], estimator.named_steps["model"]
    rows = panel[list(FEATURE_TYPES)].sample(30, random_state=5)
    Xt = encoder.transform(rows)
    deep = explain_estimator(estimator, rows, panel[list(FEATURE_TYPES)]).phi
    old = _explain_permutation(model, Xt, encoder, panel[list(FEATURE_TYPES)], {})[1]
    long_model = _with_permutations(model, 256)
    truth = _explain_permutation(long_model, Xt, encoder, panel[list(FEATURE_TYPES)], {})[1]

    def top3_overlap(estimate: np.ndarray) -> float:
        shared = [
            len(set(np.argsort(-abs(a))[:3]) & set(np.argsort(-abs(t))[:3])) / 3
            for a, t in zip(estimate, truth, strict=True)
        ]
        return float(np.mean(shared))

    assert np.abs(truth).max() > 0.05  # the comparison is not between zeros
    assert top3_overlap(deep) >= top3_overlap(old) - 0.1
    relative = np.linalg.norm(deep - truth, axis=1) / np.maximum(np.linalg.norm(truth, axis=1), 1e-12)
    assert np.median(relative) < 0.25


def _with_permutations(model: TorchMLPClassifier, permutations: int) -> TorchMLPClassifier:
    import copy

    long_model = copy.deepcopy(model)
    long_model._shap_permutations = permutations
    return long_model


def test_general_path_groups_encoded_columns_per_feature(fitted_families, panel) -> None:
    estimator, _ = fitted_families["ann"]
    encoder, model = estimator.named_steps["encode"], estimator.named_steps["model"]
    frame = panel[list(FEATURE_TYPES)]
    rows = frame.head(7)
    native = explain_estimator(estimator, rows, frame)
    base, phi_t = MlpDeepShap(model, encoder.transform(frame)).explain(encoder.transform(rows))
    np.testing.assert_array_equal(native.phi, phi_t @ _grouping_matrix(encoder))
    np.testing.assert_array_equal(native.base, base)
