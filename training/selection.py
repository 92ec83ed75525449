"""Which family is registered: cheapest out of fold, unless a cheaper-looking one is within noise.

Expected cost at one threshold is a noisy statistic: on one demo data set LightGBM's out-of-fold
cost was slightly below the soft vote's while the vote ranked better both out of fold and on the
holdout, with a lower holdout cost too (docs/training.md, "Reliability"). So the rule is the
one-standard-error rule (Hastie, Tibshirani & Friedman, *Elements of Statistical Learning*,
7.10): every family whose out-of-fold cost is within one bootstrap standard
error of the lowest is a candidate, and the candidate that ranks best (highest out-of-fold AUC)
is registered. The standard error is of the *paired* cost difference, resampling whole entities,
as both families are scored on the same training rows. The holdout is never read.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from training.evaluate import resample_weights


class Scored(Protocol):
    cv_cost: float
    cv_auc: float
    oof_row_cost: np.ndarray | None


def cost_candidates(
    results: dict[str, Scored], groups: np.ndarray | None = None, n_boot: int = 200, seed: int = 0
) -> list[str]:
    """Families whose out-of-fold cost is within one paired standard error of the cheapest."""
    cheapest = min(results, key=lambda n: results[n].cv_cost)
    base = results[cheapest]
    candidates = [n for n, r in results.items() if r.cv_cost - base.cv_cost <= 1e-12]
    differences = {
        name: r.oof_row_cost - base.oof_row_cost
        for name, r in results.items()
        if name not in candidates and r.oof_row_cost is not None and base.oof_row_cost is not None
    }
    if not differences:
        return candidates
    rng = np.random.default_rng(seed)
    gaps: dict[str, list[float]] = {name: [] for name in differences}
    n = len(base.oof_row_cost)
    for _ in range(n_boot):
        weight = resample_weights(rng, n, groups)
        for name, difference in differences.items():
            gaps[name].append(float(weight @ difference / weight.sum()))
    for name in differences:
        if results[name].cv_cost - base.cv_cost <= float(np.std(gaps[name])):
            candidates.append(name)
    return candidates


def select_family(
    results: dict[str, Scored], groups: np.ndarray | None = None, n_boot: int = 200, seed: int = 0
) -> str:
    """The best-ranking (out-of-fold AUC) family among the cost candidates; ties by cost."""
    candidates = cost_candidates(results, groups, n_boot, seed)
    return max(candidates, key=lambda n: (results[n].cv_auc, -results[n].cv_cost))
