"""The FT-Transformer family: scikit-learn behaviour, tokens, explanations and `train --families ftt,xgb`."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import check_estimator
from synthetic_data import FEATURE_TYPES, artifact_for, synthetic_loans
from typer.testing import CliRunner

from creditrisk.cli import app
from training.calibration import Calibrator, logit
from training.families import FitContext, fit_family
from training.ftt import FTTransformerClassifier, resolve_device
from training.options import DEFAULT_FAMILIES, FAMILIES

#: A tiny network: these tests check machinery, not accuracy.
TINY = {"d_token": 8, "n_heads": 2, "n_blocks": 1, "max_epochs": 4, "batch_size": 64, "learning_rate": 3e-3}


def test_passes_scikit_learns_estimator_checks() -> None:
    """Every applicable check (clone, params, fit/predict shapes, errors, pickling, accuracy on blobs)."""
    estimator = FTTransformerClassifier(
        d_token=8, n_heads=2, n_blocks=1, batch_size=32, learning_rate=1e-2, max_epochs=10, patience=10
    )
    results = check_estimator(estimator.set_params(random_state=0), on_fail=None)
    failed = [f"{r['check_name']}: {r['exception']}" for r in results if r["status"] == "failed"]
    assert not failed, failed


def _categorical_problem(n: int = 1200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two numbers and one code column (0..3); code 2 carries most of the risk."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=n), rng.normal(size=n), rng.integers(0, 4, n)]).astype(float)
    z = X[:, 0] + 2.5 * (X[:, 2] == 2) - 2.5
    return X, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)


def test_learns_from_numeric_and_categorical_tokens_reproducibly() -> None:
    X, y = _categorical_problem()
    model = FTTransformerClassifier(categorical_features=(2,), random_state=0, **{**TINY, "max_epochs": 8})
    assert model.fit(X, y) is model
    assert model.cardinalities_ == [5]  # codes 0..3 plus the unknown token
    assert list(model.numeric_features_) == [0, 1]
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1)
    assert roc_auc_score(y, proba[:, 1]) > 0.75
    # the code column is used as a category: risk at code 2 is above the others, all else equal
    probe = np.tile([0.0, 0.0, 0.0], (4, 1))
    probe[:, 2] = [0, 1, 2, 3]
    risk = model.predict_proba(probe)[:, 1]
    assert risk[2] == risk.max()
    again = clone(model).fit(X, y)
    np.testing.assert_allclose(again.predict_proba(X), proba, atol=1e-6)  # seeded: reproducible
    assert model.device_ == str(resolve_device("auto"))
    assert next(model.module_.parameters()).device.type == "cpu"  # served without a GPU


def test_unknown_and_missing_codes_take_the_unknown_token() -> None:
    X, y = _categorical_problem(400)
    model = FTTransformerClassifier(categorical_features=(2,), random_state=0, **TINY).fit(X, y)
    odd = np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 17.0], [0.0, 0.0, np.nan], [0.0, 0.0, 2.4]])
    _, codes = model._inputs(odd.astype(np.float32))
    assert codes[:, 0].tolist() == [0, 0, 0, 3]
    with pytest.raises(ValueError, match="NaN"):
        model.predict_proba(odd)  # NaN is refused like any scikit-learn estimator; the encoder imputes
    assert np.isfinite(model.predict_proba(odd[[0, 1, 3]])).all()


def test_bad_parameters_are_clear_errors() -> None:
    X, y = _categorical_problem(200)
    with pytest.raises(ValueError, match="multiple of n_heads"):
        FTTransformerClassifier(d_token=10, n_heads=4).fit(X, y)
    with pytest.raises(ValueError, match="out of range"):
        FTTransformerClassifier(categorical_features=(5,), **TINY).fit(X, y)


def test_is_in_the_zoo_but_not_trained_by_default() -> None:
    assert "ftt" in FAMILIES and FAMILIES.index("ftt") < FAMILIES.index("vote")
    assert "ftt" not in DEFAULT_FAMILIES
    assert tuple(f for f in FAMILIES if f != "ftt") == DEFAULT_FAMILIES


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return synthetic_loans(n_loans=300, months=4, seed=11)


def test_family_pipeline_embeds_codes_and_missing_indicators_and_explains_additively(
    panel: pd.DataFrame,
) -> None:
    X, y = panel[list(FEATURE_TYPES)], panel["default_12m"].to_numpy()
    ctx = FitContext(int(y.sum()), int(len(y) - y.sum()), seed=0)
    pipeline = fit_family("ftt", X, y, FEATURE_TYPES, ctx, TINY)
    encoder, model = pipeline.named_steps["encode"], pipeline.named_steps["model"]
    tokens = [encoder.output_names_[i] for i in model.categorical_features]
    assert tokens == ["channel=code", "orig_credit_score=missing"]
    calibrator = Calibrator("sigmoid").fit(pipeline.predict_proba(X)[:, 1], y)
    artifact = pickle.loads(pickle.dumps(artifact_for(pipeline, calibrator, panel, "ftt")))
    assert artifact._fast_explainer() is None  # the model-agnostic path
    rows = panel.sample(4, random_state=1)
    explanation = artifact.explain(rows)
    assert list(explanation.contributions.columns) == list(FEATURE_TYPES)
    total = explanation.base_value + explanation.contributions.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, logit(artifact.predict_proba(rows)), atol=1e-8)
    assert np.abs(explanation.contributions.to_numpy()).sum() > 0


def test_train_cli_fits_ftt_beside_xgb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`creditrisk train --families ftt,xgb` end to end: cross-fit, calibrate, SHAP, register."""
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(tmp_path / "data"))
    frame = synthetic_loans(n_loans=300, months=6, seed=5).drop(columns=["true_pd", "observation_month"])
    frame.to_parquet(tmp_path / "loans.parquet")
    report = tmp_path / "report.json"
    args = ["train", "--model", "loan_default", "--dataset", str(tmp_path / "loans.parquet")]
    args += ["--families", "ftt,xgb", "--bootstrap", "10", "--cv", "2", "--report-json", str(report)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    families = json.loads(report.read_text())["families"]
    assert set(families) == {"ftt", "xgb"}
    assert 0.5 < families["ftt"]["roc_auc"] <= 1
    from mlflow import MlflowClient

    client = MlflowClient()
    experiment = client.get_experiment_by_name("loan_default")
    (run,) = client.search_runs([experiment.experiment_id], filter_string="attributes.run_name = 'ftt'")
    assert "shap_seconds_per_1k_rows" in run.data.metrics
