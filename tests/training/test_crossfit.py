"""Cross-fitting: out-of-fold predictions never come from a model that saw the entity; boosters'
rounds are chosen on every fold; the registered family is chosen on them, not on the holdout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from training.calibration import Calibrator
from training.crossfit import best_common_round, cross_fit, predict_at_round
from training.families import FitContext, fit_family
from training.oracle import auc_ratio_intervals
from training.results import FamilyResult
from training.selection import cost_candidates, select_family
from training.splits import grouped_folds


def _memorisable_panel(n_entities: int = 300, rows: int = 6, seed: int = 0) -> pd.DataFrame:
    """Built to leak: each entity's label is a coin flip and one feature fingerprints the entity.

    A model that has seen an entity can recall its label from the fingerprint; nothing else predicts
    it. So predictions for an entity the model never saw score AUC about 0.5, and any leak shows.
    """
    rng = np.random.default_rng(seed)
    label = rng.random(n_entities) < 0.3
    fingerprint = rng.permutation(n_entities).astype(float)
    entity = np.repeat(np.arange(n_entities), rows)
    return pd.DataFrame(
        {
            "entity": entity.astype(str),
            "fingerprint": fingerprint[entity],
            "noise": rng.normal(size=len(entity)),
            "y": label[entity].astype(int),
        }
    )


TYPES = {"fingerprint": "float", "noise": "float"}


@pytest.mark.parametrize("family", ["rf", "xgb"])
def test_out_of_fold_predictions_never_see_the_entity(family: str) -> None:
    frame = _memorisable_panel()
    X, y, groups = frame[list(TYPES)], frame["y"].to_numpy(), frame["entity"].to_numpy()
    folds = list(grouped_folds(y, groups, 3, seed=0))
    ctx = FitContext(int(y.sum()), int(len(y) - y.sum()), seed=0)
    params = {"n_estimators": 60, "min_samples_leaf": 1} if family == "rf" else {"max_depth": 8}
    fits = cross_fit(family, X, y, folds, TYPES, ctx, params)
    assert not np.isnan(fits.oof_proba).any()
    assert roc_auc_score(y, fits.oof_proba) < 0.65  # unseen entities: nothing to recall
    # the same family does memorise what it saw: a row-level (leaky) fold would score high
    assert roc_auc_score(y, fits.pipeline.predict_proba(X)[:, 1]) > 0.8


def _rare_events(n: int = 6000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    z = -5.8 + 1.6 * X["a"] - 0.8 * X["b"] + 0.5 * X["a"] * X["c"]
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y, np.arange(n).astype(str)


@pytest.mark.parametrize("family", ["xgb", "lgbm"])
def test_booster_rounds_come_from_the_folds_and_the_refit_grows_exactly_that_many(family: str) -> None:
    X, y, groups = _rare_events()
    assert 20 < y.sum() < 120  # a few dozen events, like the demo's bankruptcies
    folds = list(grouped_folds(y, groups, 3, seed=0))
    ctx = FitContext(int(y.sum()), int(len(y) - y.sum()), seed=0)
    assert ctx.scale_pos_weight > 1  # auto weighting: sqrt(neg/pos) below 500 positives
    fits = cross_fit(family, X, y, folds, {"a": "float", "b": "float", "c": "float"}, ctx, {})
    assert fits.rounds is not None and fits.rounds > 5  # weighted stopping: not stuck at one tree
    assert fits.pipeline.named_steps["model"].get_params()["n_estimators"] == fits.rounds
    assert roc_auc_score(y, fits.oof_proba) > 0.75


def test_stopping_loss_is_weighted_like_the_training_loss() -> None:
    """With a weak signal and a few dozen events, LightGBM under sqrt(neg/pos) weighting stopped
    after one tree when its stopping rows were scored unweighted; weighted like training, it learns."""
    rng = np.random.default_rng(2)
    X = pd.DataFrame({c: rng.normal(size=6000) for c in "abcdefgh"})
    z = -5.5 + 0.8 * X["a"] - 0.5 * X["b"]
    y = (rng.random(6000) < 1 / (1 + np.exp(-z))).astype(int)
    ctx = FitContext(int(y[:5100].sum()), int(5100 - y[:5100].sum()), seed=0)
    types = dict.fromkeys(X, "float")
    model = fit_family("lgbm", X[:5100], y[:5100], types, ctx, early_stopping=(X[5100:], y[5100:]))
    assert model.named_steps["model"].best_iteration_ > 5


def test_best_common_round_averages_padded_curves() -> None:
    # fold 1 is best at round 3, fold 2 (stopped early) at round 4; on average round 4 is best
    curves = [np.array([5.0, 4.0, 3.0, 3.2, 4.0, 4.5]), np.array([5.0, 4.0, 3.6, 3.0])]
    assert best_common_round(curves) == 4
    assert best_common_round([np.array([1.0, 0.5, 0.25])]) == 3


def test_predict_at_round_uses_only_the_first_trees() -> None:
    X, y, _ = _rare_events(n=3000, seed=3)
    ctx = FitContext(int(y.sum()), int(len(y) - y.sum()), seed=0)
    types = {"a": "float", "b": "float", "c": "float"}
    full = fit_family("xgb", X, y, types, ctx, rounds=40)
    short = fit_family("xgb", X, y, types, ctx, rounds=10)
    np.testing.assert_allclose(predict_at_round(full, X, 10), short.predict_proba(X)[:, 1], rtol=1e-5)


def _folds_that_stop_at_different_rounds() -> tuple[pd.DataFrame, np.ndarray, list]:
    """Three hand-made folds: one validates on pure-noise rows and stops after about 100 rounds,
    two validate on signal rows learnt slowly and run for hundreds; the common round lands past
    the short fold's last tree (the cause of XGBoost's ``end <= model.BoostedRounds()`` crash)."""
    rng = np.random.default_rng(0)
    n = 3000
    a = rng.normal(size=n)
    z = np.where(np.arange(n) < 2000, -1 + 2.5 * a, -1.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    X = pd.DataFrame({"a": a, "b": rng.normal(size=n)})
    rows = np.arange(n)
    folds = [(np.setdiff1d(rows, v), v) for v in (rows[2000:], rows[:1000], rows[1000:2000])]
    return X, y, folds


@pytest.mark.parametrize(
    ("family", "params"),
    [("xgb", {"learning_rate": 0.02, "max_depth": 2}), ("lgbm", {"learning_rate": 0.02, "num_leaves": 4})],
)
def test_folds_of_different_lengths_each_predict_with_at_most_their_own_trees(
    family: str, params: dict
) -> None:
    X, y, folds = _folds_that_stop_at_different_rounds()
    ctx = FitContext(int(y.sum()), int(len(y) - y.sum()), seed=0)
    fits = cross_fit(family, X, y, folds, {"a": "float", "b": "float"}, ctx, params)
    assert fits.rounds is not None and fits.fold_trees is not None
    assert min(fits.fold_trees) < fits.rounds < max(fits.fold_trees)  # the case that crashed
    assert np.isfinite(fits.oof_proba).all()
    assert fits.pipeline.named_steps["model"].get_params()["n_estimators"] == fits.rounds


def test_predict_at_round_past_the_last_tree_uses_every_tree() -> None:
    X, y, _ = _rare_events(n=3000, seed=3)
    ctx = FitContext(int(y.sum()), int(len(y) - y.sum()), seed=0)
    types = {"a": "float", "b": "float", "c": "float"}
    for family in ("xgb", "lgbm"):
        model = fit_family(family, X, y, types, ctx, rounds=10)
        np.testing.assert_allclose(predict_at_round(model, X, 50), model.predict_proba(X)[:, 1])


def _result(
    family: str, cv_cost: float, cv_auc: float, holdout_auc: float, row_cost: np.ndarray | None = None
) -> FamilyResult:
    return FamilyResult(
        family=family,
        pipeline=None,
        calibrator=Calibrator("none"),
        threshold=0.5,
        cv_cost=cv_cost,
        cv_auc=cv_auc,
        metrics={"roc_auc": holdout_auc},
        intervals={},
        params={},
        fit_seconds=0.0,
        oof_row_cost=row_cost,
    )


def test_selection_reads_out_of_fold_cost_then_auc_never_the_holdout() -> None:
    results = {
        "lr": _result("lr", 0.20, 0.80, 0.99),  # best on the holdout: must not matter
        "xgb": _result("xgb", 0.15, 0.85, 0.70),
        "rf": _result("rf", 0.15, 0.86, 0.60),
    }
    assert select_family(results) == "rf"  # equal lowest cost, higher out-of-fold AUC
    rare = {name: _result(name, 0.03, auc, 0.5) for name, auc in (("lr", 0.7), ("ann", 0.75))}
    assert select_family(rare) == "ann"  # nobody worth flagging: every cost equal, AUC decides


def test_oracle_ratio_interval_is_paired_and_clustered() -> None:
    rng = np.random.default_rng(0)
    entities = np.repeat(np.arange(400), 5)
    truth = 1 / (1 + np.exp(-(rng.normal(size=400)[entities] * 1.5 - 3)))
    y = (rng.random(len(truth)) < truth).astype(int)
    noisy = truth * np.exp(rng.normal(scale=0.8, size=len(truth)))
    intervals = auc_ratio_intervals(y, {"oracle": truth, "model": noisy}, truth, entities, n_boot=100)
    assert intervals["oracle"] == pytest.approx((1.0, 1.0))  # paired: the oracle against itself
    ratio = roc_auc_score(y, noisy) / roc_auc_score(y, truth)
    low, high = intervals["model"]
    assert low < ratio < high <= 1.05


def test_a_cheaper_family_within_noise_yields_to_the_better_ranker() -> None:
    """One-standard-error rule: a cost gap smaller than its paired bootstrap SE does not decide."""
    rng = np.random.default_rng(0)
    entities = np.repeat(np.arange(500), 4)
    cheap = rng.choice([0.0, 1.0, 5.0], size=2000, p=[0.8, 0.15, 0.05])
    close = cheap.copy()  # flags other rows: 100 new false alarms, 90 fewer; net within noise
    close[rng.choice(np.flatnonzero(cheap == 0), 100, replace=False)] += 1.0
    close[rng.choice(np.flatnonzero(cheap == 1), 90, replace=False)] -= 1.0
    far = cheap + rng.choice([0.0, 5.0], size=2000, p=[0.8, 0.2])  # many more misses: not
    results = {
        "lgbm": _result("lgbm", cheap.mean(), 0.87, 0.0, cheap),
        "vote": _result("vote", close.mean(), 0.89, 0.0, close),
        "ann": _result("ann", far.mean(), 0.95, 0.0, far),
    }
    assert set(cost_candidates(results, entities)) == {"lgbm", "vote"}
    assert select_family(results, entities) == "vote"
