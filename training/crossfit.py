"""Cross-fitting: out-of-fold predictions over the whole training period, then one refit on all of it.

Calibration, the cost threshold and the choice of the registered family all need predictions on rows
the model did not train on. A single held-out calibration slice (20% of the training entities) held
a few dozen bankruptcies on the demo's company panel, so the slice decided the family by luck
(docs/measurements.md, "Training: defaults and the method"). Here every training row gets an
out-of-fold prediction from the grouped, stratified K-fold (``splits.grouped_folds``: no entity in
two folds), so calibration, threshold and selection see every training event, and the model that is
registered is refitted on the whole training period. That is scikit-learn's
``CalibratedClassifierCV(ensemble=False)`` recipe: calibrate on cross-validated predictions, deploy
the estimator fitted on all the data.

Boosters choose their number of trees the way ``xgboost.cv`` does: each fold's model records its
validation loss per round (weighted like its training loss), the round with the lowest loss averaged
over the folds is the count for every fold's out-of-fold prediction and for the refit. That uses
every training event for the one choice, where stopping on a slice of a few dozen bankruptcies
stopped LightGBM after one tree; the refit needs no stopping slice, so it trains on every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from training.families import FitContext, fit_family

BOOSTERS = ("xgb", "lgbm")

Folds = list[tuple[np.ndarray, np.ndarray]]


@dataclass
class CrossFit:
    """A family's out-of-fold raw probabilities and its refit on the whole training side."""

    #: The refit on every row (``None`` when asked for the out-of-fold predictions only).
    pipeline: Pipeline | None
    oof_proba: np.ndarray
    fold_auc: list[float]
    #: Boosters: the number of trees chosen on the folds' validation loss.
    rounds: int | None = None
    #: Boosters: the trees each fold's model holds (a fold that stopped early holds fewer than
    #: ``rounds`` and predicts with all of them).
    fold_trees: list[int] | None = None


def cross_fit(
    family: str,
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Folds,
    feature_types: dict[str, str],
    ctx: FitContext,
    params: dict[str, Any],
    on_fold: Callable[[int], None] | None = None,
    excluded: np.ndarray | None = None,
    refit: bool = True,
) -> CrossFit:
    """Out-of-fold probabilities from one fit per fold, then the refit on every row.

    ``excluded`` (a boolean row mask, e.g. outliers) keeps rows out of every fit while they are
    still predicted out of fold, so dropping outliers never shrinks what a model is judged on.
    ``refit=False`` skips the final fit (the extra repetitions of repeated cross-validation).
    """
    if excluded is not None:
        folds = [(fit_idx[~excluded[fit_idx]], val_idx) for fit_idx, val_idx in folds]
    kept = np.arange(len(y)) if excluded is None else np.flatnonzero(~excluded)
    if family in BOOSTERS:
        return _cross_fit_booster(family, X, y, folds, feature_types, ctx, params, on_fold, kept, refit)
    models = []
    for number, (fit_idx, _) in enumerate(folds):
        if on_fold:
            on_fold(number)
        models.append(fit_family(family, X.iloc[fit_idx], y[fit_idx], feature_types, ctx, params))
    oof, fold_auc = _out_of_fold(y, folds, lambda fold, rows: models[fold].predict_proba(X.iloc[rows])[:, 1])
    pipeline = fit_family(family, X.iloc[kept], y[kept], feature_types, ctx, params) if refit else None
    return CrossFit(pipeline, oof, fold_auc)


def _out_of_fold(
    y: np.ndarray, folds: Folds, predict: Callable[[int, np.ndarray], np.ndarray]
) -> tuple[np.ndarray, list[float]]:
    """Each row's prediction from the fold model that did not see it, and each fold's AUC."""
    oof = np.full(len(y), np.nan)
    fold_auc = []
    for fold, (_, val_idx) in enumerate(folds):
        oof[val_idx] = predict(fold, val_idx)
        fold_auc.append(_auc(y[val_idx], oof[val_idx]))
    if np.isnan(oof).any():
        raise ValueError("the folds do not cover every training row")
    return oof, fold_auc


def _auc(y: np.ndarray, proba: np.ndarray) -> float:
    return float(roc_auc_score(y, proba)) if 0 < y.sum() < len(y) else float("nan")


def _cross_fit_booster(
    family: str,
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Folds,
    feature_types: dict[str, str],
    ctx: FitContext,
    params: dict[str, Any],
    on_fold: Callable[[int], None] | None,
    kept: np.ndarray,
    refit: bool,
) -> CrossFit:
    models, curves = [], []
    for number, (fit_idx, val_idx) in enumerate(folds):
        if on_fold:
            on_fold(number)
        model = fit_family(
            family,
            X.iloc[fit_idx],
            y[fit_idx],
            feature_types,
            ctx,
            params,
            early_stopping=(X.iloc[val_idx], y[val_idx]),
        )
        models.append(model)
        curves.append(validation_curve(model))
    rounds = best_common_round(curves)
    oof, fold_auc = _out_of_fold(
        y, folds, lambda fold, rows: predict_at_round(models[fold], X.iloc[rows], rounds)
    )
    pipeline = (
        fit_family(family, X.iloc[kept], y[kept], feature_types, ctx, params, rounds=rounds)
        if refit
        else None
    )
    return CrossFit(pipeline, oof, fold_auc, rounds, [trees_held(model) for model in models])


def validation_curve(pipeline: Pipeline) -> np.ndarray:
    """The booster's loss on its early-stopping rows after each round."""
    (metrics,) = pipeline.named_steps["model"].evals_result_.values()
    (losses,) = metrics.values()
    return np.asarray(losses, dtype=float)


def best_common_round(curves: list[np.ndarray]) -> int:
    """The round count with the lowest loss averaged over folds.

    A fold that stopped early is extended with its last loss (past its stopping point the loss had
    not improved for the patience window, so its last value is a fair, slightly generous stand-in).
    The count can therefore exceed the trees a short fold holds; :func:`predict_at_round` then uses
    all of that fold's trees, which is exactly the model whose last loss stood in for it.
    """
    longest = max(len(c) for c in curves)
    padded = np.vstack([np.pad(c, (0, longest - len(c)), mode="edge") for c in curves])
    return int(np.argmin(padded.mean(axis=0))) + 1


def predict_at_round(pipeline: Pipeline, X: pd.DataFrame, rounds: int) -> np.ndarray:
    """Positive-class probability using only the first ``rounds`` trees (all of them when fewer).

    A fold that stopped early holds fewer trees than the common round; XGBoost aborts when asked for
    trees it does not have (``end <= model.BoostedRounds()``), so each fold is capped at its own.
    """
    encoded = pipeline.named_steps["encode"].transform(X)
    model = pipeline.named_steps["model"]
    used = min(rounds, trees_held(pipeline))
    if hasattr(model, "get_booster"):
        return model.predict_proba(encoded, iteration_range=(0, used))[:, 1]
    return model.predict_proba(encoded, num_iteration=used)[:, 1]


def trees_held(pipeline: Pipeline) -> int:
    """How many boosting rounds a fitted booster holds.

    XGBoost keeps every round it trained (its curve's length); LightGBM's early stopping keeps only
    the trees up to its best round.
    """
    model = pipeline.named_steps["model"]
    if hasattr(model, "get_booster"):
        return int(model.get_booster().num_boosted_rounds())
    return int(model.booster_.current_iteration())
