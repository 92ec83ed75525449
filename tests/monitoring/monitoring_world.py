"""The monitoring tests' world: loan marts in a real Feast store, a champion trained by the real
``train_model`` (logistic regression, so it takes seconds), and real scoring traffic through the
API into the real prediction log, in two phases:

- first, every loan scored by id from the online store (today's portfolio, for the dashboard);
- phase A: rows of the champion's own training set, sent to ``/v1/loans/score-features`` (no shift);
- phase B: the same kind of rows with a changed credit-score mix (every score 90 points lower),
  three times as many (a shifted portfolio).

Marts are written with the Feast layer's test helper (as the serving tests do) instead of the
generator and dbt, which take about a minute even for a few hundred loans on 2 cores.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.settings import Settings

N_LOANS = 240
STATES = ["CA", "TX", "NY", "FL", "IL"]
CHANNELS = ["retail", "broker", "correspondent"]
SHIFT_POINTS = 90.0


def write_mart(marts: Path, mart: str, rows: list[dict]) -> None:
    features_tests = str(Path(__file__).resolve().parents[1] / "features")
    if features_tests not in sys.path:
        sys.path.insert(0, features_tests)
    from feast_crafted import write_mart as write

    write(marts, mart, rows)


def loan_ids(n: int) -> list[str]:
    """Freddie Mac-style ids over five vintages (F19Q1 ... F23Q1), so the vintage segment has values."""
    return [f"F{19 + i % 5}Q{1 + i % 4}{i:07d}" for i in range(n)]


def write_loan_marts(marts: Path, seed: int = 3) -> list[str]:
    rng = np.random.default_rng(seed)
    now = pd.Timestamp.now(tz="UTC").floor("D")
    loans = loan_ids(N_LOANS)
    credit = rng.normal(730, 45, N_LOANS).clip(560, 840)
    ltv = rng.uniform(40, 100, N_LOANS)
    origination = [
        {
            "loan_id": loan,
            "event_timestamp": pd.Timestamp("2019-01-01", tz="UTC"),
            "orig_credit_score": float(credit[i]),
            "orig_ltv_pct": float(ltv[i]),
            "property_state": STATES[i % len(STATES)],
            "channel": CHANNELS[i % len(CHANNELS)],
        }
        for i, loan in enumerate(loans)
    ]
    performance, labels = [], []
    for i, loan in enumerate(loans):
        for months_back in range(12, -1, -1):
            month = (now - pd.DateOffset(months=months_back + 1)).replace(day=1)
            event = month + pd.offsets.MonthEnd(0) + pd.Timedelta(days=15)
            if event > now - pd.Timedelta(days=1):
                continue
            dpd = int(rng.poisson(0.3))
            performance.append(
                {
                    "loan_id": loan,
                    "event_timestamp": event,
                    "reporting_month": month.date(),
                    "delinquency_status": dpd,
                    "loan_age_months": 48 + 12 - months_back,
                }
            )
            z = -2.3 - 0.025 * (credit[i] - 730) + 0.03 * (ltv[i] - 70) + 0.8 * dpd
            labels.append(
                {
                    "loan_id": loan,
                    "event_timestamp": event,
                    "observation_month": month.date(),
                    "default_12m": int(rng.random() < 1 / (1 + np.exp(-z))),
                }
            )
    write_mart(marts, "feat_loan_origination", origination)
    write_mart(marts, "feat_loan_monthly_performance", performance)
    write_mart(marts, "lbl_loan_default_12m", labels)
    return loans


def train_champion(settings: Settings) -> int:
    """The real training path on the Feast training set: lr only, no bootstrap (seconds)."""
    from training.labelled_data import load_training_set
    from training.options import TrainOptions
    from training.train import train_model

    data = load_training_set("loan_default", None, None, settings)
    options = TrainOptions(
        model="loan_default", families=("lr",), bootstrap=0, min_holdout_positive_entities=5, seed=1
    )
    report = train_model(data, options, settings)
    assert report.promotion is not None and report.promotion.promoted
    return report.promotion.version


@dataclass
class MonitoringWorld:
    settings: Settings
    root: Path
    loans: list[str]
    api_key: str
    champion: int
    traffic: Traffic


@dataclass
class Traffic:
    a_start: datetime
    a_end: datetime
    b_start: datetime
    b_end: datetime
    a_rows: int
    b_rows: int
    id_rows: int


def _rows(frame: pd.DataFrame, features: list[str], ids: pd.Series) -> list[dict]:
    out = []
    for entity, values in zip(ids, frame[features].to_dict("records"), strict=True):
        clean = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in values.items()}
        out.append({"id": str(entity), "features": clean})
    return out


def send_traffic(client, api_key: str, settings: Settings, rng_seed: int = 5) -> Traffic:
    """Phase A (no shift) then phase B (credit scores 90 points lower); see the module docstring."""
    from creditrisk.features.training_sets import build_training_set

    built = build_training_set("loan_default", settings=settings)
    frame, features = built.frame, built.feature_names
    rng = np.random.default_rng(rng_seed)
    headers = {"X-API-Key": api_key}

    def post(rows: list[dict]) -> None:
        for start in range(0, len(rows), 200):
            response = client.post(
                "/v1/loan_default/score-features", json={"rows": rows[start : start + 200]}, headers=headers
            )
            assert response.status_code == 200, response.text

    ids = sorted(frame["loan_id"].unique())
    for start in range(0, len(ids), 100):  # today's portfolio from the online store (older loans)
        response = client.post(
            "/v1/loans/score", json={"loan_ids": ids[start : start + 100]}, headers=headers
        )
        assert response.status_code == 200, response.text
    time.sleep(0.05)
    a_start = datetime.now(UTC)
    sample = frame.sample(n=300, random_state=rng_seed)
    post(_rows(sample, features, sample["loan_id"]))
    a_end = datetime.now(UTC)
    time.sleep(0.05)
    b_start = datetime.now(UTC)
    shifted = frame.sample(n=900, replace=True, random_state=int(rng.integers(1 << 30))).copy()
    shifted["orig_credit_score"] = shifted["orig_credit_score"] - SHIFT_POINTS
    post(_rows(shifted, features, shifted["loan_id"]))
    b_end = datetime.now(UTC)
    return Traffic(a_start, a_end, b_start, b_end, 300, len(shifted), len(ids))
