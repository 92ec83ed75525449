"""Outlier rules on the training rows only (never the holdout): IQR fences, robust Mahalanobis, ensemble.

``creditrisk train --outliers`` drops the rows these flag. The analysis report's outlier section
(``analysis.outlier_section``) uses the same fences (:func:`beyond_iqr_fences`, :data:`IQR_K`), so
its IQR flags are the rows ``--outliers iqr`` drops; its Mahalanobis cut-off is the same
:data:`MAHALANOBIS_QUANTILE`, applied to the report's own robust distance (logged amounts, flags and
small counts left out), so those flags are close to ``--outliers mahalanobis``, not identical.

- ``iqr``: a row is an outlier when any numeric feature lies beyond ``IQR_K`` interquartile ranges
  from the quartiles (features with a zero IQR, such as mostly-zero counts, have no fence: every
  non-zero value would be "extreme").
- ``mahalanobis``: robust distance from the Minimum Covariance Determinant fit (on a sample, for
  speed) above the ``MAHALANOBIS_QUANTILE`` chi-square quantile; catches rows that are odd in
  combination, not per feature.
- ``ensemble``: SUOD-style heterogeneous ensemble of pyod detectors (Isolation Forest, HBOS, COPOD,
  ECOD), each score standardised and the scores averaged, flagging the top ``contamination``.
  The ``suod`` package itself (pyod's SUOD wrapper needs it) adds random projection and
  model approximation for speed; at these sizes the plain average is fast enough, so only ``pyod``
  is a dependency.

Numeric features are median-imputed first (so a missing value is never an outlier); categoricals
are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2
from sklearn.covariance import MinCovDet

METHODS = ("none", "iqr", "mahalanobis", "ensemble")
#: Fences at Q1 - k IQR and Q3 + k IQR. Tukey's "far out" k = 3 rather than his 1.5: these rows are
#: dropped from training, and on right-skewed amounts (balances, assets) 1.5 IQR cuts into the
#: ordinary tail, not just the errors.
IQR_K = 3.0
#: A squared robust distance above this chi-square quantile (degrees of freedom: the features) is an
#: outlier; 0.999 flags about one ordinary row in a thousand under normality.
MAHALANOBIS_QUANTILE = 0.999


@dataclass
class OutlierResult:
    method: str
    mask: np.ndarray

    @property
    def count(self) -> int:
        return int(self.mask.sum())


def numeric_matrix(frame: pd.DataFrame, feature_types: dict[str, str]) -> np.ndarray:
    """Median-imputed numeric features; constant columns dropped."""
    numeric = [name for name, kind in feature_types.items() if kind != "str"]
    values = frame[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    values = values.fillna(values.median()).fillna(0.0).to_numpy()
    return values[:, values.std(axis=0) > 0]


def iqr_fences(X: np.ndarray, k: float = IQR_K) -> tuple[np.ndarray, np.ndarray]:
    """Each column's (low, high) fences, ``Q1 - k IQR`` and ``Q3 + k IQR``; NaN where the IQR is
    zero, so such a column flags nothing."""
    q1, q3 = np.percentile(X, [25, 75], axis=0)
    iqr = q3 - q1
    usable = iqr > 0
    return np.where(usable, q1 - k * iqr, np.nan), np.where(usable, q3 + k * iqr, np.nan)


def beyond_iqr_fences(X: np.ndarray, k: float = IQR_K) -> np.ndarray:
    """Per value (rows x columns): whether it lies beyond its column's fences."""
    low, high = iqr_fences(X, k)
    return (low > X) | (high < X)


def iqr_outliers(X: np.ndarray, k: float = IQR_K) -> np.ndarray:
    """Rows with at least one value beyond the fences."""
    return beyond_iqr_fences(X, k).any(axis=1)


def mahalanobis_outliers(
    X: np.ndarray, quantile: float = MAHALANOBIS_QUANTILE, sample: int = 5000, seed: int = 42
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    center, scale = np.median(X, axis=0), np.percentile(X, 75, axis=0) - np.percentile(X, 25, axis=0)
    Z = (X - center) / np.where(scale > 0, scale, X.std(axis=0) + 1e-12)
    fit_rows = Z[rng.choice(len(Z), size=min(sample, len(Z)), replace=False)]
    mcd = MinCovDet(random_state=seed).fit(fit_rows)
    return mcd.mahalanobis(Z) > chi2.ppf(quantile, df=Z.shape[1])


def ensemble_outliers(X: np.ndarray, contamination: float = 0.01, seed: int = 42) -> np.ndarray:
    from pyod.models.copod import COPOD
    from pyod.models.ecod import ECOD
    from pyod.models.hbos import HBOS
    from pyod.models.iforest import IForest
    from pyod.utils.utility import standardizer

    detectors = [IForest(n_estimators=100, random_state=seed), HBOS(), COPOD(), ECOD()]
    scores = np.column_stack([d.fit(X).decision_scores_ for d in detectors])
    combined = standardizer(scores).mean(axis=1)
    return combined > np.quantile(combined, 1 - contamination)


def detect_outliers(
    frame: pd.DataFrame, feature_types: dict[str, str], method: str, seed: int = 42
) -> OutlierResult:
    """Flag outlying training rows with ``method`` (one of :data:`METHODS`)."""
    if method not in METHODS:
        raise ValueError(f"outlier method must be one of {', '.join(METHODS)}")
    if method == "none":
        return OutlierResult(method, np.zeros(len(frame), dtype=bool))
    X = numeric_matrix(frame, feature_types)
    if X.shape[1] == 0:
        return OutlierResult(method, np.zeros(len(frame), dtype=bool))
    if method == "iqr":
        mask = iqr_outliers(X)
    elif method == "mahalanobis":
        mask = mahalanobis_outliers(X, seed=seed)
    else:
        mask = ensemble_outliers(X, seed=seed)
    return OutlierResult(method, np.asarray(mask, dtype=bool))
