"""Training benchmark: fit time per family on 100k rows (10k at small scale) and SHAP time per 1k rows.

Baselines, measured in the same run:
- fit time: logistic regression, the simplest family (ratio < 1 means the family is slower than it);
- SHAP time: ``shap.TreeExplainer`` on the same fitted XGBoost booster and rows, the usual way to
  explain a tree model, against this project's explanation through the served artefact (booster
  ``pred_contribs`` + grouping + calibration rescaling);
- one-row explanation latency (what serving pays per request) against ``predict_proba`` on the row.
- the FT-Transformer against XGBoost and LightGBM on loans, companies and a cross-sectional table
  (test AUC, fit and explanation time; :mod:`benchmarks.tabular_families`).

Every family runs one thread (as in training), so on an idle machine CPU time equals wall time; the
notes give CPU seconds too, which stay meaningful on a shared, loaded machine.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from benchmarks.harness import BenchContext, Measurement, peak_rss_mb, timed
from benchmarks.tabular_families import compare_tabular_families
from training.artifact import CreditRiskModel
from training.calibration import Calibrator
from training.families import FitContext, fit_family, voting_ensemble

FAMILIES = ("lr", "rf", "xgb", "lgbm", "ann")
FEATURE_TYPES = {
    "orig_credit_score": "float",
    "orig_ltv_pct": "float",
    "orig_dti_pct": "float",
    "orig_interest_rate_pct": "float",
    "current_upb_usd": "float",
    "loan_age_months": "int",
    "count_30dpd_12m": "int",
    "months_delinquent_12m": "int",
    "state_unemployment_rate_pct": "float",
    "hpi_change_since_origination_pct": "float",
    "channel": "str",
    "loan_purpose": "str",
    "property_state": "str",
}


def synthetic_frame(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Loan-like features with a nonlinear true risk, about 5% positives."""
    rng = np.random.default_rng(seed)
    states = np.array([f"S{i:02d}" for i in range(50)])
    frame = pd.DataFrame(
        {
            "orig_credit_score": np.where(
                rng.random(n) < 0.02, np.nan, rng.normal(730, 50, n).clip(500, 850)
            ),
            "orig_ltv_pct": rng.uniform(30, 100, n),
            "orig_dti_pct": np.where(rng.random(n) < 0.05, np.nan, rng.uniform(5, 55, n)),
            "orig_interest_rate_pct": rng.normal(4.5, 1.0, n),
            "current_upb_usd": rng.lognormal(12, 0.5, n),
            "loan_age_months": rng.integers(0, 120, n),
            "count_30dpd_12m": rng.poisson(0.3, n),
            "months_delinquent_12m": rng.poisson(0.2, n),
            "state_unemployment_rate_pct": rng.normal(5, 1.5, n),
            "hpi_change_since_origination_pct": rng.normal(10, 15, n),
            "channel": rng.choice(["R", "B", "C"], n),
            "loan_purpose": rng.choice(["P", "C", "N"], n),
            "property_state": rng.choice(states, n),
        }
    )
    credit = frame["orig_credit_score"].fillna(700)
    z = (
        -3.6
        - 0.012 * (credit - 730)
        + 0.002 * (frame["orig_ltv_pct"] - 70) ** 2 / 10
        + 0.025 * frame["orig_dti_pct"].fillna(40)
        + 0.7 * frame["count_30dpd_12m"]
        + 0.5 * np.tanh(frame["months_delinquent_12m"])
        + 0.15 * (frame["state_unemployment_rate_pct"] - 5)
        - 0.02 * frame["hpi_change_since_origination_pct"]
        - 1.2
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return frame, y


def run(ctx: BenchContext) -> list[Measurement]:
    n = 10_000 if ctx.scale == "small" else 100_000
    X, y = synthetic_frame(n, seed=ctx.settings.seed)
    fit_ctx = FitContext(int(y.sum()), int(len(y) - y.sum()), seed=ctx.settings.seed)
    stop = slice(int(n * 0.85), n)
    fitted: dict[str, object] = {}
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for family in FAMILIES:
        cpu_started = time.process_time()
        with timed() as elapsed:
            if family in ("xgb", "lgbm"):
                fitted[family] = fit_family(
                    family,
                    X.iloc[: stop.start],
                    y[: stop.start],
                    FEATURE_TYPES,
                    fit_ctx,
                    early_stopping=(X.iloc[stop], y[stop]),
                )
            else:
                fitted[family] = fit_family(family, X, y, FEATURE_TYPES, fit_ctx)
        seconds[family] = elapsed()
        cpu[family] = time.process_time() - cpu_started
    fitted["vote"] = voting_ensemble({k: fitted[k] for k in ("xgb", "lgbm", "ann")}, X, y)
    out = [
        Measurement(
            "training",
            f"{family} fit, {n:,} rows x {len(FEATURE_TYPES)} features",
            "fit_seconds",
            seconds[family],
            "s",
            baseline_name="logistic regression fit",
            baseline_value=seconds["lr"],
            notes=f"{cpu[family]:.1f} s CPU"
            + ("; up to 2000 rounds, early stopping" if family in ("xgb", "lgbm") else ""),
        )
        for family in FAMILIES
    ]
    out += _shap_measurements(fitted, X, y, n)
    out += compare_tabular_families(ctx)  # FT-Transformer vs the boosters on three tables
    out.append(Measurement("training", f"whole benchmark, {n:,} rows", "peak_rss", peak_rss_mb(), "MiB"))
    return out


def _artifact(estimator: object, X: pd.DataFrame, y: np.ndarray, family: str) -> CreditRiskModel:
    calibrator = Calibrator("sigmoid").fit(estimator.predict_proba(X.head(5000))[:, 1], y[:5000])
    return CreditRiskModel(
        model_name="bench",
        feature_service="bench",
        entity_key="loan_id",
        feature_names=list(FEATURE_TYPES),
        feature_types=FEATURE_TYPES,
        estimator=estimator,
        calibrator=calibrator,
        threshold=0.2,
        cost_ratio=5.0,
        background=X.head(200),
        family=family,
    )


def _shap_measurements(
    fitted: dict[str, object], X: pd.DataFrame, y: np.ndarray, n: int
) -> list[Measurement]:
    import shap

    rows = X.tail(1000)
    xgb_pipeline = fitted["xgb"]
    encoded = xgb_pipeline.named_steps["encode"].transform(rows)
    explainer = shap.TreeExplainer(xgb_pipeline.named_steps["model"])
    explainer.shap_values(encoded[:10])
    with timed() as elapsed:
        explainer.shap_values(encoded)
    baseline = elapsed()
    out = []
    sample_rows = {"rf": 200, "ann": 100, "vote": 100}
    for family, estimator in fitted.items():
        model = _artifact(estimator, X, y, family)
        part = rows.head(sample_rows.get(family, 1000))
        model.explain(part.head(2))  # build cached explainers once, as serving does
        with timed() as elapsed:
            model.explain(part)
        per_1k = elapsed() / len(part) * 1000
        out.append(
            Measurement(
                "training",
                f"{family} SHAP via the served artefact",
                "seconds_per_1k_rows",
                per_1k,
                "s",
                baseline_name="shap.TreeExplainer on the XGBoost booster, 1k rows",
                baseline_value=baseline,
                notes=f"measured on {len(part)} rows",
            )
        )
    for family in ("xgb", "lgbm"):
        model = _artifact(fitted[family], X, y, family)
        one = rows.head(1)
        model.explain(one)
        with timed() as elapsed:
            for _ in range(50):
                model.explain(one)
        explain_ms = elapsed() / 50 * 1000
        with timed() as elapsed:
            for _ in range(50):
                model.predict_proba(one)
        predict_ms = elapsed() / 50 * 1000
        out.append(
            Measurement(
                "training",
                f"{family} one-row explanation (serving path)",
                "latency_ms",
                explain_ms,
                "ms",
                baseline_name="predict_proba on the same row",
                baseline_value=predict_ms,
                target="< 5 ms",
            )
        )
    return out
