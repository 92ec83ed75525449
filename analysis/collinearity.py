"""Correlation, variance inflation factors and a suggested set of features to drop.

VIF_j = 1 / (1 - R^2_j) is the j-th diagonal element of the inverse correlation matrix, so all
VIFs cost one p x p inversion instead of p regressions over every row (statsmodels' approach,
the benchmark's baseline). Dropping greedily the feature with the highest VIF until none is
above the threshold is the textbook remedy; the report suggests it, the modeller decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.matrix import NumericMatrix

VIF_THRESHOLD = 10.0
PAIR_THRESHOLD = 0.8
#: Added to the correlation diagonal so a perfectly collinear set yields a huge, finite VIF.
_RIDGE = 1e-9


@dataclass(frozen=True)
class CollinearityResult:
    correlation: pd.DataFrame
    vif: pd.DataFrame  # per feature: vif, flagged
    pairs: pd.DataFrame  # feature_a, feature_b, correlation with |r| >= PAIR_THRESHOLD
    suggested_drop: list[str]
    vif_after_drop: float


def vif_from_correlation(correlation: np.ndarray) -> np.ndarray:
    """Every feature's VIF from the correlation matrix: the diagonal of its inverse."""
    ridge = correlation + _RIDGE * np.eye(len(correlation))
    return np.diag(np.linalg.inv(ridge)).copy()


def analyse_collinearity(matrix: NumericMatrix) -> CollinearityResult:
    """Correlation heatmap data, the VIF table, collinear pairs and the greedy drop set."""
    varying = matrix.varying()
    correlation = np.corrcoef(varying.values, rowvar=False)
    correlation = np.atleast_2d(correlation)
    vif = vif_from_correlation(correlation)
    drop, remaining_max = suggest_drop(correlation, varying.columns)
    return CollinearityResult(
        correlation=pd.DataFrame(correlation, index=varying.columns, columns=varying.columns),
        vif=pd.DataFrame(
            {"vif": vif, "flagged": vif > VIF_THRESHOLD}, index=pd.Index(varying.columns, name="feature")
        ).sort_values("vif", ascending=False),
        pairs=_collinear_pairs(correlation, varying.columns),
        suggested_drop=drop,
        vif_after_drop=remaining_max,
    )


def suggest_drop(correlation: np.ndarray, columns: list[str]) -> tuple[list[str], float]:
    """Drop the highest-VIF feature until every VIF is at most the threshold."""
    keep = list(range(len(columns)))
    dropped: list[str] = []
    while len(keep) > 1:
        vif = vif_from_correlation(correlation[np.ix_(keep, keep)])
        worst = int(np.argmax(vif))
        if vif[worst] <= VIF_THRESHOLD:
            return dropped, float(vif.max())
        dropped.append(columns[keep.pop(worst)])
    return dropped, 1.0


def _collinear_pairs(correlation: np.ndarray, columns: list[str]) -> pd.DataFrame:
    upper_i, upper_j = np.triu_indices(len(columns), k=1)
    values = correlation[upper_i, upper_j]
    strong = np.abs(values) >= PAIR_THRESHOLD
    pairs = pd.DataFrame(
        {
            "feature_a": [columns[i] for i in upper_i[strong]],
            "feature_b": [columns[j] for j in upper_j[strong]],
            "correlation": values[strong],
        }
    )
    return pairs.reindex(pairs["correlation"].abs().sort_values(ascending=False).index).reset_index(drop=True)
