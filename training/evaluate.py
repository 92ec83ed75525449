"""Holdout metrics, business cost, the cost-minimising threshold and bootstrap confidence intervals.

Business cost: a missed defaulter (false negative) costs ``cost_ratio`` times a false alarm (false
positive), 5:1 by default; or, exposure-based, a missed default costs ``exposure x LGD`` and a false
alarm ``exposure x fp_rate`` (the margin lost by declining a good borrower). Expected cost is the mean
cost per observation. The threshold that minimises it is chosen on out-of-fold predictions of the
training period (see :mod:`training.crossfit`) and then applied unchanged to the holdout, so the
reported holdout cost is honest; the holdout's own optimum is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve


@dataclass(frozen=True)
class CostModel:
    """Per-row costs of a false negative and a false positive."""

    cost_ratio: float = 5.0
    lgd: float | None = None
    fp_rate: float | None = None

    @property
    def exposure_based(self) -> bool:
        return self.lgd is not None

    @property
    def effective_ratio(self) -> float:
        """FN:FP cost ratio (exposure-based: LGD over the false-alarm rate)."""
        if self.exposure_based:
            return float(self.lgd) / float(self.fp_rate or self.lgd / self.cost_ratio)
        return self.cost_ratio

    def costs(self, n: int, exposure: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Arrays of (false-negative cost, false-positive cost) per row."""
        if not self.exposure_based:
            return np.full(n, self.cost_ratio), np.ones(n)
        if exposure is None:
            raise ValueError("exposure-based cost needs an exposure column")
        exposure = np.nan_to_num(np.asarray(exposure, dtype=float), nan=0.0)
        fp_rate = self.fp_rate if self.fp_rate is not None else float(self.lgd) / self.cost_ratio
        return exposure * float(self.lgd), exposure * fp_rate


def row_costs(
    y: np.ndarray, proba: np.ndarray, threshold: float, cost: CostModel, exposure: np.ndarray | None = None
) -> np.ndarray:
    """Each row's cost when everyone with ``proba >= threshold`` is flagged (0 when right)."""
    y = np.asarray(y).astype(int)
    fn_cost, fp_cost = cost.costs(len(y), exposure)
    flagged = np.asarray(proba) >= threshold
    return fn_cost * ((y == 1) & ~flagged) + fp_cost * ((y == 0) & flagged)


def expected_cost(
    y: np.ndarray, proba: np.ndarray, threshold: float, cost: CostModel, exposure: np.ndarray | None = None
) -> float:
    """Mean cost per observation when everyone with ``proba >= threshold`` is flagged."""
    return float(row_costs(y, proba, threshold, cost, exposure).mean())


def cost_curve(
    y: np.ndarray, proba: np.ndarray, cost: CostModel, exposure: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Expected cost at every distinct threshold (plus 'flag nobody'), in one sorted pass.

    Flagging rows with ``proba >= t`` for ``t`` equal to each distinct score: the cost is the sum of
    false-negative costs of positives below ``t`` plus false-positive costs of negatives at or above.
    """
    y = np.asarray(y).astype(int)
    proba = np.asarray(proba, dtype=float)
    fn_cost, fp_cost = cost.costs(len(y), exposure)
    order = np.argsort(-proba, kind="stable")
    p_sorted = proba[order]
    fn_w = np.where(y[order] == 1, fn_cost[order], 0.0)
    fp_w = np.where(y[order] == 0, fp_cost[order], 0.0)
    flagged_fp = np.cumsum(fp_w)
    missed_fn = fn_w.sum() - np.cumsum(fn_w)
    last_of_tie = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    thresholds = np.r_[np.inf, p_sorted[last_of_tie]]
    totals = np.r_[fn_w.sum(), (flagged_fp + missed_fn)[last_of_tie]]
    return thresholds, totals / max(len(y), 1)


def optimal_threshold(
    y: np.ndarray, proba: np.ndarray, cost: CostModel, exposure: np.ndarray | None = None
) -> tuple[float, float]:
    """The threshold with the lowest expected cost and that cost (ties: the highest threshold)."""
    thresholds, costs = cost_curve(y, proba, cost, exposure)
    best = int(np.argmin(costs))
    threshold = float(thresholds[best])
    return (1.0 if not np.isfinite(threshold) else threshold), float(costs[best])


def ks_statistic(y: np.ndarray, proba: np.ndarray) -> float:
    fpr, tpr, _ = roc_curve(y, proba)
    return float(np.max(tpr - fpr))


def recall_at_fpr(y: np.ndarray, proba: np.ndarray, max_fpr: float) -> float:
    """Highest recall reachable while the false-positive rate stays at or below ``max_fpr``."""
    fpr, tpr, _ = roc_curve(y, proba)
    return float(tpr[fpr <= max_fpr].max())


def expected_calibration_error(y: np.ndarray, proba: np.ndarray, bins: int = 10) -> float:
    """Mean |observed rate - mean probability| over equal-count bins, weighted by bin size."""
    order = np.argsort(proba)
    chunks = np.array_split(order, bins)
    total = sum(abs(np.mean(y[c]) - np.mean(proba[c])) * len(c) for c in chunks if len(c))
    return float(total / len(y))


def classification_metrics(
    y: np.ndarray,
    proba: np.ndarray,
    threshold: float,
    cost: CostModel,
    exposure: np.ndarray | None = None,
) -> dict[str, float]:
    """Every holdout metric the report carries, at the given (pre-chosen) threshold."""
    y = np.asarray(y).astype(int)
    proba = np.asarray(proba, dtype=float)
    flagged = proba >= threshold
    tp = int(((y == 1) & flagged).sum())
    fp = int(((y == 0) & flagged).sum())
    fn = int(((y == 1) & ~flagged).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    best_threshold, best_cost = optimal_threshold(y, proba, cost, exposure)
    return {
        "roc_auc": float(roc_auc_score(y, proba)),
        "pr_auc": float(average_precision_score(y, proba)),
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "recall": recall,
        "precision": precision,
        "ks": ks_statistic(y, proba),
        "brier": float(brier_score_loss(y, proba)),
        "ece": expected_calibration_error(y, proba),
        "recall_at_5pct_fpr": recall_at_fpr(y, proba, 0.05),
        "recall_at_10pct_fpr": recall_at_fpr(y, proba, 0.10),
        "threshold": float(threshold),
        "expected_cost": expected_cost(y, proba, threshold, cost, exposure),
        "holdout_optimal_threshold": best_threshold,
        "holdout_optimal_cost": best_cost,
        "positive_rate": float(y.mean()),
        "n": len(y),
    }


#: Metrics given bootstrap intervals (the rest are either definitional or cheap to eyeball).
BOOTSTRAPPED = ("roc_auc", "pr_auc", "ks", "brier", "recall", "expected_cost")


class RankedScores:
    """Scores sorted once, with their ties grouped, so rank metrics under row weights are sums.

    A bootstrap resample is a vector of counts (how often each row was drawn). With the order fixed,
    AUC, average precision and KS of any weighting are cumulative sums over the tie groups: one pass
    of numpy per resample instead of three scikit-learn calls that re-sort and re-validate. The
    results equal scikit-learn's on the repeated rows (ties count half in AUC; average precision
    steps at each distinct score, like ``average_precision_score``).
    """

    def __init__(self, y: np.ndarray, proba: np.ndarray) -> None:
        proba = np.asarray(proba, dtype=float)
        self.order = np.argsort(-proba, kind="stable")
        ranked = proba[self.order]
        self.starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
        self.positive = np.asarray(y).astype(float)[self.order]

    def metrics(self, weight: np.ndarray) -> tuple[float, float, float] | None:
        """(AUC, average precision, KS) with row weights, or ``None`` when a class has no weight."""
        w = np.asarray(weight, dtype=float)[self.order]
        pos = np.add.reduceat(w * self.positive, self.starts)
        neg = np.add.reduceat(w * (1 - self.positive), self.starts)
        total_pos, total_neg = pos.sum(), neg.sum()
        if total_pos <= 0 or total_neg <= 0:
            return None
        tp, fp = np.cumsum(pos), np.cumsum(neg)
        auc = float(np.sum(neg * (tp - pos / 2)) / (total_pos * total_neg))
        flagged = tp + fp
        precision = np.divide(tp, flagged, out=np.zeros_like(tp), where=flagged > 0)
        average_precision = float(np.sum(pos * precision) / total_pos)
        ks = float(max(0.0, np.max(tp / total_pos - fp / total_neg)))
        return auc, average_precision, ks


def resample_weights(rng: np.random.Generator, n: int, groups: np.ndarray | None = None) -> np.ndarray:
    """How often each row is drawn in one bootstrap resample; whole entities when ``groups`` is given.

    Rows of one loan (monthly) or company (quarterly) are a correlated cluster: resampling rows
    treats them as independent and makes intervals look tighter than the data allows.
    """
    if groups is None:
        return np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
    codes, uniques = pd.factorize(pd.Series(groups).astype(str))
    counts = np.bincount(rng.integers(0, len(uniques), len(uniques)), minlength=len(uniques))
    return counts[codes].astype(float)


def bootstrap_intervals(
    y: np.ndarray,
    proba: np.ndarray,
    threshold: float,
    cost: CostModel,
    exposure: np.ndarray | None = None,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals for :data:`BOOTSTRAPPED`.

    Rows are resampled with replacement, or with ``groups`` whole entities (see
    :func:`resample_weights`); the threshold stays fixed, as it was chosen before the holdout.
    """
    y = np.asarray(y).astype(int)
    proba = np.asarray(proba, dtype=float)
    rng = np.random.default_rng(seed)
    flagged = proba >= threshold
    row_cost = row_costs(y, proba, threshold, cost, exposure)
    squared_error = (proba - y) ** 2
    ranked = RankedScores(y, proba)
    samples: dict[str, list[float]] = {name: [] for name in BOOTSTRAPPED}
    for _ in range(n_boot):
        weight = resample_weights(rng, len(y), groups)
        ranks = ranked.metrics(weight)
        if ranks is None:
            continue
        total = weight.sum()
        samples["roc_auc"].append(ranks[0])
        samples["pr_auc"].append(ranks[1])
        samples["ks"].append(ranks[2])
        samples["brier"].append(float(weight @ squared_error / total))
        samples["recall"].append(float(weight @ (flagged & (y == 1)) / (weight @ (y == 1))))
        samples["expected_cost"].append(float(weight @ row_cost / total))
    return percentile_intervals(samples, level)


def percentile_intervals(
    samples: dict[str, list[float]], level: float = 0.95
) -> dict[str, tuple[float, float]]:
    """The central ``level`` percentile interval of each named list of bootstrap values (empty lists
    are left out: every resample lacked a class)."""
    alpha = (1 - level) / 2
    return {
        name: (float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha)))
        for name, values in samples.items()
        if values
    }
