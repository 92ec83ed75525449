"""The FT-Transformer against XGBoost and LightGBM on three tables (part of ``make bench BENCH=training``).

Tables:
- loans: the point-in-time training set of ``loan_default`` (generated loans, dbt, Feast), the
  demo's data set at full scale;
- companies: the ``company_bankruptcy`` training set from the same data dir;
- cross-sectional: one row per applicant, no time (``bench_training.synthetic_frame``: loan-like
  features, a nonlinear true risk, a 50-level categorical).

The panels are split in time (the latest 20% of observation times are the test rows), the
cross-sectional table at random. Training rows are capped (20k full, 8k small) so the
transformer's fit stays within minutes on a CPU. Each family stops early on 15% of its training
rows: the boosters on the latest 15% (``fit_family(..., early_stopping=...)``), the transformer on
its own stratified validation split. One thread per model, as in training.

Figures per table and family: test AUC (baseline: XGBoost's, ratio above 1 means better than
XGBoost), fit seconds and explanation seconds per 1k rows through the served artefact (baseline:
XGBoost's; above 1 means faster).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from benchmarks.harness import BenchContext, Measurement, timed
from creditrisk.settings import Settings
from training.artifact import CreditRiskModel
from training.calibration import Calibrator
from training.families import FitContext, fit_family

FAMILIES = ("xgb", "lgbm", "ftt")
#: Rows explained per family: the transformer's permutation SHAP costs seconds a row.
EXPLAIN_ROWS = {"xgb": 1000, "lgbm": 1000, "ftt": 10}


@dataclass
class Table:
    """One benchmark table, already split."""

    name: str
    train: pd.DataFrame
    y_train: np.ndarray
    test: pd.DataFrame
    y_test: np.ndarray
    feature_types: dict[str, str]

    @property
    def shape_note(self) -> str:
        train, test = f"{len(self.train):,}", f"{len(self.test):,}"
        return (
            f"{train} train rows ({int(self.y_train.sum())} positive), {test} test rows "
            f"({int(self.y_test.sum())} positive), {len(self.feature_types)} features"
        )


def compare_tabular_families(ctx: BenchContext) -> list[Measurement]:
    """AUC, fit time and explanation time of every family on every table."""
    cap = 8_000 if ctx.scale == "small" else 20_000
    out: list[Measurement] = []
    for table in tables(ctx, cap):
        out += _compare_on(table, seed=ctx.settings.seed)
    return out


def tables(ctx: BenchContext, cap: int) -> list[Table]:
    """The loans and companies training sets from a generated data dir, and a cross-sectional table."""
    from benchmarks.bench_training import FEATURE_TYPES, synthetic_frame
    from training.labelled_data import load_training_set

    settings = Settings(data_dir=_data_dir(ctx))
    found = []
    for model, name in (("loan_default", "loans"), ("company_bankruptcy", "companies")):
        data = load_training_set(model, None, None, settings)
        frame = data.frame.sort_values(data.time_col, kind="stable").reset_index(drop=True)
        cutoff = frame[data.time_col].quantile(0.8)
        train, test = frame[frame[data.time_col] <= cutoff], frame[frame[data.time_col] > cutoff]
        train = _cap(train, cap, ctx.settings.seed)
        features = data.feature_names
        found.append(
            Table(
                name,
                train[features].reset_index(drop=True),
                train[data.label].to_numpy(dtype=int),
                test[features].reset_index(drop=True),
                test[data.label].to_numpy(dtype=int),
                {f: data.feature_types[f] for f in features},
            )
        )
    n = int(cap / 0.8)
    X, y = synthetic_frame(n, seed=ctx.settings.seed + 1)
    split = int(n * 0.8)
    found.append(
        Table("cross-sectional", X.iloc[:split], y[:split], X.iloc[split:], y[split:], dict(FEATURE_TYPES))
    )
    return found


def _cap(frame: pd.DataFrame, cap: int, seed: int) -> pd.DataFrame:
    """At most ``cap`` rows, a random sample kept in time order."""
    if len(frame) <= cap:
        return frame
    return frame.sample(n=cap, random_state=seed).sort_index()


def _data_dir(ctx: BenchContext) -> Path:
    """The configured data dir when ``make demo`` filled it, else a scratch one built by the demo's
    own steps up to the training sets (generate, dbt, Feast)."""
    from creditrisk.pipeline import DemoOptions, demo_steps, run_steps

    settings = ctx.settings
    if (settings.marts_dir / "lbl_company_bankruptcy_12m.parquet").exists() and (
        settings.feast_dir / "registry.db"
    ).exists():
        return settings.data_root
    data_dir = ctx.scratch("data")
    if not (data_dir / ".bench_ready").exists():
        small = ctx.scale == "small"
        options = DemoOptions(loans=400, companies=1_000, months=36) if small else DemoOptions()
        steps = [s for s in demo_steps() if s.name in {"prepare", "generate", "dbt", "features", "dataset"}]
        run_steps(steps, Settings(data_dir=data_dir), options)
        (data_dir / ".bench_ready").write_text("ok")
    return data_dir


def _compare_on(table: Table, seed: int) -> list[Measurement]:
    y = table.y_train
    fit_ctx = FitContext(int(y.sum()), int(len(y) - y.sum()), seed=seed)
    stop = int(len(table.train) * 0.85)
    results: dict[str, dict[str, float]] = {}
    for family in FAMILIES:
        cpu_started = time.process_time()
        with timed() as elapsed:
            if family == "ftt":
                pipeline = fit_family(family, table.train, y, table.feature_types, fit_ctx)
            else:
                early = (table.train.iloc[stop:], y[stop:])
                pipeline = fit_family(
                    family,
                    table.train.iloc[:stop],
                    y[:stop],
                    table.feature_types,
                    fit_ctx,
                    early_stopping=early,
                )
        fit_seconds = elapsed()
        fit_cpu = time.process_time() - cpu_started
        proba = pipeline.predict_proba(table.test)[:, 1]
        results[family] = {
            "auc": float(roc_auc_score(table.y_test, proba)),
            "auc_se": auc_standard_error(float(roc_auc_score(table.y_test, proba)), table.y_test),
            "fit": fit_seconds,
            "fit_cpu": fit_cpu,
            "explain": _explain_seconds_per_1k(pipeline, table, family),
        }
    return _measurements(table, results)


def auc_standard_error(auc: float, y: np.ndarray) -> float:
    """Hanley and McNeil's (1982) standard error of an AUC: how far apart two families' test AUCs
    must be before the difference means anything (with 33 positives it is about 0.03)."""
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    variance = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2)) / (n_pos * n_neg)
    return float(np.sqrt(max(variance, 0.0)))


def _explain_seconds_per_1k(pipeline: object, table: Table, family: str) -> float:
    """Seconds per 1k rows of ``CreditRiskModel.explain`` (what serving and the SHAP summary call)."""
    calibrator = Calibrator("sigmoid").fit(pipeline.predict_proba(table.train)[:, 1], table.y_train)
    model = CreditRiskModel(
        model_name="bench",
        feature_service="bench",
        entity_key="id",
        feature_names=list(table.feature_types),
        feature_types=table.feature_types,
        estimator=pipeline,
        calibrator=calibrator,
        threshold=0.5,
        cost_ratio=5.0,
        background=table.train.head(200),
        family=family,
    )
    rows = table.test.head(EXPLAIN_ROWS[family])
    model.explain(rows.head(2))  # explainers built once, as serving does
    with timed() as elapsed:
        model.explain(rows)
    return elapsed() / len(rows) * 1000


def _measurements(table: Table, results: dict[str, dict[str, float]]) -> list[Measurement]:
    base = results["xgb"]
    out = []
    for family, r in results.items():
        case = f"{table.name}: {family}"
        out += [
            Measurement(
                "training",
                case,
                "test_auc",
                r["auc"],
                "",
                baseline_name="XGBoost test AUC",
                baseline_value=base["auc"],
                higher_is_better=True,
                notes=f"{table.shape_note}; AUC standard error {r['auc_se']:.3f} (Hanley-McNeil)",
            ),
            Measurement(
                "training",
                case,
                "fit_seconds",
                r["fit"],
                "s",
                baseline_name="XGBoost fit",
                baseline_value=base["fit"],
                notes=f"{r['fit_cpu']:.1f} s CPU",
            ),
            Measurement(
                "training",
                case,
                "explain_seconds_per_1k_rows",
                r["explain"],
                "s",
                baseline_name="XGBoost explanation",
                baseline_value=base["explain"],
                notes=f"measured on {EXPLAIN_ROWS[family]} rows",
            ),
        ]
    return out
