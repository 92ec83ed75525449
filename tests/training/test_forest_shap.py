"""The closed-form forest explainer gives shap's TreeSHAP values, built to catch its edge cases."""

from __future__ import annotations

import numpy as np
import pytest
import shap
from sklearn.ensemble import RandomForestClassifier

from training.tree_shap import ForestShap


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[:, 3] = rng.integers(0, 4, n)  # few distinct values: ties exactly at thresholds
    X[:, 4] = np.round(X[:, 4], 1)
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + (X[:, 3] == 2) + rng.normal(0, 0.7, n) > 1.0).astype(int)
    return X, y


def _shap_values(forest: RandomForestClassifier, X: np.ndarray) -> tuple[np.ndarray, float]:
    explainer = shap.TreeExplainer(forest)
    values = np.asarray(explainer.shap_values(X, check_additivity=False))
    return values[:, :, 1], float(np.atleast_1d(explainer.expected_value)[1])


@pytest.mark.parametrize(
    "params",
    [
        {"n_estimators": 20, "min_samples_leaf": 5},
        {"n_estimators": 10, "max_depth": 3},
        {"n_estimators": 15, "min_samples_leaf": 2, "class_weight": "balanced_subsample"},
        {"n_estimators": 5, "max_depth": 1},
    ],
)
def test_values_equal_shap_tree_explainer_and_add_up_to_predict_proba(params: dict) -> None:
    X, y = _data(600, 0)
    forest = RandomForestClassifier(random_state=0, **params).fit(X, y)
    explainer = ForestShap(forest)
    rows, _ = _data(50, 1)
    rows = np.vstack([rows, X[:5]])  # rows seen in training land exactly on thresholds' sides
    expected, base = _shap_values(forest, rows)
    actual = explainer.contributions(rows)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-12)
    assert explainer.base == pytest.approx(base, abs=1e-12)
    np.testing.assert_allclose(
        explainer.base + actual.sum(axis=1), forest.predict_proba(rows)[:, 1], rtol=0, atol=1e-12
    )


def test_missing_values_follow_each_node_missing_branch_and_infinities_the_comparison() -> None:
    X, y = _data(800, 2)
    holes = np.random.default_rng(3).random(X.shape) < 0.2
    X[holes] = np.nan  # the forest learns where missing values go at each node
    forest = RandomForestClassifier(n_estimators=15, min_samples_leaf=3, random_state=0).fit(X, y)
    rows, _ = _data(40, 4)
    rows[np.random.default_rng(5).random(rows.shape) < 0.3] = np.nan
    rows[0, 0], rows[1, 1] = np.inf, -np.inf
    expected, _ = _shap_values(forest, rows)
    actual = ForestShap(forest).contributions(rows)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-12)
    finite = slice(2, None)  # scikit-learn refuses infinities; shap and the closed form compare them
    np.testing.assert_allclose(
        ForestShap(forest).base + actual[finite].sum(axis=1),
        forest.predict_proba(rows[finite])[:, 1],
        rtol=0,
        atol=1e-12,
    )


def test_inputs_are_rounded_to_float32_as_scikit_learn_compares_them() -> None:
    X, y = _data(400, 6)
    forest = RandomForestClassifier(n_estimators=5, max_depth=2, random_state=0).fit(X, y)
    tree = forest.estimators_[0].tree_
    threshold = tree.threshold[0]
    row = np.zeros((1, X.shape[1]))
    # a float64 just above the threshold that rounds to a float32 at or below it goes left
    row[0, tree.feature[0]] = np.nextafter(threshold, np.inf)
    expected, _ = _shap_values(forest, row)
    np.testing.assert_allclose(ForestShap(forest).contributions(row), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        ForestShap(forest).base + ForestShap(forest).contributions(row).sum(axis=1),
        forest.predict_proba(row)[:, 1],
        atol=1e-12,
    )
