"""A small labelled panel with a known true probability, shaped like the Feast training sets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.artifact import CreditRiskModel
from training.families import FitContext, monotone_directions

LAG = pd.Timedelta(days=15)
STATES = [f"S{i:02d}" for i in range(20)]


def synthetic_loans(n_loans: int = 600, months: int = 12, seed: int = 0) -> pd.DataFrame:
    """Loans observed monthly: key, ``event_timestamp``, ``observation_month``, features, label, ``true_pd``.

    Risk rises with LTV, DTI, past delinquencies and a few states, and falls with the credit score,
    so the monotone options and the oracle AUC have something real to check.
    """
    rng = np.random.default_rng(seed)
    loan_ids = np.array([f"F18Q1{i:07d}" for i in range(n_loans)])
    credit = rng.normal(720, 50, n_loans).clip(500, 850)
    ltv = rng.uniform(40, 100, n_loans)
    channel = rng.choice(["R", "B", "C"], n_loans)
    state = rng.choice(STATES, n_loans)
    state_risk = {s: rng.normal(0, 0.4) for s in STATES}
    rows = []
    start = pd.Timestamp("2019-01-01")
    for m in range(months):
        month = start + pd.DateOffset(months=m)
        dti = rng.uniform(10, 50, n_loans)
        dpd = rng.poisson(0.3, n_loans)
        z = (
            -3.2
            - 0.012 * (credit - 720)
            + 0.03 * (ltv - 70)
            + 0.02 * (dti - 30)
            + 0.6 * dpd
            + np.array([state_risk[s] for s in state])
            + 0.2 * (channel == "B")
        )
        pd_true = 1 / (1 + np.exp(-z))
        frame = pd.DataFrame(
            {
                "loan_id": loan_ids,
                "event_timestamp": pd.Timestamp(month + pd.offsets.MonthEnd(0), tz="UTC") + LAG,
                "observation_month": month.date(),
                "orig_credit_score": np.where(rng.random(n_loans) < 0.03, np.nan, credit),
                "orig_ltv_pct": ltv,
                "orig_dti_pct": dti,
                "count_30dpd_12m": dpd.astype("int64"),
                "channel": channel,
                "property_state": state,
                "default_12m": (rng.random(n_loans) < pd_true).astype("int64"),
                "true_pd": pd_true,
            }
        )
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


FEATURE_TYPES = {
    "orig_credit_score": "float",
    "orig_ltv_pct": "float",
    "orig_dti_pct": "float",
    "count_30dpd_12m": "int",
    "channel": "str",
    "property_state": "str",
}


#: Few trees and epochs: these tests check machinery, not accuracy.
FAST_PARAMS = {
    "rf": {"n_estimators": 30},
    "xgb": {"n_estimators": 60},
    "lgbm": {"n_estimators": 60},
    "ann": {"max_epochs": 4, "hidden_sizes": (16,)},
}


def monotone_context(y: np.ndarray) -> FitContext:
    """A fit context with the credit-logic monotone constraints switched on."""
    return FitContext(
        int(y.sum()),
        int(len(y) - y.sum()),
        seed=0,
        monotone=monotone_directions(list(FEATURE_TYPES), FEATURE_TYPES),
    )


def artifact_for(
    estimator: object,
    calibrator: object,
    panel: pd.DataFrame,
    family: str,
    threshold: float = 0.2,
    background_rows: int = 60,
) -> CreditRiskModel:
    """A loan-default artifact around a fitted family, as the explanation and registry tests need it."""
    return CreditRiskModel(
        model_name="loan_default",
        feature_service="loan_default_v1",
        entity_key="loan_id",
        feature_names=list(FEATURE_TYPES),
        feature_types=FEATURE_TYPES,
        estimator=estimator,
        calibrator=calibrator,
        threshold=threshold,
        cost_ratio=5.0,
        background=panel.head(background_rows),
        family=family,
    )
