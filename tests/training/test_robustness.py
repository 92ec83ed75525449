"""The robustness report: smallest borrower-controlled change that flips a flagged loan, decisions
that flip under small noise, monotone violations; and ``creditrisk report robustness`` end to end
through the real MLflow registry."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from synthetic_data import FAST_PARAMS, FEATURE_TYPES, artifact_for, monotone_context, synthetic_loans
from typer.testing import CliRunner

from creditrisk.cli import app
from creditrisk.settings import Settings
from training.artifact import CreditRiskModel
from training.calibration import Calibrator
from training.families import fit_family
from training.robustness import latest_rows, robustness_report


def _model(panel: pd.DataFrame, monotone: bool = True) -> CreditRiskModel:
    X, y = panel[list(FEATURE_TYPES)], panel["default_12m"].to_numpy()
    ctx = monotone_context(y)
    if not monotone:
        ctx.monotone = {}
    pipeline = fit_family("lgbm", X, y, FEATURE_TYPES, ctx, FAST_PARAMS["lgbm"])
    calibrator = Calibrator("sigmoid").fit(pipeline.predict_proba(X)[:, 1], y)
    threshold = float(np.quantile(calibrator.transform(pipeline.predict_proba(X)[:, 1]), 0.8))
    return artifact_for(pipeline, calibrator, X, "lgbm", threshold=threshold)


def test_the_smallest_flip_is_the_smallest_and_monotone_models_have_no_violations(
    panel: pd.DataFrame,
) -> None:
    model = _model(panel)
    report = robustness_report(model, panel, version="1", sample=150, draws=4, seed=0)
    assert report.rows == 150 and report.flagged > 5
    income, amount, both = report.levers
    assert income.features == ["orig_dti_pct"] and amount.features == ["orig_ltv_pct"]
    assert both.flippable >= max(income.flippable, amount.flippable)
    flagged = latest_rows(panel, "loan_id").sample(150, random_state=0).reset_index(drop=True)
    flagged = flagged[model.predict_proba(flagged) >= model.threshold].reset_index(drop=True)
    for lever in (income, amount):
        for i, reduction in enumerate(lever.reductions):
            if reduction is None:
                continue
            row = flagged.iloc[[i]]
            moved = row.assign(**{f: row[f] * (1 - reduction) for f in lever.features})
            assert model.predict_proba(moved)[0] < model.threshold
            if reduction > 0.01:
                short = row.assign(**{f: row[f] * (1 - reduction + 0.01) for f in lever.features})
                assert model.predict_proba(short)[0] >= model.threshold
    assert all(0 <= share <= 1 for share in report.noise.values())
    assert set(report.monotone_violations) == {
        "orig_credit_score",
        "orig_ltv_pct",
        "orig_dti_pct",
        "count_30dpd_12m",
    }
    assert all(share == 0 for share in report.monotone_violations.values())
    assert "orig_credit_score" in report.not_movable and "orig_dti_pct" not in report.not_movable
    assert "## Smallest change a borrower controls" in report.to_markdown()


def test_report_robustness_command_on_a_registered_model(
    settings: Settings, panel: pd.DataFrame, tmp_path: Path
) -> None:
    import mlflow

    from training.registry import configure_tracking, ensure_experiment, log_model, register_and_promote

    model = _model(panel)
    configure_tracking(settings)
    with mlflow.start_run(experiment_id=ensure_experiment("loan_default", settings)):
        info = log_model(model, panel[model.feature_names].head(50))
    y = panel["default_12m"].to_numpy()
    register_and_promote(info.model_uri, "loan_default", model, panel, y, lambda *_: 0.0)
    rows = tmp_path / "loans.parquet"
    synthetic_loans(n_loans=120, months=2, seed=5).to_parquet(rows)
    result = CliRunner().invoke(
        app, ["report", "robustness", "--model", "loan_default", "--dataset", str(rows), "--draws", "2"]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "Robustness of loan_default v1" in result.output
    written = json.loads((settings.reports_dir / "robustness_loan_default.json").read_text())
    assert written["rows"] == 120 and written["levers"][0]["lever"] == "stated income"
    assert (settings.reports_dir / "robustness_loan_default.png").stat().st_size > 10_000


@pytest.mark.parametrize("monotone", [False])
def test_an_unconstrained_model_can_show_violations_the_report_counts(
    panel: pd.DataFrame, monotone: bool
) -> None:
    report = robustness_report(_model(panel, monotone), panel, sample=100, draws=1, seed=0)
    assert set(report.monotone_violations) and all(0 <= v <= 1 for v in report.monotone_violations.values())
