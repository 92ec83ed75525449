"""The closed-form booster explainer gives XGBoost's own TreeSHAP values, built to catch its edge cases."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from training.tree_shap import XgbShap


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[:, 3] = rng.integers(0, 4, n)  # few distinct values: rows land exactly on split values
    X[:, 4] = np.round(X[:, 4], 1)
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + (X[:, 3] == 2) + rng.normal(0, 0.7, n) > 1.0).astype(int)
    return X, y


def _pred_contribs(booster: xgb.Booster, X: np.ndarray, iteration_range: tuple[int, int]) -> np.ndarray:
    return booster.predict(
        xgb.DMatrix(X, missing=np.nan), pred_contribs=True, iteration_range=iteration_range
    )


def _margin(booster: xgb.Booster, X: np.ndarray, iteration_range: tuple[int, int]) -> np.ndarray:
    return booster.predict(
        xgb.DMatrix(X, missing=np.nan), output_margin=True, iteration_range=iteration_range
    )


@pytest.mark.parametrize(
    "params",
    [
        {"n_estimators": 40, "max_depth": 4},
        {"n_estimators": 15, "max_depth": 8, "min_child_weight": 0.5},
        {"n_estimators": 5, "max_depth": 1, "base_score": 0.1},
        {
            "n_estimators": 10,
            "max_depth": 3,
            "num_parallel_tree": 3,
            "subsample": 0.7,
            "colsample_bynode": 0.6,
        },
        {"n_estimators": 30, "max_depth": 5, "scale_pos_weight": 7.0, "max_delta_step": 1.0},
    ],
)
def test_values_equal_pred_contribs_and_add_up_to_the_margin(params: dict) -> None:
    X, y = _data(800, 0)
    model = xgb.XGBClassifier(random_state=0, n_jobs=1, **params).fit(X, y)
    booster = model.get_booster()
    explainer = XgbShap(booster, (0, 0), X[:50])
    rows, _ = _data(60, 1)
    rows = np.vstack([rows, X[:10]])
    expected = _pred_contribs(booster, rows, (0, 0))
    actual = explainer.contributions(rows)
    np.testing.assert_allclose(actual, expected[:, :-1], rtol=0, atol=1e-5)
    np.testing.assert_allclose(explainer.base, expected[:, -1], rtol=0, atol=1e-5)
    np.testing.assert_allclose(explainer.base + actual.sum(axis=1), _margin(booster, rows, (0, 0)), atol=1e-5)
    assert np.abs(actual).max() > 0.1  # the comparison is not between zeros


def test_missing_values_follow_default_left_and_split_values_the_strict_comparison() -> None:
    X, y = _data(1000, 2)
    X[np.random.default_rng(3).random(X.shape) < 0.2] = np.nan  # the booster learns where NaN goes
    model = xgb.XGBClassifier(n_estimators=25, max_depth=5, random_state=0, n_jobs=1).fit(X, y)
    booster = model.get_booster()
    explainer = XgbShap(booster, (0, 0), X[:50])
    rows, _ = _data(50, 4)
    rows[np.random.default_rng(5).random(rows.shape) < 0.3] = np.nan
    # float32 neighbours of the split values themselves: x < split is strict in float32
    splits = booster.trees_to_dataframe().dropna(subset=["Split"])
    first = splits.iloc[0]
    feature, split = int(str(first["Feature"]).lstrip("f")), np.float32(first["Split"])
    for i, value in enumerate(
        [split, np.nextafter(split, np.float32(-np.inf)), np.nextafter(split, np.float32(np.inf))]
    ):
        rows[10 + i, feature] = float(value)
    expected = _pred_contribs(booster, rows, (0, 0))
    np.testing.assert_allclose(explainer.contributions(rows), expected[:, :-1], rtol=0, atol=1e-5)


def test_early_stopping_uses_the_trees_predict_proba_uses() -> None:
    X, y = _data(1200, 6)
    model = xgb.XGBClassifier(
        n_estimators=300, max_depth=3, learning_rate=0.3, early_stopping_rounds=5, n_jobs=1
    )
    model.fit(X[:900], y[:900], eval_set=[(X[900:], y[900:])], verbose=False)
    best = model.best_iteration
    assert best + 1 < model.get_booster().num_boosted_rounds()  # stopped early
    booster, window = model.get_booster(), (0, best + 1)
    explainer = XgbShap(booster, window, X[:50])
    rows, _ = _data(30, 7)
    expected = _pred_contribs(booster, rows, window)
    np.testing.assert_allclose(explainer.contributions(rows), expected[:, :-1], rtol=0, atol=1e-5)
    np.testing.assert_allclose(explainer.base, expected[:, -1], rtol=0, atol=1e-5)


def test_boosters_outside_the_closed_form_are_refused() -> None:
    X, y = _data(300, 8)
    dart = xgb.XGBClassifier(booster="dart", n_estimators=5, n_jobs=1).fit(X, y)
    assert not XgbShap.supports(dart.get_booster())
    multi = xgb.XGBClassifier(n_estimators=5, n_jobs=1).fit(X, np.arange(len(y)) % 3)
    assert not XgbShap.supports(multi.get_booster())
    plain = xgb.XGBClassifier(n_estimators=5, n_jobs=1).fit(X, y)
    assert XgbShap.supports(plain.get_booster())


def test_a_margin_it_cannot_reproduce_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The JSON is checked against the booster's own margin at construction, so a format change
    in a later XGBoost falls back to pred_contribs instead of serving wrong values."""
    X, y = _data(300, 9)
    booster = xgb.XGBClassifier(n_estimators=5, n_jobs=1).fit(X, y).get_booster()
    import training.tree_shap as tree_shap

    real = tree_shap._xgb_leaf_paths
    monkeypatch.setattr(tree_shap, "_xgb_leaf_paths", lambda tree: [(v * 2, p) for v, p in real(tree)])
    with pytest.raises(ValueError, match="margin"):
        XgbShap(booster, (0, 0), X[:20])
