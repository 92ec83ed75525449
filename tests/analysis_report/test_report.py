"""The whole report: one self-contained file, every section, findings from the numbers, CLI, MLflow."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis import AnalysisOptions, ReportSummary, build_analysis_report, log_report_to_mlflow
from analysis.render import SECTION_TITLES
from analysis.synthetic import synthetic_credit_frame
from creditrisk.cli import app
from creditrisk.errors import ConfigurationError, DataError

runner = CliRunner()


def test_plotly_js_is_inlined_once_and_nothing_is_fetched(report_html: str) -> None:
    assert report_html.count("plotly.js v") == 1
    head, _, body = report_html.partition("</head>")
    assert "plotly.js v" in head and len(report_html) < 12_000_000
    assert not re.search(r"<script[^>]+src=", report_html)
    assert not re.search(r"<link[^>]+href=", report_html)
    assert "https://" not in body  # the browser test also checks that nothing is requested


def test_every_section_is_in_the_page(built_report: ReportSummary, report_html: str) -> None:
    assert built_report.sections == list(SECTION_TITLES)
    for key, title in SECTION_TITLES.items():
        assert f'<section id="{key}"' in report_html
        assert title in report_html
    for figure in (
        "fig-distributions",
        "fig-correlation",
        "fig-pca-scatter",
        "fig-tsne",
        "fig-stl",
        "fig-distance",
    ):
        assert f'id="{figure}"' in report_html


def test_findings_are_written_from_the_planted_structure(built_report: ReportSummary) -> None:
    text = "\n".join(built_report.findings)
    # collinear groups planted by the generator: feature_01 ~ credit_score, feature_04 ~ ltv_pct
    assert "credit_score / feature_01" in text or "feature_01 / credit_score" in text
    assert "VIF above 10" in text and built_report.suggested_drop
    assert "Missingness of dti_pct differs by class" in text
    assert "yearly seasonality" in text
    assert "unemployment_rate_pct" in text  # the drifting macro series fails the ADF test
    assert "drive the multivariate outliers" in text
    assert 0 < built_report.mahalanobis_outlier_share < 0.5


def test_the_input_frame_is_not_modified(credit_frame: pd.DataFrame, tmp_path: Path) -> None:
    frame = credit_frame.head(800).copy()
    before = frame.copy()
    build_analysis_report(
        frame, "default_12m", out_path=tmp_path / "r.html", options=_tiny(), time_column="observation_month"
    )
    pd.testing.assert_frame_equal(frame, before)


def test_frame_without_time_or_categoricals_still_reports(tmp_path: Path) -> None:
    frame = synthetic_credit_frame(600, 12, seed=3).drop(
        columns=["observation_month", "origination_date", "channel", "state"]
    )
    summary = build_analysis_report(frame, "default_12m", out_path=tmp_path / "r.html", options=_tiny())
    assert "time" not in summary.sections
    assert "No time column" in summary.findings[-1]


def test_bad_input_raises_data_errors(credit_frame: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"must end in \.html"):
        build_analysis_report(credit_frame, "default_12m", out_path=tmp_path / "r.txt")
    with pytest.raises(DataError, match="no rows"):
        build_analysis_report(credit_frame.head(0), "default_12m", out_path=tmp_path / "r.html")
    with pytest.raises(DataError, match="no numeric feature"):
        build_analysis_report(
            credit_frame[["loan_id", "default_12m"]], "default_12m", out_path=tmp_path / "r.html"
        )
    assert not (tmp_path / "r.html").exists()


def test_cli_writes_the_report_under_the_reports_dir(credit_frame: pd.DataFrame, data_dir: Path) -> None:
    dataset = data_dir.parent / "set.parquet"
    credit_frame.head(1_200).to_parquet(dataset)
    result = runner.invoke(
        app,
        ["report", "analysis", "--model", "loan_default", "--dataset", str(dataset), "--tsne-sample", "200"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    written = data_dir / "reports" / "analysis_loan_default.html"
    assert written.is_file() and "wrote" in result.output


def test_cli_reports_bad_input_in_one_line(data_dir: Path) -> None:
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "creditrisk"
    missing = subprocess.run(
        [
            str(exe),
            "report",
            "analysis",
            "--model",
            "loan_default",
            "--dataset",
            str(data_dir / "absent.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == DataError.exit_code
    assert "dataset not found" in missing.stderr and "Traceback" not in missing.stderr
    bad_model = runner.invoke(app, ["report", "analysis", "--model", "mortgage"])
    assert bad_model.exit_code != 0


def test_report_is_logged_to_the_active_mlflow_run(built_report: ReportSummary, settings) -> None:
    import mlflow

    from training.registry import configure_tracking, ensure_experiment

    settings.mlflow_dir.mkdir(parents=True, exist_ok=True)
    configure_tracking(settings)
    with pytest.raises(ConfigurationError, match="active MLflow run"):
        log_report_to_mlflow(built_report)
    # Artefacts under the test's data dir (a bare set_experiment would write ./mlruns in the checkout).
    experiment_id = ensure_experiment("report-test", settings)
    with mlflow.start_run(experiment_id=experiment_id) as run:
        log_report_to_mlflow(built_report)
    client = mlflow.MlflowClient()
    names = {a.path for a in client.list_artifacts(run.info.run_id, "analysis_report")}
    assert names == {"analysis_report/analysis_loan_default.html", "analysis_report/findings.md"}
    metrics = client.get_run(run.info.run_id).data.metrics
    assert metrics["report_rows"] == built_report.n_rows


def _tiny():
    return AnalysisOptions(mcd_sample=500, scatter_sample=300, tsne_sample=0)


def test_nullable_and_feast_style_dtypes_are_understood(tmp_path: Path) -> None:
    """Training sets from Feast carry DATE columns, nullable integers, booleans and Arrow strings."""
    from analysis.sources import normalise_timestamps

    frame = synthetic_credit_frame(900, 12, seed=5)
    frame["delinquent_months_12m"] = frame["delinquent_months_12m"].astype("Int64")
    frame.loc[:5, "delinquent_months_12m"] = pd.NA
    frame["ltv_pct"] = frame["ltv_pct"].astype("Float64")
    frame["is_first_time_buyer"] = pd.array(frame.index % 3 == 0, dtype="boolean")
    frame["state"] = frame["state"].astype("string[pyarrow]")
    frame["channel"] = frame["channel"].astype("category")
    frame["default_12m"] = frame["default_12m"].astype("Int64")
    frame["observation_month"] = frame["observation_month"].dt.date
    frame = normalise_timestamps(frame)
    summary = build_analysis_report(frame, "default_12m", out_path=tmp_path / "r.html", options=_tiny())
    assert summary.time_column == "observation_month" and "time" in summary.sections
    assert summary.n_features == 13  # 10 numeric + flag, 2 categorical


def test_thin_tail_with_a_different_rate_is_called_out_as_censoring(tmp_path: Path) -> None:
    """Like a label mart that keeps only early outcomes near the end of the data."""
    frame = synthetic_credit_frame(2_400, 12, months=36, seed=8)
    late = frame["observation_month"] >= pd.Timestamp("2020-07-01", tz="UTC")
    frame = frame[~late | (frame["default_12m"] == 1)]
    summary = build_analysis_report(frame, "default_12m", out_path=tmp_path / "r.html", options=_tiny())
    assert any("incomplete label horizons" in f and "2020-07 to 2020-12" in f for f in summary.findings)
    full = build_analysis_report(
        synthetic_credit_frame(1_200, 12, months=36, seed=8),
        "default_12m",
        out_path=tmp_path / "s.html",
        options=_tiny(),
    )
    assert not any("incomplete label horizons" in f for f in full.findings)


@pytest.mark.parametrize("shape", ["one continuous feature", "flags and counts only"])
def test_degenerate_feature_sets_still_report(shape: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    if shape == "one continuous feature":
        frame = pd.DataFrame({"x": rng.normal(size=400) + y, "y": y})
    else:
        frame = pd.DataFrame({"flag": rng.integers(0, 2, 400), "count": rng.integers(0, 3, 400), "y": y})
    options = AnalysisOptions(mcd_sample=300, scatter_sample=200, tsne_sample=100)
    summary = build_analysis_report(frame, "y", out_path=tmp_path / "r.html", options=options)
    assert summary.path.is_file()
    if shape == "flags and counts only":
        assert any("no Mahalanobis distance" in f for f in summary.findings)
