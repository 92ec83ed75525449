"""Log a written report to MLflow, for training runs that want it beside the model.

Training owns the run; this only adds to the active one, so the report lands with the model it
describes. Imported lazily so the report works without MLflow configured.
"""

from __future__ import annotations

from pathlib import Path

from analysis.api import ReportSummary
from creditrisk.errors import ConfigurationError, DataError

ARTIFACT_PATH = "analysis_report"


def log_report_to_mlflow(report: ReportSummary | Path, artifact_path: str = ARTIFACT_PATH) -> None:
    """Attach the HTML (and, given a summary, its findings and headline metrics) to the active run."""
    import mlflow

    path = report.path if isinstance(report, ReportSummary) else Path(report)
    if not path.is_file():
        raise DataError(f"report not found: {path}")
    if mlflow.active_run() is None:
        raise ConfigurationError(
            "log_report_to_mlflow needs an active MLflow run (call inside mlflow.start_run())"
        )
    mlflow.log_artifact(str(path), artifact_path=artifact_path)
    if isinstance(report, ReportSummary):
        mlflow.log_metrics(report.metrics())
        mlflow.log_text("\n".join(f"- {f}" for f in report.findings) + "\n", f"{artifact_path}/findings.md")
