"""Outliers two ways: per feature by the IQR rule, and per row by robust Mahalanobis distance.

The rule is training's (:mod:`creditrisk.outliers`): a row has an IQR outlier when a value lies
beyond ``IQR_K`` interquartile ranges from its feature's quartiles, by the same fence function on the
same median-imputed values, so the rows flagged here are the rows ``creditrisk train --outliers iqr``
would drop; the Mahalanobis cut-off is the same ``MAHALANOBIS_QUANTILE``. Beyond the rule, the
section shows per-feature shares by class, which features drive the flagged rows, and the most
extreme rows.

The IQR rule finds extreme values one feature at a time; the Mahalanobis distance under a
Minimum Covariance Determinant fit finds rows whose *combination* of values is unusual even
when each value alone is ordinary (a small loan with a huge balance). MCD is fitted on a sample
because its cost grows quickly with rows, and the distances are then computed for every row.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import pinvh
from scipy.stats import chi2, skew
from sklearn.covariance import MinCovDet

from analysis.matrix import NumericMatrix, sample_rows
from creditrisk.outliers import MAHALANOBIS_QUANTILE, beyond_iqr_fences, iqr_fences

#: Columns with fewer distinct values than this (flags, small counts) are left out of MCD: its
#: half-sample can make such a column constant, and then every other value looks infinitely far.
MIN_DISTINCT_FOR_MCD = 10
#: Ridge added to the robust covariance (features are on an IQR scale) so near-singular fits,
#: from collinear features, stay usable.
COVARIANCE_RIDGE = 1e-3
#: Non-negative features with a skewness above this are log-transformed before MCD.
SKEWED = 2.0
EXTREME_ROWS = 15
TOP_DRIVERS = 3


@dataclass(frozen=True)
class OutlierResult:
    iqr: pd.DataFrame  # per feature: low/high fence, count, share, share_0, share_1
    iqr_flagged: np.ndarray  # bool per row: a value beyond its feature's IQR fences
    distance: np.ndarray  # robust Mahalanobis distance of every row
    threshold: float
    flagged: np.ndarray  # bool per row
    share_0: float
    share_1: float
    drivers: pd.DataFrame  # per feature: rows where it is the top contributor, share of flagged rows
    extreme: pd.DataFrame  # the most extreme rows with ids, label, distance and top drivers
    mcd_sample: int
    mcd_features: list[str]
    excluded_from_mcd: list[str]

    @property
    def rows_with_iqr_outlier(self) -> int:
        return int(self.iqr_flagged.sum())


def iqr_outliers(matrix: NumericMatrix, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Per-feature counts beyond training's IQR fences, and which rows have any such value.

    The values are median-imputed (``matrix``), as training's are, so a missing value is never an
    outlier; a feature with a zero IQR has no fences (NaN) and flags nothing.
    """
    low, high = iqr_fences(matrix.values)
    beyond = beyond_iqr_fences(matrix.values)
    bad = y == 1
    table = pd.DataFrame(
        {
            "low_fence": low,
            "high_fence": high,
            "count": beyond.sum(axis=0),
            "share": beyond.mean(axis=0),
            "share_0": beyond[~bad].mean(axis=0),
            "share_1": beyond[bad].mean(axis=0),
        },
        index=pd.Index(matrix.columns, name="feature"),
    ).sort_values("count", ascending=False)
    return table, beyond.any(axis=1)


def find_outliers(
    matrix: NumericMatrix,
    raw: pd.DataFrame,
    y: np.ndarray,
    context: pd.DataFrame,
    *,
    sample_size: int = 2_000,
    seed: int = 42,
) -> OutlierResult:
    """IQR table plus robust Mahalanobis distances, drivers and the most extreme rows.

    ``context`` holds the columns shown beside each extreme row (ids, time, label).
    """
    iqr, iqr_flagged = iqr_outliers(matrix, y)
    sample = sample_rows(len(y), sample_size, seed)
    varying, excluded = _mcd_columns(matrix, sample)
    if not varying.columns:  # only flags and small counts: the IQR table is all there is
        return OutlierResult(
            iqr=iqr,
            iqr_flagged=iqr_flagged,
            distance=np.zeros(len(y)),
            threshold=float("nan"),
            flagged=np.zeros(len(y), dtype=bool),
            share_0=0.0,
            share_1=0.0,
            drivers=_drivers(np.empty((0, 0)), []),
            extreme=pd.DataFrame(),
            mcd_sample=0,
            mcd_features=[],
            excluded_from_mcd=excluded,
        )
    scaled = _robust_scale(varying.values)
    with warnings.catch_warnings():
        # MCD warns when collinear features make the covariance singular; the ridge copes.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        mcd = MinCovDet(random_state=seed).fit(scaled[sample])
    covariance = mcd.covariance_ + COVARIANCE_RIDGE * np.eye(scaled.shape[1])
    centred = scaled - mcd.location_
    projected = centred @ pinvh(covariance)
    squared = np.einsum("ij,ij->i", centred, projected)
    threshold = float(chi2.ppf(MAHALANOBIS_QUANTILE, df=scaled.shape[1]))
    flagged = squared > threshold
    contributions = centred * projected  # sums to the squared distance per row
    bad = y == 1
    return OutlierResult(
        iqr=iqr,
        iqr_flagged=iqr_flagged,
        distance=np.sqrt(np.maximum(squared, 0)),
        threshold=float(np.sqrt(threshold)),
        flagged=flagged,
        share_0=float(flagged[~bad].mean()) if (~bad).any() else float("nan"),
        share_1=float(flagged[bad].mean()) if bad.any() else float("nan"),
        drivers=_drivers(contributions[flagged], varying.columns),
        extreme=_extreme_rows(squared, contributions, varying, raw, context),
        mcd_sample=len(sample),
        mcd_features=varying.columns,
        excluded_from_mcd=excluded,
    )


def _mcd_columns(matrix: NumericMatrix, sample: np.ndarray) -> tuple[NumericMatrix, list[str]]:
    """Continuous columns for MCD; flags and small counts are reported by the IQR table instead."""
    keep = [
        len(np.unique(matrix.values[sample, j])) >= MIN_DISTINCT_FOR_MCD for j in range(len(matrix.columns))
    ]
    excluded = [c for c, k in zip(matrix.columns, keep, strict=True) if not k]
    chosen = NumericMatrix(
        [c for c, k in zip(matrix.columns, keep, strict=True) if k],
        matrix.values[:, keep],
        matrix.medians[keep],
    )
    return chosen, excluded


def _robust_scale(values: np.ndarray) -> np.ndarray:
    """Log right-skewed amounts, then centre on the median and divide by the IQR (std if zero).

    A long right tail (loan balances, assets) is the normal shape of money amounts, not an
    anomaly; without the log, MCD would flag the whole tail and hide the rows that are odd.
    """
    values = values.copy()
    for j in np.flatnonzero((values.min(axis=0) >= 0) & (skew(values, axis=0) > SKEWED)):
        values[:, j] = np.log1p(values[:, j])
    center = np.median(values, axis=0)
    q1, q3 = np.percentile(values, [25, 75], axis=0)
    scale = q3 - q1
    scale = np.where(scale > 0, scale, values.std(axis=0))
    scale = np.where(scale > 0, scale, 1.0)
    return (values - center) / scale


def _drivers(contributions: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """How often each feature is the largest contributor to a flagged row's distance."""
    if len(contributions) == 0:
        return pd.DataFrame(columns=["rows", "share"], index=pd.Index([], name="feature"))
    top = np.argmax(contributions, axis=1)
    counts = np.bincount(top, minlength=len(columns))
    table = pd.DataFrame(
        {"rows": counts, "share": counts / len(contributions)}, index=pd.Index(columns, name="feature")
    )
    return table[table["rows"] > 0].sort_values("rows", ascending=False)


def _extreme_rows(
    squared: np.ndarray,
    contributions: np.ndarray,
    varying: NumericMatrix,
    raw: pd.DataFrame,
    context: pd.DataFrame,
) -> pd.DataFrame:
    order = np.argsort(squared)[::-1][:EXTREME_ROWS]
    rows = []
    for position in order:
        top = np.argsort(contributions[position])[::-1][:TOP_DRIVERS]
        drivers = ", ".join(
            f"{varying.columns[j]}={_fmt(raw[varying.columns[j]].iloc[position])}" for j in top
        )
        record = {c: context[c].iloc[position] for c in context.columns}
        record.update({"distance": float(np.sqrt(max(squared[position], 0))), "top drivers (value)": drivers})
        rows.append(record)
    return pd.DataFrame(rows)


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)
