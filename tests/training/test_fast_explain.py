"""The small-frame fast path returns exactly what the general path returns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic_data import FEATURE_TYPES, artifact_for

from training.artifact import CreditRiskModel
from training.calibration import logit
from training.fast_explain import CompiledEncoder
from training.preprocessing import FrameEncoder


def _awkward_rows(panel: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Random rows with missing numbers, missing and unseen categories, and a number sent as text."""
    rng = np.random.default_rng(seed)
    rows = panel.sample(n, random_state=seed)[list(FEATURE_TYPES)].copy()
    for name in FEATURE_TYPES:
        hole = rng.random(n) < 0.25
        rows[name] = rows[name].astype(object).where(~hole, None)
    rows.loc[rows.index[0], "property_state"] = "ZZ"  # never seen in training
    rows.loc[rows.index[1], "channel"] = "unseen"
    rows.loc[rows.index[2], "orig_ltv_pct"] = "71.5"
    return rows


def _slow(model: CreditRiskModel) -> CreditRiskModel:
    slow = artifact_for(model.estimator, model.calibrator, model.background, model.family)
    slow._cache["fast"] = None  # the general path
    return slow


#: The MLP's DeepSHAP is the same code on the same matrix on both paths (exact). XGBoost (alone
#: and in the vote) runs the closed-form TreeSHAP in float64 on the fast path and the booster's
#: float32 one on the general path, whose contributions and probability disagree by float32
#: rounding (~1e-6 in log-odds); carrying them through the calibrator divides that by the row's
#: score - base, so a row close to the base moves by up to ~1e-3 on the general path. The native
#: values are compared at 1e-5 below and in tests/training/test_xgb_shap.py.
TOLERANCE = {"xgb": 5e-3, "vote": 5e-3}


def test_xgboost_native_values_equal_the_boosters(fitted_families, panel) -> None:
    from training.explain import explain_estimator

    estimator, calibrator = fitted_families["xgb"]
    model = artifact_for(estimator, calibrator, panel, "xgb")
    rows = _awkward_rows(panel, 40, 11)
    fast, raw = model._fast_explainer().explain(rows)
    slow = explain_estimator(estimator, model.prepare(rows), model.background)
    np.testing.assert_allclose(fast.phi, slow.phi, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fast.base, slow.base, rtol=0, atol=1e-5)
    np.testing.assert_allclose(raw, estimator.predict_proba(model.prepare(rows))[:, 1], rtol=0, atol=1e-6)
    assert type(model._fast_explainer().trees).__name__ == "XgbShap"


@pytest.mark.parametrize("family", ["xgb", "lgbm", "lr", "rf", "ann", "vote"])
@pytest.mark.parametrize("output_space", ["log_odds", "probability"])
def test_fast_path_equals_general_path(family: str, output_space: str, fitted_families, panel) -> None:
    estimator, calibrator = fitted_families[family]
    model = artifact_for(estimator, calibrator, panel, family)
    assert model._fast_explainer() is not None
    atol = TOLERANCE.get(family, 1e-9)
    for seed in range(3):
        rows = _awkward_rows(panel, 20, seed)
        fast = model.explain(rows, output_space=output_space)
        slow = _slow(model).explain(rows, output_space=output_space)
        np.testing.assert_allclose(fast.base_value, slow.base_value, rtol=0, atol=atol)
        np.testing.assert_allclose(
            fast.contributions.to_numpy(),
            slow.contributions.to_numpy(),
            rtol=atol if atol > 1e-9 else 0,
            atol=atol,
        )
        assert list(fast.contributions.columns) == list(slow.contributions.columns)
        assert fast.contributions.index.equals(rows.index)
        proba = model.predict_proba(rows)
        # XGBoost's fast path takes its margin in float64, the booster in float32
        np.testing.assert_allclose(
            proba, _slow(model).predict_proba(rows), rtol=0, atol=min(atol, 1e-6) if atol > 1e-9 else 1e-12
        )
        total = fast.base_value + fast.contributions.sum(axis=1).to_numpy()
        np.testing.assert_allclose(total, logit(proba) if output_space == "log_odds" else proba, atol=1e-9)
        top = model.explain(rows.head(1), top_k=2, output_space=output_space)
        slow_top = _slow(model).explain(rows.head(1), top_k=2, output_space=output_space)
        pd.testing.assert_frame_equal(top.contributions, slow_top.contributions, check_exact=False, atol=atol)


def test_fast_path_survives_pickling_and_is_compiled_at_load(fitted_families, panel) -> None:
    import pickle

    estimator, calibrator = fitted_families["lgbm"]
    loaded = pickle.loads(pickle.dumps(artifact_for(estimator, calibrator, panel, "lgbm")))
    assert loaded._cache.get("fast") is not None
    rows = _awkward_rows(panel, 5, 7)
    np.testing.assert_allclose(
        loaded.explain(rows).contributions.to_numpy(),
        _slow(loaded).explain(rows).contributions.to_numpy(),
        atol=1e-9,
    )


def test_the_neural_networks_permutations_are_the_general_paths(fitted_families, panel) -> None:
    """An MLP published before DeepSHAP keeps its permutation estimate. Same orders, background
    and residual fix: one row's values match to float32 rounding, and a row's values depend on
    the rows before it in the batch exactly as on the general path."""
    import copy

    from training.deep_shap import METHOD_ATTRIBUTE

    estimator, calibrator = fitted_families["ann"]
    estimator = copy.deepcopy(estimator)
    delattr(estimator.named_steps["model"], METHOD_ATTRIBUTE)  # as a model pickled before DeepSHAP
    model = artifact_for(estimator, calibrator, panel, "ann")
    assert type(model._fast_explainer().mlp).__name__ == "MlpPermutation"
    rows = _awkward_rows(panel, 4, 3)
    for batch in (rows.head(1), rows):
        fast = model.explain(batch).contributions.to_numpy()
        slow = _slow(model).explain(batch).contributions.to_numpy()
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-5)
        assert np.abs(slow).max() > 1e-2  # the comparison is not between zeros


@pytest.mark.parametrize(
    "options",
    [
        {"impute": True, "scale": True, "categorical": "onehot"},
        {"impute": False, "scale": False, "categorical": "ordinal"},
        {"impute": True, "scale": False, "categorical": "ordinal", "max_onehot": 5},
    ],
)
def test_compiled_encoder_equals_frame_encoder(options: dict, panel) -> None:
    """Every encoder layout: imputation + indicators, scaling, one-hot, ordinal, target encoding."""
    X, y = panel[list(FEATURE_TYPES)].copy(), panel["default_12m"].to_numpy()
    X.loc[X.index[::7], "orig_dti_pct"] = np.nan  # so training sees missing values (indicator columns)
    encoder = FrameEncoder(feature_types=FEATURE_TYPES, random_state=0, **options).fit(X, y)
    compiled = CompiledEncoder(encoder, FEATURE_TYPES)
    rows = _awkward_rows(panel, 30, 3)
    prepared = rows.copy()
    numeric = [n for n, kind in FEATURE_TYPES.items() if kind != "str"]
    prepared[numeric] = prepared[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    np.testing.assert_array_equal(compiled.encode(rows), encoder.transform(prepared))
