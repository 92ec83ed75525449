"""The target rate and key features by month, STL trend/seasonality, and ADF stationarity.

A model trained on a period whose default rate drifts or swings with the season learns that
period; the monthly view, STL's split into trend and seasonal parts, and an ADF test on each
monthly series tell the reader whether levels are stable enough to use as they are.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.stattools import adfuller

#: STL with a yearly season needs two full cycles.
MIN_MONTHS_FOR_STL = 24
MIN_MONTHS_FOR_ADF = 12
ADF_ALPHA = 0.05


@dataclass(frozen=True)
class Decomposition:
    observed: pd.Series
    trend: pd.Series
    seasonal: pd.Series
    resid: pd.Series
    trend_strength: float
    seasonal_strength: float
    peak_month: int  # calendar month with the highest seasonal component


@dataclass(frozen=True)
class TimeResult:
    time_column: str
    monthly: pd.DataFrame  # index month: rows, rate, <feature> means
    features: list[str]
    decomposition: Decomposition | None
    stationarity: pd.DataFrame  # per series: adf statistic, p-value, lags, months, verdict
    note: str


def monthly_table(stamps: pd.Series, y: np.ndarray, frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Rows, target rate and feature means per calendar month, over a gap-free month index."""
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    month = stamps.dt.to_period("M").dt.to_timestamp()
    data = frame[features].apply(pd.to_numeric, errors="coerce").assign(_month=month.to_numpy(), _y=y)
    grouped = data.dropna(subset=["_month"]).groupby("_month")
    table = grouped[features].mean()
    table.insert(0, "rate", grouped["_y"].mean())
    table.insert(0, "rows", grouped["_y"].size())
    full = pd.date_range(table.index.min(), table.index.max(), freq="MS")
    table = table.reindex(full)
    table["rows"] = table["rows"].fillna(0).astype(int)
    table.index.name = "month"
    return table


def analyse_time(
    frame: pd.DataFrame,
    y: np.ndarray,
    time_column: str | None,
    key_features: list[str],
    numeric: list[str],
    drifting: int = 2,
) -> TimeResult | None:
    """The time section, or None when the data has no time axis.

    Followed by month: the strongest separators (``key_features``) and the ``drifting``
    features whose monthly mean moves most (macro series, ratios), the time-indexed ones the
    stationarity test is for.
    """
    if time_column is None:
        return None
    everything = monthly_table(frame[time_column], y, frame, numeric)
    drift = time_varying_share(frame[time_column], frame, numeric).drop(key_features, errors="ignore")
    features = [*key_features, *drift.index[:drifting]]
    monthly = everything[["rows", "rate", *features]]
    decomposition = decompose(monthly["rate"])
    tests = [stationarity(monthly["rate"], "target rate")]
    tests += [stationarity(monthly[f], f"mean {f}") for f in features]
    months = int((monthly["rows"] > 0).sum())
    note = (
        f"{months} months with data from {monthly.index.min():%Y-%m} to {monthly.index.max():%Y-%m}."
        if months
        else "no dated rows"
    )
    if decomposition is None:
        note += f" STL needs at least {MIN_MONTHS_FOR_STL} months of data, so the decomposition is skipped."
    return TimeResult(time_column, monthly, features, decomposition, pd.DataFrame(tests), note)


def time_varying_share(stamps: pd.Series, frame: pd.DataFrame, features: list[str]) -> pd.Series:
    """Share of each feature's variance explained by the month (eta squared), highest first."""
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    data = frame[features].apply(pd.to_numeric, errors="coerce")
    month = stamps.dt.to_period("M").to_numpy()
    grouped = data.groupby(month)
    between = (grouped.mean().sub(data.mean()) ** 2).mul(grouped.count()).sum()
    total = ((data - data.mean()) ** 2).sum()
    return (between / total.where(total > 0)).dropna().sort_values(ascending=False)


def decompose(series: pd.Series) -> Decomposition | None:
    """Robust STL with a 12-month season; short gaps are interpolated, long series only."""
    filled = series.interpolate(limit_direction="both")
    if filled.notna().sum() < MIN_MONTHS_FOR_STL or series.notna().sum() < MIN_MONTHS_FOR_STL:
        return None
    fit = STL(filled, period=12, robust=True).fit()
    resid = fit.resid
    return Decomposition(
        observed=filled,
        trend=fit.trend,
        seasonal=fit.seasonal,
        resid=resid,
        trend_strength=_strength(fit.trend + resid, resid),
        seasonal_strength=_strength(fit.seasonal + resid, resid),
        peak_month=int(fit.seasonal.groupby(fit.seasonal.index.month).mean().idxmax()),
    )


def stationarity(series: pd.Series, name: str) -> dict[str, object]:
    """Augmented Dickey-Fuller test (constant, AIC lag choice) with a plain-words verdict."""
    values = series.dropna()
    row: dict[str, object] = {"series": name, "months": len(values)}
    if len(values) < MIN_MONTHS_FOR_ADF or values.nunique() < 3:
        return {
            **row,
            "adf_statistic": np.nan,
            "p_value": np.nan,
            "lags": np.nan,
            "verdict": "too short to test",
        }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        statistic, p_value, lags, *_ = adfuller(values.to_numpy(), autolag="AIC")
    verdict = (
        "stationary (unit root rejected at 5%)"
        if p_value < ADF_ALPHA
        else "not shown stationary: use changes or detrend before relying on its level"
    )
    return {**row, "adf_statistic": statistic, "p_value": p_value, "lags": lags, "verdict": verdict}


def _strength(signal_plus_resid: pd.Series, resid: pd.Series) -> float:
    """Hyndman's strength: 1 - Var(resid) / Var(component + resid), floored at 0."""
    total = float(np.var(signal_plus_resid))
    return 0.0 if total == 0 else max(0.0, 1.0 - float(np.var(resid)) / total)
