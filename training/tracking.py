"""What a training run writes to MLflow: the run, its family and trial child runs, metrics and plots.

One run per ``train_model`` call in the model's experiment, holding the options, the split, the
training-set manifest, the comparison of families (table and ROC/PR plots, with the oracle's
share where there is one) and the git commit; one nested child run per family with its
parameters, holdout metrics and their interval bounds, calibration and cost plots and SHAP
summary; one nested run per tuning trial. Where runs are stored and how a model is registered is
:mod:`training.registry`.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from creditrisk.settings import Settings
from training import plots
from training.artifact import CreditRiskModel
from training.explain import mean_abs_importance
from training.labelled_data import LabelledData
from training.options import TrainOptions, monotone_on
from training.protocol import Protocol
from training.registry import configure_tracking, ensure_experiment
from training.results import TABLE_METRICS, FamilyResult
from training.sides import Sides

#: Rows explained for each family's SHAP summary (permutation SHAP for the network is the slow one).
#: The FT-Transformer gets few: each row costs thousands of forward passes through attention.
SHAP_ROWS = {"lr": 1000, "xgb": 1000, "lgbm": 1000, "rf": 300, "ann": 100, "ftt": 20, "vote": 100}


@contextmanager
def training_run(model: str, settings: Settings) -> Iterator[Any]:
    """The run of one ``train_model`` call, in the model's experiment (created on first use)."""
    configure_tracking(settings)
    experiment_id = ensure_experiment(model, settings)
    mlflow.set_experiment(experiment_id=experiment_id)  # nested family and trial runs land here too
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"train {model}") as run:
        yield run


@contextmanager
def family_run(family: str) -> Iterator[None]:
    """One family's nested child run, tagged with the family."""
    with mlflow.start_run(run_name=family, nested=True):
        mlflow.set_tag("family", family)
        yield


def log_run_context(
    data: LabelledData,
    options: TrainOptions,
    split_info: dict[str, Any],
    protocol: Protocol,
    settings: Settings,
) -> None:
    """The options, the split, the training set's manifest and types, the protocol, the commit."""
    mlflow.log_params(
        {
            "model": options.model,
            "families": ",".join(options.families),
            "calibration": options.calibration,
            "cost_ratio": options.cost.effective_ratio,
            "exposure_col": options.exposure_col,
            "outliers": options.outliers,
            "monotone": monotone_on(options),
            "booster_weighting": options.booster_weighting,
            "tune_trials": options.tune_trials,
            "tune_method": options.tune_method,
            "protocol": options.protocol,
            "cv_folds": options.folds_for("cv" if options.protocol == "cv" else "holdout"),
            "cv_repeats": options.cv_repeats,
            "seed": options.seed,
            "label": data.label,
            "entity_key": data.entity_key,
            "n_features": len(data.feature_names),
        }
    )
    mlflow.log_params({f"split_{k}": v for k, v in split_info.items()})
    mlflow.log_dict(data.manifest, "training_set_manifest.json")
    mlflow.log_dict(data.feature_types, "feature_types.json")
    commit = git_commit(settings.project_dir)
    if commit:
        mlflow.set_tag("git_commit", commit)
        mlflow.set_tag("mlflow.source.git.commit", commit)
    mlflow.log_dict(protocol.to_dict(), "protocol.json")


def git_commit(project_dir: Path) -> str | None:
    """The checkout's commit, or ``None`` outside a git work tree."""
    try:
        out = subprocess.run(
            ["git", "-C", str(project_dir), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def trial_logger(family: str) -> Callable[[int, dict[str, Any], list[float]], None]:
    """A tuning callback that logs each trial as a nested run with its fold AUCs."""

    def on_trial(number: int, params: dict[str, Any], scores: list[float]) -> None:
        with mlflow.start_run(run_name=f"{family} trial {number}", nested=True):
            mlflow.log_params({k: str(v) for k, v in params.items()})
            mlflow.log_metric("cv_auc", float(np.mean(scores)))
            for i, score in enumerate(scores):
                mlflow.log_metric("cv_auc_fold", score, step=i)

    return on_trial


def log_tuning(best_cv_auc: float) -> None:
    """The best trial's cross-validated AUC, on the family's run."""
    mlflow.log_metric("tuning_best_cv_auc", best_cv_auc)


def log_family(
    result: FamilyResult, model: CreditRiskModel, data: LabelledData, sides: Sides, options: TrainOptions
) -> None:
    """Params, metrics (with CI bounds), the family's plots and its SHAP summary.

    The SHAP summary also fills ``result.importance`` and ``result.shap_seconds_per_1k``.
    """
    mlflow.log_params({k: str(v)[:250] for k, v in result.params.items()})
    mlflow.log_metrics({k: float(v) for k, v in result.metrics.items()})
    mlflow.log_metrics(
        {
            "cv_expected_cost": result.cv_cost,
            "cv_roc_auc": result.cv_auc,
            "fit_seconds": result.fit_seconds,
            "cv_seconds": result.cv_seconds,
        }
    )
    for name, (low, high) in result.intervals.items():
        mlflow.log_metrics({f"{name}_ci_low": low, f"{name}_ci_high": high})
    y, proba = sides.y_holdout, result.holdout_proba
    assert proba is not None
    for file_name, fig in (
        ("calibration.png", plots.calibration_figure(y, proba)),
        ("cost_curve.png", plots.cost_figure(y, proba, options.cost, result.threshold)),
    ):
        mlflow.log_figure(fig, f"plots/{file_name}")
        plots.close(fig)
    _log_shap(result, model, data, sides, options)


def _log_shap(
    result: FamilyResult, model: CreditRiskModel, data: LabelledData, sides: Sides, options: TrainOptions
) -> None:
    n = min(SHAP_ROWS.get(result.family, 200), len(sides.holdout))
    rows = sides.holdout.sample(n=n, random_state=options.seed)[data.feature_names]
    started = time.perf_counter()
    explanation = model.explain(rows)
    seconds = time.perf_counter() - started
    result.shap_seconds_per_1k = seconds / n * 1000
    phi = explanation.contributions.to_numpy()
    importance = mean_abs_importance(phi, data.feature_names)
    result.importance = {k: float(v) for k, v in importance.items()}
    mlflow.log_metric("shap_seconds_per_1k_rows", result.shap_seconds_per_1k)
    mlflow.log_dict(result.importance, "shap/mean_abs_shap_log_odds.json")
    fig = plots.shap_summary_figure(phi, rows, f"SHAP ({result.family}, log-odds of calibrated PD)")
    mlflow.log_figure(fig, "plots/shap_summary.png")
    plots.close(fig)


def log_comparison(
    results: dict[str, FamilyResult],
    selected: str,
    sides: Sides,
    oracle_auc: float | None,
    truth: np.ndarray | None,
) -> None:
    """The comparison table of families (markdown and CSV), combined ROC/PR plots, the oracle ratio."""
    table = pd.DataFrame(
        {
            name: {k: r.metrics[k] for k in TABLE_METRICS}
            | {"cv_expected_cost": r.cv_cost, "cv_roc_auc": r.cv_auc, "fit_seconds": r.fit_seconds}
            | _oracle_columns(r, oracle_auc)
            for name, r in results.items()
        }
    ).T
    table["selected"] = table.index == selected
    mlflow.log_text(table.to_markdown() if _has_tabulate() else table.to_csv(), "comparison.md")
    mlflow.log_text(table.to_csv(), "comparison.csv")
    # The same table as an MLflow table artefact: the UI shows it as a sortable grid.
    mlflow.log_table(table.reset_index(names="family"), "comparison_table.json")
    curves = {name: (sides.y_holdout, r.holdout_proba) for name, r in results.items()}
    oracle = truth if truth is not None and not np.isnan(truth).any() else None
    for file_name, fig in (
        ("roc.png", plots.roc_figure(curves, oracle)),
        ("pr.png", plots.pr_figure(curves)),
    ):
        mlflow.log_figure(fig, f"plots/{file_name}")
        plots.close(fig)
    best = results[selected].metrics
    mlflow.log_metrics({f"selected_{k}": float(best[k]) for k in TABLE_METRICS})
    if oracle_auc:
        mlflow.log_metrics({"oracle_auc": oracle_auc} | _oracle_columns(results[selected], oracle_auc))


def tag_run(key: str, value: str) -> None:
    """A tag on the training run (its warnings, the selected family)."""
    mlflow.set_tag(key, value)


def _oracle_columns(result: FamilyResult, oracle_auc: float | None) -> dict[str, float]:
    if not oracle_auc:
        return {}
    low, high = result.intervals.get("auc_to_oracle", (np.nan, np.nan))
    return {
        "auc_to_oracle": result.metrics["roc_auc"] / oracle_auc,
        "auc_to_oracle_ci_low": low,
        "auc_to_oracle_ci_high": high,
    }


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True
