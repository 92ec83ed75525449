"""The numeric features as one imputed float matrix, built once and shared by the sections.

Covariance-based methods (MCD, correlation, PCA, t-SNE) need complete rows; imputing the
median once, rather than per section, keeps the sections consistent with each other and is
what makes 100k x 60 cheap. Missingness itself is reported by the profile, not hidden here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class NumericMatrix:
    """Median-imputed numeric features (rows x columns) and the z-scored version."""

    columns: list[str]
    values: np.ndarray
    medians: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, columns: list[str]) -> NumericMatrix:
        values = frame[columns].to_numpy(dtype="float64", na_value=np.nan, copy=True)
        values[~np.isfinite(values)] = np.nan
        medians = np.nanmedian(values, axis=0)
        medians = np.where(np.isnan(medians), 0.0, medians)
        rows, cols = np.nonzero(np.isnan(values))
        values[rows, cols] = medians[cols]
        return cls(list(columns), values, medians)

    def standardized(self) -> np.ndarray:
        """Z-scores; a column that is constant after imputation gets zeros, not NaN."""
        std = self.values.std(axis=0)
        return (self.values - self.values.mean(axis=0)) / np.where(std > 0, std, 1.0)

    def varying(self) -> NumericMatrix:
        """Only the columns that still vary after imputation (covariance needs them)."""
        keep = self.values.std(axis=0) > 0
        return NumericMatrix(
            [c for c, k in zip(self.columns, keep, strict=True) if k],
            self.values[:, keep],
            self.medians[keep],
        )


def sample_rows(n_rows: int, size: int, seed: int) -> np.ndarray:
    """Sorted row positions of a uniform sample without replacement (all rows if fewer)."""
    if n_rows <= size:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=size, replace=False))
