"""``creditrisk train`` and ``creditrisk package``: fit, compare, register; seal a model into a bundle."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from rich.table import Table

from creditrisk.cli._app import app, console
from creditrisk.errors import DataError
from creditrisk.settings import get_settings
from training.options import TrainOptions

#: Every option's default comes from :class:`TrainOptions` (a light module), so it changes in one place.
_DEFAULTS = TrainOptions(model="")


@app.command("train")
def train(
    model: str = typer.Option(..., help="loan_default or company_bankruptcy (any name with --dataset)."),
    dataset: Path | None = typer.Option(None, help="Labelled Parquet/CSV instead of a Feast training set."),
    label: str | None = typer.Option(None, help="Label column (with --dataset; default: the model's label)."),
    id_col: str | None = typer.Option(None, help="Entity id column (detected when omitted)."),
    time_col: str | None = typer.Option(None, help="Observation-time column (detected when omitted)."),
    start: str | None = typer.Option(None, help="First observation date of the Feast training set."),
    end: str | None = typer.Option(None, help="Last observation date of the Feast training set."),
    families: str = typer.Option(
        ",".join(_DEFAULTS.families),
        help="Comma-separated families to train (ftt: FT-Transformer, on request).",
    ),
    tune: int = typer.Option(
        _DEFAULTS.tune_trials, help="Hyperparameter trials per family (0: strong defaults)."
    ),
    tune_method: str = typer.Option(_DEFAULTS.tune_method, help="optuna (TPE) or random."),
    tune_timeout: float | None = typer.Option(
        _DEFAULTS.tune_timeout, help="Seconds per family for the search."
    ),
    protocol: str = typer.Option(
        _DEFAULTS.protocol,
        help="Evaluation: auto (out-of-time holdout when there is a usable time column, else repeated "
        "cross-validation), holdout or cv.",
    ),
    cv: int | None = typer.Option(
        _DEFAULTS.cv_folds,
        help=f"Folds: cross-fitting (holdout protocol, default {_DEFAULTS.folds_for('holdout')}) or K of the "
        f"cv protocol (default {_DEFAULTS.folds_for('cv')}).",
    ),
    cv_repeats: int = typer.Option(
        _DEFAULTS.cv_repeats, help="Repetitions of the K-fold under the cv protocol."
    ),
    min_train_events: int = typer.Option(
        _DEFAULTS.min_train_events,
        help="auto: fall back to cross-validation when the out-of-time training side has fewer events.",
    ),
    calibration: str = typer.Option(_DEFAULTS.calibration, help="sigmoid, isotonic or none."),
    cost_ratio: float = typer.Option(
        _DEFAULTS.cost_ratio, help="Cost of a missed default over a false alarm."
    ),
    exposure_col: str | None = typer.Option(
        _DEFAULTS.exposure_col, help="Exposure (UPB) column for exposure-based cost."
    ),
    lgd: float | None = typer.Option(_DEFAULTS.lgd, help="Loss given default; FN cost = exposure x LGD."),
    outliers: str = typer.Option(
        _DEFAULTS.outliers, help="Drop training outliers: none, iqr, mahalanobis, ensemble."
    ),
    monotone: bool | None = typer.Option(
        _DEFAULTS.monotone,
        "--monotone/--no-monotone",
        help="Monotone constraints where the credit logic is known (default: on for loan_default).",
    ),
    booster_weighting: str = typer.Option(
        _DEFAULTS.booster_weighting, help="Booster scale_pos_weight: auto, none, sqrt, balanced."
    ),
    holdout_fraction: float = typer.Option(
        _DEFAULTS.holdout_fraction, help="Share of the latest observation times held out."
    ),
    min_holdout_events: int = typer.Option(
        _DEFAULTS.min_holdout_positive_entities,
        help=f"Lengthen the holdout (up to {_DEFAULTS.max_holdout_fraction:.0%} of times) until this many "
        "entities in it have an event.",
    ),
    bootstrap: int = typer.Option(_DEFAULTS.bootstrap, help="Bootstrap resamples for confidence intervals."),
    no_register: bool = typer.Option(
        not _DEFAULTS.register, "--no-register", help="Log the run but do not register."
    ),
    report_json: Path | None = typer.Option(None, help="Write holdout metrics of every family here."),
    seed: int | None = typer.Option(None, help="Random seed (default CREDITRISK_SEED)."),
) -> None:
    """Train and compare model families, then register the best in MLflow (champion if it wins)."""
    from creditrisk.model_specs import MODELS
    from training.labelled_data import load_dataset, load_training_set
    from training.results import write_report
    from training.train import train_model

    settings = get_settings()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", model):
        raise DataError(f"model name must be lower_snake_case, got {model!r}")
    if dataset is None and model not in MODELS:
        raise DataError(f"--model must be one of {', '.join(MODELS)} (or pass --dataset)")
    if dataset is not None:
        default_label = MODELS[model].label_column if model in MODELS else None
        if not (label or default_label):
            raise DataError("--label is required with --dataset for this model name")
        data = load_dataset(dataset, label or str(default_label), id_col, time_col)
    else:
        data = load_training_set(model, start, end, settings)
    options = TrainOptions(
        model=model,
        families=tuple(f.strip() for f in families.split(",") if f.strip()),
        tune_trials=tune,
        tune_method=tune_method,
        tune_timeout=tune_timeout,
        protocol=protocol,
        cv_folds=cv,
        cv_repeats=cv_repeats,
        min_train_events=min_train_events,
        calibration=calibration,
        cost_ratio=cost_ratio,
        exposure_col=exposure_col,
        lgd=lgd,
        outliers=outliers,
        monotone=monotone,
        booster_weighting=booster_weighting,
        holdout_fraction=holdout_fraction,
        min_holdout_positive_entities=min_holdout_events,
        bootstrap=bootstrap,
        register=not no_register,
        seed=settings.seed if seed is None else seed,
    )
    console.print(
        f"training [bold]{model}[/] on {len(data.frame):,} rows, {len(data.feature_names)} features "
        f"(label {data.label}, id {data.entity_key}, time {data.time_col or 'none: cross-sectional'})"
    )
    with console.status("training...") as status:

        def log(message: str) -> None:
            status.update(message)
            console.print(f"  {message}")

        report = train_model(data, options, settings, log)
    _print_comparison(report)
    for warning in report.warnings:
        console.print(f"[bold red]WARNING:[/] {warning}")
    if report_json:
        write_report(report, report_json)
        console.print(f"report: {report_json}")


def _print_comparison(report: object) -> None:
    from training.results import TrainingReport

    assert isinstance(report, TrainingReport)
    protocol = report.protocol
    if protocol is not None and protocol.name == "cv":
        where = f"{protocol.repeats}x {protocol.folds}-fold cross-validation (AUC, PR AUC: fold means)"
    else:
        where = "the out-of-time holdout"
    table = Table(title=f"{report.model_name}: families on {where}")
    columns = {
        "roc_auc": "AUC",
        "pr_auc": "PR AUC",
        "ks": "KS",
        "brier": "Brier",
        "recall": "recall",
        "threshold": "thresh",
        "expected_cost": "cost",
    }
    table.add_column("family", no_wrap=True)
    for header in [*columns.values(), "fit s"]:
        table.add_column(header, justify="right", no_wrap=True)
    for name, row in report.comparison().iterrows():
        marker = "*" if row["selected"] else ""
        table.add_row(f"{name}{marker}", *[f"{row[c]:.4f}" for c in columns], f"{row['fit_seconds']:.1f}")
    if report.oracle_auc is not None:
        table.caption = f"oracle AUC {report.oracle_auc:.4f}"
    table.caption = (table.caption or "") + " * = registered (lowest out-of-fold cost in the training period)"
    console.print(table)
    decision = report.promotion
    if decision is not None:
        champion = decision.current_champion
        console.print(
            f"registered [bold]{decision.name}[/] v{decision.version} (alias challenger); "
            f"champion is v{champion}: {decision.reason}"
        )
    from training.registry import tracking_uri

    uri = tracking_uri(get_settings())
    console.print(
        f"MLflow run {report.run_id}; UI: MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false "
        f".venv/bin/mlflow ui --workers 1 --backend-store-uri {uri}"
    )


@app.command("package")
def package(
    model: str = typer.Option(..., help="Registered model name."),
    alias: str = typer.Option("champion", help="Alias of the version to package."),
    out: Path = typer.Option(..., help="Bundle file to write."),
) -> None:
    """Seal a registered model into an encrypted, authenticated bundle (key from CREDITRISK_BUNDLE_KEY)."""
    from training.bundle import package_model

    manifest = package_model(model, alias, out, get_settings())
    console.print(
        f"packaged {manifest['model_name']} v{manifest['version']} (@{alias}) -> {manifest['path']} "
        f"({manifest['bytes']:,} bytes, {manifest['format']})"
    )
