"""The serving tests' world: tiny marts in a real Feast online store (SQLite) and real LightGBM
models trained on their point-in-time training sets, registered in a real MLflow store.

A module of its own (not ``conftest``) so test files can import its names unambiguously.
"""

from __future__ import annotations

import shutil
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.features.schema import load_marts
from creditrisk.settings import Settings
from serving.model_holder import ModelHolder


def write_mart(marts: Path, mart: str, rows: list[dict]) -> None:
    """The Feast layer's test helper (``tests/features/feast_crafted.py``): marts per the dbt YAML."""
    features_tests = str(Path(__file__).resolve().parents[1] / "features")
    if features_tests not in sys.path:
        sys.path.insert(0, features_tests)
    from feast_crafted import write_mart as write

    write(marts, mart, rows)


N_LOANS = 60
N_COMPANIES = 30
STALE_LOAN = "F20Q1000999"  # last performance report older than the view's 75-day TTL


def _now_day() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").floor("D")


def loan_marts(marts: Path, rng: np.random.Generator) -> list[str]:
    now = _now_day()
    loans = [f"F20Q1{i:07d}" for i in range(N_LOANS)]
    credit = rng.normal(720, 50, N_LOANS).clip(500, 850)
    ltv = rng.uniform(40, 100, N_LOANS)
    states = rng.choice(["CA", "TX", "NY", "FL"], N_LOANS)
    origination = [
        {
            "loan_id": loan,
            "event_timestamp": pd.Timestamp("2020-01-01", tz="UTC"),
            "orig_credit_score": float(credit[i]),
            "orig_ltv_pct": float(ltv[i]),
            "property_state": str(states[i]),
            "channel": ["retail", "broker", "correspondent"][i % 3],
        }
        for i, loan in enumerate(loans)
    ]
    origination.append({**origination[0], "loan_id": STALE_LOAN})
    performance, labels = [], []
    for i, loan in enumerate(loans):
        for months_back in range(10, -1, -1):
            month = (now - pd.DateOffset(months=months_back + 1)).replace(day=1)
            event = month + pd.offsets.MonthEnd(0) + pd.Timedelta(days=15)
            if event > now - pd.Timedelta(days=1):
                continue
            dpd = int(rng.poisson(0.4))
            performance.append(
                {
                    "loan_id": loan,
                    "event_timestamp": event,
                    "reporting_month": month.date(),
                    "delinquency_status": dpd,
                    "loan_age_months": 60 + 10 - months_back,
                }
            )
            z = -2.0 - 0.02 * (credit[i] - 720) + 0.04 * (ltv[i] - 70) + 0.9 * dpd
            labels.append(
                {
                    "loan_id": loan,
                    "event_timestamp": event,
                    "observation_month": month.date(),
                    "default_12m": int(rng.random() < 1 / (1 + np.exp(-z))),
                }
            )
    old = now - pd.Timedelta(days=200)
    performance.append(
        {"loan_id": STALE_LOAN, "event_timestamp": old, "reporting_month": old.replace(day=1).date()}
    )
    write_mart(marts, "feat_loan_origination", origination)
    write_mart(marts, "feat_loan_monthly_performance", performance)
    write_mart(marts, "lbl_loan_default_12m", labels)
    return loans


def company_marts(marts: Path, rng: np.random.Generator) -> list[str]:
    now = _now_day()
    companies = [f"C{i:06d}" for i in range(1, N_COMPANIES + 1)]
    statements, labels = [], []
    for company in companies:
        leverage = rng.uniform(0.1, 0.9)
        for quarters_back in range(8, -1, -1):
            period_end = (now - pd.DateOffset(months=3 * quarters_back + 2)).replace(day=1) - pd.Timedelta(
                days=1
            )
            filing = period_end + pd.Timedelta(days=40)
            if filing > now - pd.Timedelta(days=1):
                continue
            debt = float(np.clip(leverage + rng.normal(0, 0.05), 0, 1.5))
            statements.append(
                {
                    "company_id": company,
                    "event_timestamp": filing,
                    "period_end_date": period_end.date(),
                    "debt_to_assets": debt,
                    "sector": ["tech", "retail", "energy"][zlib.crc32(company.encode()) % 3],
                }
            )
            labels.append(
                {
                    "company_id": company,
                    "event_timestamp": filing,
                    "period_end_date": period_end.date(),
                    "bankruptcy_12m": int(rng.random() < 0.05 + 0.4 * debt),
                }
            )
    write_mart(marts, "feat_company_financials", statements)
    write_mart(marts, "lbl_company_bankruptcy_12m", labels)
    return companies


def feature_types(features: list[str]) -> dict[str, str]:
    """Model input types from the dbt mart YAML (on-demand features are floats)."""
    declared = {c.name: c.data_type.upper() for cols in load_marts().values() for c in cols}
    kinds = {"DOUBLE": "float", "BIGINT": "int", "VARCHAR": "str"}
    return {name: kinds.get(declared.get(name, "DOUBLE"), "float") for name in features}


def train_and_register(
    settings: Settings, model: str, n_estimators: int = 30, alias: str | None = None
) -> int:
    """Train a small LightGBM on the model's point-in-time training set with the training
    layer's code and register it (champion when first); returns the new version."""
    import mlflow
    from mlflow import MlflowClient

    from creditrisk.features.training_sets import build_training_set
    from creditrisk.model_specs import get_model_spec
    from training.artifact import CreditRiskModel
    from training.calibration import Calibrator
    from training.families import FitContext, fit_family
    from training.registry import configure_tracking, ensure_experiment, log_model, register_and_promote

    spec = get_model_spec(model)
    built = build_training_set(model, settings=settings)
    frame = built.frame
    types = feature_types(built.feature_names)
    X, y = frame[built.feature_names], frame[spec.label_column].to_numpy()
    # Fit on entities of one half, calibrate on the other (calibrating on the fitted rows would
    # stretch an overfit tiny model's scores to 0 and 1).
    keys = frame[spec.entity_key].to_numpy()
    fit_rows = np.array([zlib.crc32(str(k).encode()) % 2 == 0 for k in keys])
    ctx = FitContext(int(y[fit_rows].sum()), int(fit_rows.sum() - y[fit_rows].sum()))
    params = {"n_estimators": n_estimators, "min_child_samples": 10, "learning_rate": 0.1}
    pipeline = fit_family("lgbm", X[fit_rows], y[fit_rows], types, ctx, params)
    calibrator = Calibrator("sigmoid").fit(pipeline.predict_proba(X[~fit_rows])[:, 1], y[~fit_rows])
    artifact = CreditRiskModel(
        model_name=model,
        feature_service=spec.feature_service,
        entity_key=spec.entity_key,
        feature_names=built.feature_names,
        feature_types=types,
        estimator=pipeline,
        calibrator=calibrator,
        threshold=float(np.quantile(calibrator.transform(pipeline.predict_proba(X)[:, 1]), 0.7)),
        cost_ratio=5.0,
        background=X.head(40),
        family="lgbm",
    )
    configure_tracking(settings)
    with mlflow.start_run(experiment_id=ensure_experiment(model, settings)):
        info = log_model(artifact, X)

    def cost(labels: np.ndarray, proba: np.ndarray, threshold: float) -> float:
        flagged = proba >= threshold
        return float((5 * ((labels == 1) & ~flagged) + ((labels == 0) & flagged)).mean())

    decision = register_and_promote(info.model_uri, model, artifact, X, y, cost)
    if alias:
        MlflowClient().set_registered_model_alias(model, alias, str(decision.version))
    return decision.version


@dataclass
class ServingWorld:
    settings: Settings
    loans: list[str]
    companies: list[str]
    api_key: str
    admin_key: str
    holder: ModelHolder


def copy_world(world: ServingWorld, root: Path, **updates: object) -> Settings:
    """Settings on a copy of the world's data dir (without its prediction log), for tests whose
    app writes (pushes, reloads, a log of its own) or runs in another process."""
    shutil.copytree(world.settings.data_root, root, ignore=shutil.ignore_patterns("prediction_log"))
    return world.settings.model_copy(update={"data_dir": root, **updates})
