"""``creditrisk monitor drift`` and ``creditrisk retrain``: drift of the registered model, and the trigger."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from creditrisk.cli._app import app, console
from creditrisk.settings import get_settings

monitor_app = typer.Typer(help="Monitoring: drift and decay of the registered models.", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")

_WINDOW = typer.Option(
    "30d",
    help="How far back to look: 30d, 12h, 2w (log: back from now; marts: from "
    "the latest labelled observation).",
)
_SOURCE = typer.Option("log", help="log: the prediction log; marts: a point-in-time slice of the marts.")
_PSI_WARN = typer.Option(0.1, help="PSI at which a check is a warning.")
_PSI_ALERT = typer.Option(0.25, help="PSI at which a check is drift (and triggers a retrain).")
_AUC_DROP = typer.Option(
    0.05, help="Realised AUC this far below the holdout's is decay (triggers a retrain)."
)
_MIN_ROWS = typer.Option(50, help="Fewest current rows to measure drift on.")
_ALIAS = typer.Option("champion", help="Registry alias of the version to check.")


def _drift_options(
    window: str, source: str, psi_warn: float, psi_alert: float, auc_drop: float, min_rows: int, alias: str
):
    from monitoring.drift import DriftOptions, parse_window

    return DriftOptions(
        window=parse_window(window),
        source=source,
        alias=alias,
        psi_warn=psi_warn,
        psi_alert=psi_alert,
        auc_drop=auc_drop,
        min_rows=min_rows,
    )


@monitor_app.command("drift")
def drift(
    model: str = typer.Option("loan_default", help="loan_default or company_bankruptcy."),
    window: str = _WINDOW,
    source: str = _SOURCE,
    psi_warn: float = _PSI_WARN,
    psi_alert: float = _PSI_ALERT,
    auc_drop: float = _AUC_DROP,
    min_rows: int = _MIN_ROWS,
    alias: str = _ALIAS,
    fail_on_drift: bool = typer.Option(False, help="Exit 1 when the status is drift (for CI checks)."),
) -> None:
    """Compare recent traffic with the registered model's training set: PSI, KS, chi-square, AUC.

    Writes $CREDITRISK_DATA_DIR/reports/drift_<model>.html and .json; the API's /metrics serves
    the JSON's figures as gauges.
    """
    from monitoring.drift import drift_report
    from monitoring.report import write_drift_report

    settings = get_settings()
    options = _drift_options(window, source, psi_warn, psi_alert, auc_drop, min_rows, alias)
    with console.status(f"measuring drift of {model}@{alias} ({source}, {window})"):
        report = drift_report(model, settings, options)
        files = write_drift_report(report, settings.reports_dir)
    colour = {"stable": "green", "warning": "yellow", "drift": "red"}[report.status]
    console.print(
        f"{model} v{report.version}: [{colour}]{report.status}[/] - {report.current['rows']:,} "
        f"current rows against {report.reference['rows']:,} training rows; score PSI "
        f"{report.score.psi:.3f}, largest feature PSI {report.max_feature_psi:.3f}"
    )
    if report.performance is not None and report.performance.auc is not None:
        perf = report.performance
        console.print(
            f"realised AUC {perf.auc:.3f} on {perf.labelled:,} matured labels "
            f"(holdout {perf.promised_auc if perf.promised_auc is not None else float('nan'):.3f})"
        )
    for trigger in report.triggers[:10]:
        console.print(f"  drift: {trigger}")
    if len(report.triggers) > 10:
        console.print(f"  ... and {len(report.triggers) - 10} more (see the report)")
    console.print(f"report: {files.html}\njson:   {files.json}")
    if fail_on_drift and report.status == "drift":
        raise typer.Exit(1)


@app.command("retrain")
def retrain(
    model: str = typer.Option("loan_default", help="loan_default or company_bankruptcy."),
    if_drift: bool = typer.Option(
        False, "--if-drift", help="Train only when drift or decay crosses a threshold."
    ),
    families: str = typer.Option("", help="Comma-separated families (default: train's full set)."),
    window: str = _WINDOW,
    source: str = _SOURCE,
    psi_warn: float = _PSI_WARN,
    psi_alert: float = _PSI_ALERT,
    auc_drop: float = _AUC_DROP,
    min_rows: int = _MIN_ROWS,
    start: str | None = typer.Option(None, help="First observation date of the fresh training set."),
    end: str | None = typer.Option(None, help="Last observation date of the fresh training set."),
    bootstrap: int = typer.Option(200, help="Bootstrap resamples for the challenger's intervals."),
    min_holdout_events: int = typer.Option(30, help="As for `creditrisk train`."),
    seed: int | None = typer.Option(None, help="Random seed (default CREDITRISK_SEED)."),
    decision_json: Path | None = typer.Option(None, help="Also write the decision here as JSON."),
) -> None:
    """Train a challenger on a fresh point-in-time set (with --if-drift: only on drift), promote if it wins.

    Exit codes: 0 no drift (nothing trained), 10 retrained and the champion kept, 11 retrained and
    the challenger promoted; 1-5 are errors as for every command.
    """
    from monitoring.retrain import RetrainOptions
    from monitoring.retrain import retrain as run_retrain

    settings = get_settings()
    options = RetrainOptions(
        if_drift=if_drift,
        drift=_drift_options(window, source, psi_warn, psi_alert, auc_drop, min_rows, "champion"),
        families=tuple(f.strip() for f in families.split(",") if f.strip()) or None,
        start=start,
        end=end,
        seed=settings.seed if seed is None else seed,
        bootstrap=bootstrap,
        min_holdout_events=min_holdout_events,
    )
    decision = run_retrain(model, settings, options, log=console.print)
    summary = decision.summary()
    console.print(f"[bold]{decision.outcome.label}[/] ({decision.reason}); exit code {int(decision.outcome)}")
    console.print(f"decision recorded in MLflow run {decision.decision_run_id}")
    if decision_json:
        decision_json.parent.mkdir(parents=True, exist_ok=True)
        decision_json.write_text(json.dumps(summary, indent=2))
    raise typer.Exit(int(decision.outcome))
