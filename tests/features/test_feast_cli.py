"""`creditrisk features apply|materialize|config` and `creditrisk dataset build`."""

from __future__ import annotations

import json
from pathlib import Path

from feast_crafted import write_crafted_marts
from typer.testing import CliRunner

from creditrisk.cli import app

ENV = {"COLUMNS": "200"}


def test_apply_materialize_and_build_from_the_cli(data_dir: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["dataset", "build", "--model", "loan_default"], env=ENV)
    assert missing.exit_code != 0 and "features apply" in str(missing.exception)

    write_crafted_marts(data_dir / "marts")
    applied = runner.invoke(app, ["features", "apply"], env=ENV)
    assert applied.exit_code == 0, applied.output
    assert "3 feature views" in applied.output and (data_dir / "feast" / "registry.db").exists()

    loaded = runner.invoke(
        app, ["features", "materialize", "--start", "2020-01-01", "--end", "2021-01-01"], env=ENV
    )
    assert loaded.exit_code == 0, loaded.output
    assert "loan_monthly_performance" in loaded.output
    assert (data_dir / "feast" / "online_store.db").exists()

    built = runner.invoke(
        app,
        ["dataset", "build", "--model", "loan_default", "--start", "2020-04-01", "--end", "2020-12-31"],
        env=ENV,
    )
    assert built.exit_code == 0, built.output
    [manifest_path] = (data_dir / "datasets" / "loan_default").glob("*/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["rows"] == 2 and manifest["feature_service"] == "loan_default_v1"
    assert manifest["start"].startswith("2020-04-01")


def test_config_renders_the_selected_online_store(data_dir: Path) -> None:
    shown = CliRunner().invoke(
        app,
        ["features", "config"],
        env={**ENV, "CREDITRISK_ONLINE_STORE": "redis", "CREDITRISK_REDIS_URL": "127.0.0.1:6399"},
    )
    assert shown.exit_code == 0, shown.output
    assert "type: redis" in shown.output and "connection_string: 127.0.0.1:6399" in shown.output
    assert f"{data_dir}/feast/registry.db" in shown.output
