"""Credit-like synthetic data for the report's tests and benchmark (not a model of real loans).

It has what the report must find: a time axis with a trend and yearly seasonality in the
default rate, drifting macro features, informative missingness, planted outliers and
collinear groups, so every section and finding is exercised on data of any size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BASE_FEATURES = 12
STATES = ["CA", "TX", "FL", "NY", "IL", "PA", "OH", "GA", "NC", "MI"]


def synthetic_credit_frame(
    rows: int, features: int = 20, *, months: int = 48, seed: int = 42
) -> pd.DataFrame:
    """``rows`` loans x ``features`` feature columns plus ``loan_id``, dates and ``default_12m``."""
    if features < BASE_FEATURES:
        raise ValueError(f"features must be at least {BASE_FEATURES}")
    rng = np.random.default_rng(seed)
    month_index = rng.integers(0, months, rows)
    start = pd.Timestamp("2018-01-01", tz="UTC")
    observation = pd.DatetimeIndex([start + pd.DateOffset(months=int(m)) for m in range(months)])[month_index]
    age = rng.integers(1, 60, rows)
    calendar_month = observation.month.to_numpy()

    credit_score = np.clip(rng.normal(735, 50, rows), 300, 850)
    ltv = np.clip(rng.beta(6, 2.5, rows) * 110, 5, 105)
    dti = np.clip(rng.gamma(6, 6, rows), 1, 65)
    original_upb = np.exp(rng.normal(12.3, 0.45, rows))
    current_upb = original_upb * (1 - age / 400) * rng.uniform(0.97, 1.0, rows)
    interest_rate = 7.5 - (credit_score - 735) / 90 + rng.normal(0, 0.5, rows)
    delinquent_months = rng.poisson(0.15, rows)
    unemployment = (
        5 + 0.03 * month_index + 0.4 * np.sin(2 * np.pi * calendar_month / 12) + rng.normal(0, 0.2, rows)
    )
    hpi_change = 6 - 0.08 * month_index + rng.normal(0, 1.0, rows)

    logit = (
        -3.4
        - (credit_score - 735) / 35
        + (ltv - 75) / 18
        + (dti - 36) / 25
        + 0.9 * delinquent_months
        + 0.25 * (unemployment - 5)
        + 0.5 * np.sin(2 * np.pi * (calendar_month - 3) / 12)
    )
    default = rng.random(rows) < 1 / (1 + np.exp(-logit))

    dti = np.where(rng.random(rows) < np.where(default, 0.25, 0.06), np.nan, dti)  # missing more for bad
    planted = rng.random(rows) < np.where(default, 0.02, 0.004)
    original_upb = np.where(planted, original_upb * rng.uniform(6, 12, rows), original_upb)
    interest_rate = np.where(planted, interest_rate + rng.uniform(4, 8, rows), interest_rate)

    frame = pd.DataFrame(
        {
            "loan_id": [f"L{i:08d}" for i in range(rows)],
            "observation_month": observation,
            "origination_date": observation - pd.to_timedelta(age * 30, unit="D"),
            "credit_score": credit_score.round(),
            "ltv_pct": ltv,
            "dti_pct": dti,
            "original_upb_usd": original_upb,
            "current_upb_usd": current_upb,
            "interest_rate_pct": interest_rate,
            "loan_age_months": age,
            "delinquent_months_12m": delinquent_months,
            "unemployment_rate_pct": unemployment,
            "hpi_change_12m_pct": hpi_change,
            "channel": rng.choice(["retail", "broker", "correspondent"], rows, p=[0.6, 0.25, 0.15]),
            "state": rng.choice(STATES, rows),
        }
    )
    extra = _extra_features(frame, features - BASE_FEATURES, rng)
    frame = pd.concat([frame, extra], axis=1)
    frame["default_12m"] = default.astype("int64")
    return frame


def _extra_features(frame: pd.DataFrame, count: int, rng: np.random.Generator) -> pd.DataFrame:
    """Noise, skewed amounts and near-copies of base features (the collinear groups)."""
    sources = ["credit_score", "ltv_pct", "interest_rate_pct", "unemployment_rate_pct"]
    columns: dict[str, np.ndarray] = {}
    for i in range(count):
        kind = i % 3
        if kind == 0:
            base = frame[sources[(i // 3) % len(sources)]].to_numpy()
            values = base * rng.uniform(0.5, 2) + rng.normal(0, base.std() * 0.15, len(frame))
        elif kind == 1:
            values = rng.lognormal(0, 1, len(frame))
        else:
            values = rng.normal(0, 1, len(frame))
        columns[f"feature_{i + 1:02d}"] = values
    return pd.DataFrame(columns, index=frame.index)
