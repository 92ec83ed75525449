"""Drift on real logged traffic and the retraining trigger, against the real registry and MLflow.

Phase A of the world's traffic is the champion's own kind of rows (no shift); phase B has every
credit score 90 points lower (a changed credit-score mix). See ``monitoring_world``.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from monitoring_world import MonitoringWorld
from typer.testing import CliRunner

from creditrisk.cli import app
from creditrisk.errors import DataError
from monitoring.drift import DriftOptions, drift_report
from monitoring.report import write_drift_report
from monitoring.retrain import Outcome, RetrainOptions, retrain
from serving.main import create_app


def _window(start, end) -> DriftOptions:
    return DriftOptions(window=end - start + timedelta(milliseconds=1), end=end)


def _versions(world: MonitoringWorld) -> list[int]:
    from mlflow import MlflowClient

    from training.registry import configure_tracking

    configure_tracking(world.settings)
    return sorted(int(v.version) for v in MlflowClient().search_model_versions("name = 'loan_default'"))


def _decision_runs(world: MonitoringWorld) -> list:
    import mlflow

    from training.registry import configure_tracking

    configure_tracking(world.settings)
    runs = mlflow.search_runs(
        experiment_names=["loan_default"],
        filter_string="attributes.run_name = 'retrain decision'",
        output_format="list",
    )
    return sorted(runs, key=lambda r: r.info.start_time)


def test_no_shift_is_stable_and_nothing_is_retrained(world: MonitoringWorld) -> None:
    traffic = world.traffic
    options = _window(traffic.a_start, traffic.a_end)
    report = drift_report("loan_default", world.settings, options)
    assert report.current["rows"] == traffic.a_rows
    assert report.reference["description"].startswith("training set ")  # the run's own PIT set
    credit = next(f for f in report.features if f.name == "orig_credit_score")
    assert credit.status == "stable", credit
    assert report.triggers == [], report.triggers

    before = _versions(world)
    decision = retrain("loan_default", world.settings, RetrainOptions(if_drift=True, drift=options))
    assert decision.outcome is Outcome.NO_DRIFT and int(decision.outcome) == 0
    assert _versions(world) == before  # nothing trained or registered
    run = next(r for r in _decision_runs(world) if r.info.run_id == decision.decision_run_id)
    assert run.data.tags["creditrisk.retrain.outcome"] == "no_drift"


def test_changed_credit_score_mix_is_drift_and_triggers_a_retrain(world: MonitoringWorld) -> None:
    traffic = world.traffic
    options = _window(traffic.b_start, traffic.b_end)
    report = drift_report("loan_default", world.settings, options)
    assert report.current["rows"] == traffic.b_rows
    credit = next(f for f in report.features if f.name == "orig_credit_score")
    assert credit.status == "drift" and credit.psi > 0.25 and credit.ks_p_value < 1e-6
    assert report.score.status == "drift" and report.score.mean_current > report.score.mean_reference
    assert report.status == "drift" and any("orig_credit_score" in t for t in report.triggers)
    stable = [f.name for f in report.features if f.status == "stable"]
    assert "property_state" in stable and "orig_ltv_pct" in stable

    before = _versions(world)
    decision = retrain(
        "loan_default",
        world.settings,
        RetrainOptions(
            if_drift=True, drift=options, families=("lr",), bootstrap=0, min_holdout_events=5, seed=1
        ),
    )
    assert decision.outcome in (Outcome.RETRAINED_KEPT, Outcome.PROMOTED)
    assert _versions(world) == [*before, decision.version]
    run = next(r for r in _decision_runs(world) if r.info.run_id == decision.decision_run_id)
    tags = run.data.tags
    assert tags["creditrisk.retrain.outcome"] == decision.outcome.name.lower()
    assert tags["creditrisk.retrain.training_run_id"] == decision.training_run_id
    assert "orig_credit_score" in tags["creditrisk.retrain.triggers"]
    assert run.data.metrics["score_psi"] == pytest.approx(report.score.psi, rel=1e-6)
    assert int(run.data.params["new_version"]) == decision.version

    from mlflow import MlflowClient

    client = MlflowClient()
    champion = int(client.get_model_version_by_alias("loan_default", "champion").version)
    assert champion == (
        decision.version if decision.outcome is Outcome.PROMOTED else decision.champion_version
    )
    tagged = client.get_model_version("loan_default", str(decision.version)).tags
    assert "orig_credit_score" in tagged["retrain_trigger"]


def test_cli_reports_drift_and_writes_html_and_json(world_env: MonitoringWorld) -> None:
    result = CliRunner().invoke(app, ["monitor", "drift", "--model", "loan_default", "--window", "1d"])
    assert result.exit_code == 0, result.output
    assert "drift" in result.output and "orig_credit_score" in result.output
    reports = world_env.settings.reports_dir
    data = json.loads((reports / "drift_loan_default.json").read_text())
    traffic = world_env.traffic
    assert data["status"] == "drift"
    assert data["current"]["rows"] == traffic.id_rows + traffic.a_rows + traffic.b_rows
    page = (reports / "drift_loan_default.html").read_text()
    assert page.count('class="plotly-graph-div"') >= 3 and "orig_credit_score" in page

    failing = CliRunner().invoke(app, ["monitor", "drift", "--window", "1d", "--fail-on-drift"])
    assert failing.exit_code == 1


def test_cli_errors_are_one_line(world_env: MonitoringWorld) -> None:
    with pytest.raises(DataError, match="--window must look like"):
        CliRunner().invoke(app, ["monitor", "drift", "--window", "soon"], catch_exceptions=False)
    with pytest.raises(DataError, match="need at least"):
        CliRunner().invoke(
            app, ["monitor", "drift", "--window", "1d", "--min-rows", "100000"], catch_exceptions=False
        )


def test_drift_gauges_on_the_api_metrics(world: MonitoringWorld) -> None:
    report = drift_report("loan_default", world.settings, _window(world.traffic.b_start, world.traffic.b_end))
    write_drift_report(report, world.settings.reports_dir)
    with TestClient(create_app(world.settings)) as client:
        text = client.get("/metrics").text
    assert 'creditrisk_drift_status{model="loan_default"} 2.0' in text
    assert 'creditrisk_drift_feature_psi{feature="orig_credit_score",model="loan_default"}' in text
    assert f'creditrisk_drift_current_rows{{model="loan_default"}} {float(world.traffic.b_rows)}' in text


def test_marts_slice_measures_realised_performance_on_matured_labels(world: MonitoringWorld) -> None:
    options = DriftOptions(source="marts", window=timedelta(days=120))
    report = drift_report("loan_default", world.settings, options)
    assert report.current["source"] == "marts" and report.current["rows"] > 500
    perf = report.performance
    assert perf is not None and perf.labelled == report.current["rows"]
    assert perf.auc is not None and 0.5 < perf.auc <= 1.0
    assert perf.promised_auc is not None  # the holdout AUC the artefact carries
    assert len(perf.calibration) == 10 and 0 <= perf.ece < 1
    assert perf.status in ("stable", "drift")


def test_cli_retrain_exit_code_zero_when_nothing_crosses_the_thresholds(world_env: MonitoringWorld) -> None:
    before = _versions(world_env)
    args = ["retrain", "--if-drift", "--window", "1d", "--psi-warn", "50", "--psi-alert", "100"]
    result = CliRunner().invoke(app, [*args, "--auc-drop", "1"])
    assert result.exit_code == 0, result.output
    assert "no drift" in result.output and "decision recorded in MLflow run" in result.output
    assert _versions(world_env) == before
