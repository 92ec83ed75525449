"""The demo's ``train`` step: train both models on their Feast training sets and register them."""

from __future__ import annotations

from collections.abc import Callable

from creditrisk.demo_contract import DemoOptions, StepResult
from creditrisk.errors import DataError
from creditrisk.model_specs import MODELS
from creditrisk.settings import Settings
from training.labelled_data import load_training_set
from training.options import TrainOptions
from training.registry import tracking_uri
from training.results import write_report
from training.train import train_model


def train_step(
    settings: Settings,
    options: DemoOptions,
    on_trained: Callable[[Settings, str, str], None] | None = None,
) -> StepResult:
    """Every family for both models with the default settings; the best of each becomes champion."""
    outputs: dict[str, object] = {}
    facts: dict[str, str] = {}
    for model in MODELS:
        data = load_training_set(model, None, None, settings)
        try:
            report = train_model(data, TrainOptions(model=model, seed=options.seed), settings)
        except DataError as exc:
            # A tiny demo can have too few events (a handful of bankruptcies) to split and score.
            facts[model] = f"not trained: {exc}"
            continue
        report_path = settings.reports_dir / f"train_{model}.json"
        write_report(report, report_path)
        if on_trained is not None:
            on_trained(settings, model, report.run_id)
        outputs[f"{model} report"] = report_path
        selected = report.results[report.selected]
        best = selected.metrics
        oracle = ""
        if report.oracle_auc:
            oracle = f", {best['roc_auc'] / report.oracle_auc:.1%} of oracle AUC"
            if "auc_to_oracle" in selected.intervals:
                low, high = selected.intervals["auc_to_oracle"]
                oracle += f" (95% CI {low:.1%}-{high:.1%})"
        promotion = report.promotion
        version = (
            f" v{promotion.version} ({'champion' if promotion.promoted else 'challenger'})"
            if promotion
            else ""
        )
        facts[model] = (
            f"{report.selected}{version}: holdout AUC {best['roc_auc']:.3f}{oracle}, "
            f"expected cost {best['expected_cost']:.3f} at threshold {best['threshold']:.3f}"
        )
    outputs["mlflow"] = tracking_uri(settings)
    return StepResult(
        outputs={k: str(v) for k, v in outputs.items()},
        facts=facts,
        hints=[
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false .venv/bin/mlflow ui --workers 1 "
            f"--backend-store-uri {tracking_uri(settings)}   # runs, comparison table, plots, registry",
            "creditrisk train --model loan_default --families xgb,lgbm --tune 20   # compare, tune",
        ],
    )
