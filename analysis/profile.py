"""Descriptive statistics per feature, overall and by class, and the target rate by feature and vintage.

The first question a risk reviewer asks is whether the data looks like what it claims to be
(missing shares, ranges, tails) and which features separate good from bad at all; the
univariate AUC answers the second without fitting a model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from analysis.columns import ColumnRoles

QUANTILES = (1, 5, 25, 50, 75, 95, 99)
HISTOGRAM_BINS = 30
KEY_FEATURES = 6
RATE_BINS = 10
TOP_CATEGORIES = 12


@dataclass(frozen=True)
class Histogram:
    """Share of each class's rows per bin, on the feature's 1st-99th percentile range."""

    edges: np.ndarray
    share_0: np.ndarray
    share_1: np.ndarray


@dataclass(frozen=True)
class Profile:
    n_rows: int
    positives: int
    numeric: pd.DataFrame
    categorical: pd.DataFrame
    key_features: list[str]
    histograms: dict[str, Histogram]
    rate_by_bin: dict[str, pd.DataFrame]
    rate_by_category: dict[str, pd.DataFrame]
    rate_by_vintage: pd.DataFrame | None
    vintage_name: str | None

    @property
    def positive_rate(self) -> float:
        return self.positives / self.n_rows


def profile_frame(frame: pd.DataFrame, roles: ColumnRoles, y: np.ndarray) -> Profile:
    """Every statistic the descriptive section shows."""
    raw = frame[roles.numeric].to_numpy(dtype="float64", na_value=np.nan)
    raw[~np.isfinite(raw)] = np.nan
    numeric = _numeric_table(raw, roles.numeric, y)
    ranked = numeric["auc"].sub(0.5).abs().sort_values(ascending=False)
    key_features = list(ranked.index[:KEY_FEATURES])
    vintage_name, vintage = _vintage(frame, roles)
    return Profile(
        n_rows=len(frame),
        positives=int(y.sum()),
        numeric=numeric,
        categorical=_categorical_table(frame, roles.categorical, y),
        key_features=key_features,
        histograms={c: _histogram(raw[:, i], y) for i, c in enumerate(roles.numeric)},
        rate_by_bin={c: rate_by_quantile_bin(frame[c], y) for c in key_features},
        rate_by_category={c: _rate_by_category(frame[c], y) for c in roles.categorical},
        rate_by_vintage=_rate_by_group(vintage, y) if vintage is not None else None,
        vintage_name=vintage_name,
    )


def univariate_auc(values: np.ndarray, y: np.ndarray) -> float:
    """Mann-Whitney AUC of one feature against the label, NaNs left out (0.5 = no signal)."""
    present = ~np.isnan(values)
    x, target = values[present], y[present]
    n1 = int(target.sum())
    n0 = len(target) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(x)
    return float((ranks[target == 1].sum() - n1 * (n1 + 1) / 2) / (n0 * n1))


def rate_by_quantile_bin(series: pd.Series, y: np.ndarray) -> pd.DataFrame:
    """Target rate per decile of a numeric feature, with missing values as their own bin."""
    bins = pd.qcut(series, RATE_BINS, duplicates="drop")
    labels = bins.astype(str).where(series.notna(), "missing")
    table = _rate_by_group(labels, y)
    order = [str(c) for c in bins.cat.categories] + ["missing"]
    return table.set_index("group").reindex([o for o in order if o in set(table["group"])]).reset_index()


def _numeric_table(raw: np.ndarray, columns: list[str], y: np.ndarray) -> pd.DataFrame:
    is_bad = y == 1
    with np.errstate(all="ignore"):
        quantiles = np.nanpercentile(raw, QUANTILES, axis=0)
        table = pd.DataFrame(
            {
                "missing_share": np.isnan(raw).mean(axis=0),
                "mean": np.nanmean(raw, axis=0),
                "std": np.nanstd(raw, axis=0),
                "min": np.nanmin(raw, axis=0),
                **{f"p{q:02d}": quantiles[i] for i, q in enumerate(QUANTILES)},
                "max": np.nanmax(raw, axis=0),
                "mean_0": np.nanmean(raw[~is_bad], axis=0),
                "mean_1": np.nanmean(raw[is_bad], axis=0),
                "median_0": np.nanmedian(raw[~is_bad], axis=0),
                "median_1": np.nanmedian(raw[is_bad], axis=0),
                "missing_share_0": np.isnan(raw[~is_bad]).mean(axis=0),
                "missing_share_1": np.isnan(raw[is_bad]).mean(axis=0),
                "auc": [univariate_auc(raw[:, i], y) for i in range(raw.shape[1])],
            },
            index=pd.Index(columns, name="feature"),
        )
    return table


def _categorical_table(frame: pd.DataFrame, columns: list[str], y: np.ndarray) -> pd.DataFrame:
    rows = []
    for column in columns:
        series = frame[column]
        counts = series.value_counts(dropna=True)
        rows.append(
            {
                "feature": column,
                "missing_share": float(series.isna().mean()),
                "distinct": int(counts.size),
                "most_common": str(counts.index[0]),
                "most_common_share": float(counts.iloc[0] / len(series)),
            }
        )
    return pd.DataFrame(rows).set_index("feature") if rows else pd.DataFrame()


def _histogram(values: np.ndarray, y: np.ndarray) -> Histogram:
    present = ~np.isnan(values)
    low, high = np.percentile(values[present], [1, 99]) if present.any() else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
    clipped = np.clip(values, low, high)
    shares = []
    for cls in (0, 1):
        selected = clipped[present & (y == cls)]
        counts, _ = np.histogram(selected, bins=edges)
        shares.append(counts / max(len(selected), 1))
    return Histogram(edges, shares[0], shares[1])


def _rate_by_category(series: pd.Series, y: np.ndarray) -> pd.DataFrame:
    top = series.value_counts().index[:TOP_CATEGORIES]
    labels = series.astype(object).where(series.isin(top), "other").astype(str)
    labels = labels.where(series.notna(), "missing")
    return _rate_by_group(labels, y).sort_values("rows", ascending=False)


def _rate_by_group(groups: pd.Series, y: np.ndarray) -> pd.DataFrame:
    grouped = pd.DataFrame({"group": groups.to_numpy(), "y": y}).groupby("group", observed=True, sort=True)[
        "y"
    ]
    return grouped.agg(rows="size", rate="mean").reset_index()


def _vintage(frame: pd.DataFrame, roles: ColumnRoles) -> tuple[str | None, pd.Series | None]:
    """Cohort quarter: origination/vintage column when there is one, else the observation quarter."""
    column, name = (roles.vintage_column, "vintage (quarter of origination)")
    if column is None:
        column, name = (roles.time_column, f"quarter of {roles.time_column}")
    if column is None:
        return None, None
    stamps = frame[column]
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return name, stamps.dt.to_period("Q").astype(str).where(stamps.notna(), "missing")
