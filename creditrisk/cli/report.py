"""``creditrisk report analysis``: the data analysis report risk teams read before trusting a model."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from creditrisk.cli._app import app, console
from creditrisk.errors import ConfigurationError
from creditrisk.model_specs import MODELS
from creditrisk.settings import get_settings

report_app = typer.Typer(help="Reports for risk teams and auditors.", no_args_is_help=True)
app.add_typer(report_app, name="report")


#: The models' names as a CLI choice, from the one list of models.
Model = StrEnum("Model", {name: name for name in MODELS})


@report_app.command("analysis")
def analysis(
    model: Model | None = typer.Option(
        None,
        "--model",
        help="Which model's data: default label and title (optional with --dataset).",
    ),
    dataset: Path | None = typer.Option(
        None, "--dataset", help="Parquet or CSV file to analyse; default: the training set from Feast."
    ),
    label: str | None = typer.Option(
        None, "--label", help="Binary label column (default default_12m / bankruptcy_12m by model)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="HTML file to write (default $CREDITRISK_DATA_DIR/reports/analysis_<model>.html)."
    ),
    time_column: str | None = typer.Option(None, "--time-column", help="Time axis (detected when omitted)."),
    id_column: list[str] | None = typer.Option(
        None, "--id-column", help="Identifier column, repeatable (detected when omitted)."
    ),
    start: str | None = typer.Option(
        None, help="Training set: first observation month, YYYY-MM (default: all labelled observations)."
    ),
    end: str | None = typer.Option(None, help="Training set: last observation time, YYYY-MM or YYYY-MM-DD."),
    tsne_sample: int = typer.Option(1_500, help="Rows in the t-SNE sample (0 skips t-SNE)."),
    seed: int | None = typer.Option(None, help="Random seed for the samples (default CREDITRISK_SEED)."),
) -> None:
    """Write one self-contained HTML report: statistics, outliers, collinearity, PCA/t-SNE, time, findings."""
    from analysis import AnalysisOptions, build_analysis_report
    from analysis.sources import label_for, load_dataset, parse_month, training_set_frame

    settings = get_settings()
    if model is None and (dataset is None or label is None):
        raise ConfigurationError("pass --model, or --dataset PATH with --label COL for any labelled file")
    label = label or label_for(model.value if model else "")
    name = model.value if model else _slug(dataset.stem if dataset else "dataset")
    if dataset is not None:
        frame = load_dataset(dataset)
        source = str(dataset)
    else:
        assert model is not None
        window = (parse_month(start) if start else None, parse_month(end) if end else None)
        with console.status(f"building the {model.value} training set from Feast"):
            frame = training_set_frame(model.value, *window, settings)
        source = f"training set {model.value}"
    out_path = out or settings.reports_dir / f"analysis_{name}.html"
    options = AnalysisOptions(tsne_sample=tsne_sample, seed=settings.seed if seed is None else seed)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"analysing {len(frame):,} rows", total=None)
        summary = build_analysis_report(
            frame,
            label,
            model=name,
            time_column=time_column,
            id_columns=id_column or None,
            out_path=out_path,
            options=options,
            on_section=lambda name: bar.update(task, description=f"{name} ({len(frame):,} rows)"),
        )
    console.print(f"[green]wrote[/] {summary.path} from {source}")
    console.print(
        f"{summary.n_rows:,} rows, {summary.n_features} features, "
        f"{summary.label} rate {summary.positive_rate:.2%}; {len(summary.findings)} findings, "
        f"{sum(summary.seconds.values()):.1f}s"
    )
    for finding in summary.findings[:5]:
        console.print(f"  - {finding}")


def _slug(text: str) -> str:
    """A file-name-safe report name from a dataset's file name."""
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "dataset"


@report_app.command("robustness")
def robustness(
    model: Model = typer.Option(Model.loan_default, "--model", help="Registered model to probe."),
    alias: str | None = typer.Option(None, help="Registry alias (default CREDITRISK_MODEL_ALIAS)."),
    dataset: Path | None = typer.Option(
        None, "--dataset", help="Parquet or CSV file of feature rows; default: the training set from Feast."
    ),
    sample: int = typer.Option(300, help="Loans in the sample (latest row each)."),
    noise: float = typer.Option(0.02, help="Relative noise on each lever for the flip-share test."),
    draws: int = typer.Option(10, help="Noise draws per loan."),
    seed: int | None = typer.Option(None, help="Random seed (default CREDITRISK_SEED)."),
) -> None:
    """What a borrower can move: smallest income/loan-amount change that flips a flagged decision,
    decisions that flip under small noise, and credit-logic (monotone) violations."""
    import json

    from analysis.sources import load_dataset, training_set_frame
    from training.registry import load_model, model_version_for_alias
    from training.robustness import plot_reductions, robustness_report

    settings = get_settings()
    alias = alias or settings.model_alias
    artifact = load_model(model.value, alias, settings)
    version = str(model_version_for_alias(model.value, alias))
    if dataset is not None:
        frame = load_dataset(dataset)
    else:
        with console.status(f"building the {model.value} training set from Feast"):
            frame = training_set_frame(model.value, None, None, settings)
    with console.status(f"probing {model.value} v{version} on {min(sample, len(frame)):,} loans"):
        report = robustness_report(
            artifact, frame, version, sample, noise, draws, settings.seed if seed is None else seed
        )
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    stem = settings.reports_dir / f"robustness_{model.value}"
    stem.with_suffix(".md").write_text(report.to_markdown())
    stem.with_suffix(".json").write_text(json.dumps(report.to_dict(), indent=2))
    plot_reductions(report, stem.with_suffix(".png"))
    console.print(report.to_markdown(), markup=False, highlight=False)
    console.print(f"[green]wrote[/] {stem}.md, .json and .png")
