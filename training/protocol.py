"""Evaluation protocols: an out-of-time holdout when the data has time, repeated cross-validation when not.

A panel of loans or companies observed over time is judged the way it will be used: train on the
past, score the latest period (:func:`training.splits.out_of_time_split`). A cross-sectional table
(the classic public bankruptcy and credit-scoring sets: ratios and a 0/1 label, no time) has no
future to hold out, and a single random holdout of a few thousand rows decides families by luck.
There the protocol is what such tables are published with, repeated stratified K-fold (grouped by
entity when an id repeats): every family is scored on every fold of every repetition, reported as
the mean fold ROC-AUC / PR-AUC with a 95% interval, and selected and thresholded on the out-of-fold
predictions exactly as the holdout protocol does on its training period; the registered model is
refitted on every row.

The interval uses Nadeau and Bengio's corrected resampled t statistic (Machine Learning 52, 2003):
fold scores share most of their training rows, so their plain standard error is far too small;
the correction inflates the variance by ``n_test / n_train``.

The out-of-time split can also degenerate on real files: a quarter of Freddie Mac loans has only a
couple of distinct first-payment months, and the training side of the split kept a few dozen rows
and a handful of defaults (docs/measurements.md, "Training: defaults and the method").
:func:`degenerate_split_reason` names that case so training falls back to cross-validation
(``--protocol auto``) or warns loudly (``--protocol holdout``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedGroupKFold

from creditrisk.errors import DataError

PROTOCOLS = ("auto", "holdout", "cv")

Folds = list[tuple[np.ndarray, np.ndarray]]


@dataclass
class Protocol:
    """The protocol a run used and why (written to the report JSON and MLflow)."""

    name: str
    reason: str
    folds: int = 0
    repeats: int = 0
    grouped: bool = False
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        described = {"name": self.name, "reason": self.reason}
        if self.name == "cv":
            described |= {"folds": self.folds, "repeats": self.repeats, "grouped": self.grouped}
        return described


def repeated_folds(
    y: np.ndarray, groups: np.ndarray | None, n_splits: int, n_repeats: int, seed: int = 42
) -> list[Folds]:
    """``n_repeats`` stratified K-fold partitions of every row, grouped when ``groups`` is given.

    Without groups this is scikit-learn's ``RepeatedStratifiedKFold``, so the folds are the ones a
    published ``cross_val_score(cv=RepeatedStratifiedKFold(...))`` would use for the same seed.
    """
    positives = int(np.sum(y))
    if positives < n_splits or len(y) - positives < n_splits:
        raise DataError(
            f"{n_splits}-fold cross-validation needs at least {n_splits} rows of each class "
            f"(have {positives} positive of {len(y)})"
        )
    if groups is None:
        splitter = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=seed)
        flat = list(splitter.split(np.zeros(len(y)), y))
        return [flat[r * n_splits : (r + 1) * n_splits] for r in range(n_repeats)]
    if len(np.unique(groups)) < n_splits:
        raise DataError(f"{n_splits}-fold grouped cross-validation needs at least {n_splits} distinct ids")
    return [
        list(
            StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + repeat).split(
                np.zeros(len(y)), y, groups
            )
        )
        for repeat in range(n_repeats)
    ]


def fold_scores(
    y: np.ndarray, oof_by_repeat: list[np.ndarray], repeats: list[Folds]
) -> dict[str, list[float]]:
    """ROC-AUC and PR-AUC of every fold of every repetition (what ``cross_val_score`` reports)."""
    scores: dict[str, list[float]] = {"roc_auc": [], "pr_auc": []}
    for oof, folds in zip(oof_by_repeat, repeats, strict=True):
        for _, val in folds:
            if 0 < y[val].sum() < len(val):
                scores["roc_auc"].append(float(roc_auc_score(y[val], oof[val])))
                scores["pr_auc"].append(float(average_precision_score(y[val], oof[val])))
    return scores


def corrected_interval(scores: list[float], test_fraction: float, level: float = 0.95) -> tuple[float, float]:
    """Nadeau-Bengio interval of the mean of ``scores`` from (repeated) K-fold cross-validation."""
    values = np.asarray(scores, dtype=float)
    if len(values) < 2:
        return (float("nan"), float("nan"))
    correction = 1 / len(values) + test_fraction / (1 - test_fraction)
    half = stats.t.ppf(0.5 + level / 2, df=len(values) - 1) * np.sqrt(correction * values.var(ddof=1))
    mean = float(values.mean())
    return (mean - float(half), mean + float(half))


def summarise(scores: dict[str, list[float]], n_splits: int) -> dict[str, dict[str, Any]]:
    """Mean, 95% interval and the fold scores per metric, for the report JSON."""
    return {
        metric: {
            "mean": float(np.mean(values)) if values else float("nan"),
            "ci95": list(corrected_interval(values, 1 / n_splits)),
            "folds": values,
        }
        for metric, values in scores.items()
    }


def degenerate_split_reason(
    train_positive_entities: int, train_rows: int, distinct_times: int, min_train_events: int
) -> str | None:
    """Why an out-of-time training side is too thin to learn from, or ``None`` when it is not."""
    if distinct_times < 2:
        return f"the data has {distinct_times} distinct observation time(s): nothing to hold out in time"
    if train_positive_entities < min_train_events:
        return (
            f"the out-of-time split left the training side {train_rows} rows with "
            f"{train_positive_entities} entities with an event (fewer than {min_train_events})"
        )
    return None
