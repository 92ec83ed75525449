"""Drift statistics computed directly with numpy/scipy: PSI, two-sample KS, chi-square, missing share.

Why not a drift library: Evidently 0.7 would add 22 packages (a web framework, nltk, faker, a
telemetry client) and pin plotly back from 7 to 5; these four statistics are a few dozen lines and,
measured in ``make bench BENCH=monitoring``, fast enough for 100k rows (docs/monitoring.md).

Conventions (the usual credit-risk ones, so the 0.1 / 0.25 rules of thumb apply):

- numeric PSI bins are the reference's deciles (``bins`` quantiles, ties merged), open at both
  ends, so every current value falls in a bin; categorical PSI has one bin per reference category
  plus one for categories the reference never saw;
- a bin share of zero is floored at ``EPSILON`` (otherwise one empty bin makes PSI infinite);
- missing values are left out of PSI and KS and reported as their own share, so a feature that
  stops arriving shows as missing, not as a distorted distribution.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

EPSILON = 1e-4
OTHER = "(unseen)"


@dataclass(frozen=True)
class Bins:
    """Reference bin edges (numeric) or categories (categorical), and the reference shares per bin."""

    edges: np.ndarray | None
    categories: list[str] | None
    reference_share: np.ndarray

    @property
    def labels(self) -> list[str]:
        if self.categories is not None:
            return [*self.categories, OTHER]
        assert self.edges is not None
        inner = [f"{v:.4g}" for v in self.edges]
        return [
            f"< {inner[0]}",
            *(f"{a} - {b}" for a, b in itertools.pairwise(inner)),
            f">= {inner[-1]}",
        ]


def numeric_bins(reference: np.ndarray, bins: int = 10) -> Bins:
    """Decile edges of the reference (non-missing values) and its share in each bin."""
    return sorted_bins(np.sort(reference[~np.isnan(reference)]), bins)


def sorted_bins(values: np.ndarray, bins: int = 10) -> Bins:
    """``numeric_bins`` of values already sorted, without missing ones (one sort serves PSI and KS)."""
    if len(values) == 0:
        return Bins(np.array([0.0]), None, np.array([0.5, 0.5]))
    inner = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
    return Bins(inner, None, sorted_shares(inner, values))


def sorted_shares(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of sorted ``values`` per bin (a value v is in bin ``#edges <= v``): counts come from
    ``len(edges)`` binary searches instead of one per value."""
    cuts = np.concatenate([[0], np.searchsorted(values, edges, side="left"), [len(values)]])
    return np.diff(cuts).astype(float) / max(len(values), 1)


def categorical_bins(reference: pd.Series) -> Bins:
    """One bin per reference category (most frequent first) plus one for unseen categories."""
    counts = reference.dropna().astype(str).value_counts()
    categories = [str(c) for c in counts.index]
    shares = np.append(counts.to_numpy(dtype=float), 0.0)
    return Bins(None, categories, shares / max(shares.sum(), 1.0))


def _shares(codes: np.ndarray, n_bins: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=n_bins).astype(float)
    return counts / max(counts.sum(), 1.0)


def current_shares(bins: Bins, current: np.ndarray | pd.Series) -> np.ndarray:
    """The current data's share in each of the reference's bins (missing values left out)."""
    if bins.categories is not None:
        series = pd.Series(current).dropna().astype(str)
        index = {c: i for i, c in enumerate(bins.categories)}
        codes = series.map(index).fillna(len(bins.categories)).to_numpy(dtype=int)
        return _shares(codes, len(bins.categories) + 1)
    assert bins.edges is not None
    values = np.asarray(current, dtype=float)
    return sorted_shares(bins.edges, np.sort(values[~np.isnan(values)]))


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index: sum over bins of (actual - expected) * ln(actual / expected)."""
    e = np.maximum(expected, EPSILON)
    a = np.maximum(actual, EPSILON)
    return float(np.sum((a - e) * np.log(a / e)))


def ks_test(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value on the non-missing values."""
    return ks_sorted(np.sort(reference[~np.isnan(reference)]), np.sort(current[~np.isnan(current)]))


def ks_sorted(ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    """KS on sorted samples: scipy's ``ks_2samp(method="asymp")`` computation (same statistic and
    p-value, tested) without sorting again what the PSI bins already sorted."""
    n1, n2 = len(ref), len(cur)
    if n1 == 0 or n2 == 0:
        return float("nan"), float("nan")
    # Merge the two sorted runs (a stable sort of two runs is a linear merge) and count, at the last
    # of each group of equal values, how many of each sample are at or below it: the empirical
    # CDFs scipy evaluates with two binary searches per value.
    both = np.concatenate([ref, cur])
    order = np.argsort(both, kind="stable")
    merged = both[order]
    below_ref = np.cumsum(order < n1)
    below_cur = np.arange(1, len(both) + 1) - below_ref
    last = np.append(merged[1:] != merged[:-1], True)
    diffs = below_ref[last] / n1 - below_cur[last] / n2
    statistic = float(max(np.clip(-diffs.min(), 0, 1), diffs.max()))
    m, n = sorted([float(n1), float(n2)], reverse=True)
    p_value = float(np.clip(stats.kstwo.sf(statistic, np.round(m * n / (m + n))), 0, 1))
    return statistic, p_value


def chi_square(bins: Bins, current: pd.Series, n_reference: int) -> tuple[float, float]:
    """Chi-square test of homogeneity between the reference's and the current category counts."""
    cur_counts = current_shares(bins, current) * pd.Series(current).notna().sum()
    ref_counts = bins.reference_share * n_reference
    table = np.vstack([ref_counts, cur_counts])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or table.sum(axis=1).min() == 0:
        return 0.0, 1.0
    statistic, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    return float(statistic), float(p_value)


def missing_share(values: np.ndarray | pd.Series) -> float:
    series = pd.Series(values)
    return float(series.isna().mean()) if len(series) else float("nan")
