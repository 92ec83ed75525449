"""`train --dataset` on CSV and Parquet, `--report-json`, `package`, and tampered bundles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from synthetic_data import synthetic_loans
from typer.testing import CliRunner

from creditrisk.cli import app
from creditrisk.errors import ConfigurationError, DataError
from creditrisk.settings import Settings
from training.bundle import BundleError, load_bundle, open_bundle

runner = CliRunner()
METRICS = (
    "roc_auc",
    "pr_auc",
    "f1",
    "recall",
    "precision",
    "ks",
    "brier",
    "ece",
    "recall_at_5pct_fpr",
    "recall_at_10pct_fpr",
    "cost_optimal_threshold",
    "expected_cost",
    "oracle_auc",
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """A data dir with generator truth, the dataset as CSV and Parquet, and one training run done."""
    root = tmp_path_factory.mktemp("train_cli")
    data_dir = root / "data"
    frame = synthetic_loans(n_loans=400, months=8, seed=21)
    truth_dir = data_dir / "raw" / "_truth"
    truth_dir.mkdir(parents=True)
    truth = frame[["loan_id", "observation_month", "true_pd"]].rename(
        columns={"observation_month": "reporting_month", "true_pd": "true_pd_12m"}
    )
    truth.to_parquet(truth_dir / "loan_month_truth.parquet")
    dataset = frame.drop(columns=["true_pd", "observation_month"])
    dataset.to_csv(root / "loans.csv", index=False)
    dataset.to_parquet(root / "loans.parquet")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CREDITRISK_DATA_DIR", str(data_dir))
        mp.setenv("CREDITRISK_BUNDLE_KEY", "correct horse battery staple")
        result = runner.invoke(app, [*_train_args(root / "loans.csv"), "--report-json", str(root / "r.json")])
        assert result.exit_code == 0, result.output + repr(result.exception)
        yield {"root": root, "data_dir": data_dir, "report": root / "r.json", "first_output": result.output}


def _train_args(dataset: Path) -> list[str]:
    return [
        "train",
        "--model",
        "loan_default",
        "--dataset",
        str(dataset),
        "--families",
        "lr,lgbm,vote",
        "--bootstrap",
        "20",
    ]


@pytest.fixture
def env(workspace: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(workspace["data_dir"]))
    monkeypatch.setenv("CREDITRISK_BUNDLE_KEY", "correct horse battery staple")
    return workspace


def test_report_json_has_every_family_and_the_registered_model(env: dict[str, Path]) -> None:
    report = json.loads(env["report"].read_text())
    assert set(report["families"]) == {"lr", "lgbm", "vote"}
    for metrics in [*report["families"].values(), report["registered"]]:
        for name in METRICS:
            assert name in metrics, name
        assert 0.5 < metrics["roc_auc"] <= 1 and metrics["ci95"]["roc_auc"][0] <= metrics["roc_auc"]
    registered = report["registered"]
    assert registered["model_name"] == "loan_default" and registered["version"] == 1
    assert registered["promoted"] and registered["champion_version"] == 1
    # the generator's truth was joined through event_timestamp (no observation_month in the dataset)
    assert 0.5 < report["oracle_auc"] <= 1 and registered["auc_to_oracle"] > 0.8
    assert report["split"]["holdout_rows"] > 0 and report["manifest"]["rows"] == 3200
    assert "families on the out-of-time holdout" in env["first_output"]


def test_parquet_dataset_tunes_and_registers_a_challenger(env: dict[str, Path]) -> None:
    args = [*_train_args(env["root"] / "loans.parquet"), "--families", "lr,lgbm", "--tune", "2", "--cv", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "lgbm: 2 trials, best CV AUC" in result.output
    from mlflow import MlflowClient

    trials = MlflowClient().search_runs(
        [MlflowClient().get_experiment_by_name("loan_default").experiment_id],
        filter_string="attributes.run_name LIKE 'lgbm trial%'",
    )
    assert len(trials) == 2 and all("cv_auc" in t.data.metrics for t in trials)
    assert "loan_default v2 (alias challenger)" in result.output
    assert "champion is v" in result.output


def test_package_round_trip_and_tampering(env: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = env["root"] / "model.bundle"
    result = runner.invoke(
        app, ["package", "--model", "loan_default", "--alias", "champion", "--out", str(bundle)]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    model = load_bundle(bundle)
    rows = pd.read_parquet(env["root"] / "loans.parquet").head(5)
    assert model.predict_proba(rows).shape == (5,)

    # Nothing may be unpickled from a bundle that fails authentication.
    import mlflow.pyfunc

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("model loaded before authentication")

    monkeypatch.setattr(mlflow.pyfunc, "load_model", refuse)
    blob = bytearray(bundle.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    tampered = env["root"] / "tampered.bundle"
    tampered.write_bytes(bytes(blob))
    with pytest.raises(BundleError, match="authentication failed"):
        load_bundle(tampered)
    monkeypatch.setenv("CREDITRISK_BUNDLE_KEY", "wrong key")
    with pytest.raises(BundleError, match="wrong CREDITRISK_BUNDLE_KEY"):
        load_bundle(bundle)
    not_a_bundle = env["root"] / "plain.pkl"
    not_a_bundle.write_bytes(b"\x80\x04not a bundle")
    with pytest.raises(BundleError, match="bad header"):
        open_bundle(not_a_bundle, env["root"] / "x")
    monkeypatch.delenv("CREDITRISK_BUNDLE_KEY")
    with pytest.raises(ConfigurationError, match="CREDITRISK_BUNDLE_KEY is not set"):
        load_bundle(bundle, Settings())


def test_bad_input_is_one_clear_error(env: dict[str, Path]) -> None:
    result = runner.invoke(
        app,
        ["train", "--model", "loan_default", "--dataset", str(env["root"] / "loans.csv"), "--label", "nope"],
    )
    assert isinstance(result.exception, DataError) and "label column 'nope'" in str(result.exception)
    result = runner.invoke(
        app, ["train", "--model", "loan_default", "--dataset", str(env["root"] / "none.csv")]
    )
    assert isinstance(result.exception, DataError) and "not found" in str(result.exception)
    result = runner.invoke(app, [*_train_args(env["root"] / "loans.csv"), "--families", "lr,svm"])
    assert isinstance(result.exception, DataError) and "svm" in str(result.exception)


def test_no_champion_is_a_clear_error_for_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("CREDITRISK_BUNDLE_KEY", "k")
    result = runner.invoke(app, ["package", "--model", "loan_default", "--out", str(tmp_path / "b")])
    assert isinstance(result.exception, ConfigurationError)


def test_train_option_defaults_are_train_options_defaults() -> None:
    """`creditrisk train` states no default of its own: each comes from TrainOptions."""
    import dataclasses

    import typer.main

    from training.options import TrainOptions

    command = typer.main.get_command(app).commands["train"]  # type: ignore[attr-defined]
    defaults = {param.name: param.default for param in command.params}
    expected = TrainOptions(model="")
    renamed = {"tune": "tune_trials", "cv": "cv_folds", "min_holdout_events": "min_holdout_positive_entities"}
    fields = {f.name for f in dataclasses.fields(TrainOptions)}
    checked = 0
    for name, default in defaults.items():
        field = renamed.get(name, name)
        if field in fields and field not in ("model", "seed", "families"):
            assert default == getattr(expected, field), name
            checked += 1
    assert checked == 17  # every option that sets a TrainOptions field
    assert defaults["families"] == ",".join(expected.families)
    assert defaults["no_register"] is (not expected.register)
