"""Holdout metrics, business cost, the cost-minimising threshold and bootstrap confidence intervals.

Business cost: a missed defaulter (false negative) costs ``cost_ratio`` times a false alarm (false
positive), 5:1 by default; or, exposure-based, a missed default costs ``exposure x LGD`` and a false
alarm ``exposure x fp_rate`` (the margin lost by declining a good borrower). Expected cost is the mean
cost per observation. The threshold that minimises it is chosen on held-out training data (the
calibration slice) and then applied unchanged to the holdout, so the reported holdout cost is honest;
the holdout's own optimum is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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


def expected_cost(
    y: np.ndarray, proba: np.ndarray, threshold: float, cost: CostModel, exposure: np.ndarray | None = None
) -> float:
    """Mean cost per observation when everyone with ``proba >= threshold`` is flagged."""
    y = np.asarray(y).astype(int)
    fn_cost, fp_cost = cost.costs(len(y), exposure)
    flagged = np.asarray(proba) >= threshold
    return float((fn_cost * ((y == 1) & ~flagged) + fp_cost * ((y == 0) & flagged)).mean())


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


def bootstrap_intervals(
    y: np.ndarray,
    proba: np.ndarray,
    threshold: float,
    cost: CostModel,
    exposure: np.ndarray | None = None,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals (rows resampled with replacement) for :data:`BOOTSTRAPPED`."""
    y = np.asarray(y).astype(int)
    proba = np.asarray(proba, dtype=float)
    rng = np.random.default_rng(seed)
    fn_cost, fp_cost = cost.costs(len(y), exposure)
    samples: dict[str, list[float]] = {name: [] for name in BOOTSTRAPPED}
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        yb, pb = y[idx], proba[idx]
        if yb.min() == yb.max():
            continue
        flagged = pb >= threshold
        samples["roc_auc"].append(roc_auc_score(yb, pb))
        samples["pr_auc"].append(average_precision_score(yb, pb))
        samples["ks"].append(ks_statistic(yb, pb))
        samples["brier"].append(float(np.mean((pb - yb) ** 2)))
        samples["recall"].append(float(flagged[yb == 1].mean()))
        missed = fn_cost[idx] * ((yb == 1) & ~flagged) + fp_cost[idx] * ((yb == 0) & flagged)
        samples["expected_cost"].append(float(missed.mean()))
    alpha = (1 - level) / 2
    return {
        name: (float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha)))
        for name, values in samples.items()
        if values
    }
