"""Hyperparameter search: Optuna's TPE or plain random search, scored by grouped stratified CV AUC.

Each trial is an MLflow child run (params, per-fold and mean AUC) under the family's run, so the
MLflow UI shows the whole search. ``n_trials`` and ``timeout`` bound it; the best parameters are then
used for the family's final fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from training.families import FitContext, fit_family
from training.splits import grouped_folds


def search_space(family: str, trial: Any) -> dict[str, Any]:
    """The parameters worth searching per family (ranges that suit a few percent default rate)."""
    if family == "lr":
        return {"C": trial.suggest_float("C", 1e-3, 10.0, log=True)}
    if family == "rf":
        return {
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 100, log=True),
            "max_features": trial.suggest_float("max_features", 0.2, 0.8),
            "n_estimators": trial.suggest_int("n_estimators", 100, 400, step=50),
        }
    if family == "xgb":
        return {
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
            "max_depth": trial.suggest_int("max_depth", 2, 7),
            "min_child_weight": trial.suggest_float("min_child_weight", 1, 50, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
            "reg_lambda": trial.suggest_float("reg_lambda", 1e-2, 30, log=True),
        }
    if family == "lgbm":
        return {
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 4, 63, log=True),
            "min_child_samples": trial.suggest_int("min_child_samples", 10, 300, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
            "reg_lambda": trial.suggest_float("reg_lambda", 1e-2, 30, log=True),
        }
    if family == "ann":
        width = trial.suggest_categorical("width", [32, 64, 128])
        return {
            "hidden_sizes": (width, width // 2),
            "dropout": trial.suggest_float("dropout", 0.0, 0.4),
            "learning_rate": trial.suggest_float("learning_rate", 3e-4, 3e-3, log=True),
        }
    return {}


def cv_auc(
    family: str,
    X: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    feature_types: dict[str, str],
    ctx: FitContext,
    params: dict[str, Any],
    folds: int,
) -> list[float]:
    """AUC per grouped stratified fold (boosters stop early on the fold they are scored on)."""
    scores = []
    for fit_idx, val_idx in grouped_folds(y, groups, folds, ctx.seed):
        X_val, y_val = X.iloc[val_idx], y[val_idx]
        model = fit_family(
            family, X.iloc[fit_idx], y[fit_idx], feature_types, ctx, params, early_stopping=(X_val, y_val)
        )
        scores.append(float(roc_auc_score(y_val, model.predict_proba(X_val)[:, 1])))
    return scores


@dataclass
class TuningResult:
    params: dict[str, Any]
    best_cv_auc: float
    n_trials: int


def tune_family(
    family: str,
    X: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    feature_types: dict[str, str],
    ctx: FitContext,
    n_trials: int,
    folds: int = 3,
    method: str = "optuna",
    timeout: float | None = None,
    on_trial: Callable[[int, dict[str, Any], list[float]], None] | None = None,
) -> TuningResult:
    """Search ``family``'s space; ``on_trial`` is called per trial (the trainer logs a child run there)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = (
        optuna.samplers.RandomSampler(seed=ctx.seed)
        if method == "random"
        else optuna.samplers.TPESampler(seed=ctx.seed)
    )
    study = optuna.create_study(direction="maximize", sampler=sampler)

    def objective(trial: optuna.Trial) -> float:
        params = search_space(family, trial)
        scores = cv_auc(family, X, y, groups, feature_types, ctx, params, folds)
        if on_trial:
            on_trial(trial.number, params, scores)
        return float(np.mean(scores))

    study.optimize(objective, n_trials=n_trials, timeout=timeout)
    best = search_space(family, optuna.trial.FixedTrial(study.best_params))
    return TuningResult(best, float(study.best_value), len(study.trials))
