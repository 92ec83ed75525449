"""Batch scoring: offline point-in-time features, the same answers as the API for the same features."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from serving_world import ServingWorld
from typer.testing import CliRunner

from creditrisk.cli import app


def _batch(
    world: ServingWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ids: list[str], *extra: str
) -> pd.DataFrame:
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(world.settings.data_root))
    source = tmp_path / "ids.csv"
    pd.DataFrame({"loan_id": ids}).to_csv(source, index=False)
    out = tmp_path / "scores.parquet"
    args = ["score", "--model", "loan_default", "--input", str(source), "--out", str(out), *extra]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "scored" in result.output
    return pd.read_parquet(out)


def test_batch_as_of_now_equals_online_scoring(
    world: ServingWorld,
    client: TestClient,
    auth: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = [*world.loans[20:26], "F99Q9999999"]
    scores = _batch(world, tmp_path, monkeypatch, ids)
    online = client.post("/v1/loans/score", json={"loan_ids": ids}, headers=auth).json()["results"]
    assert list(scores["id"]) == ids
    for (_, row), result in zip(scores.iterrows(), online, strict=True):
        assert row["status"] == result["status"]
        if result["status"] != "scored":
            continue
        assert row["probability"] == pytest.approx(result["probability"], abs=1e-9)
        assert row["risk"] == result["risk"] and row["model_version"] == result["model"]["version"]
        assert row["output_value"] == pytest.approx(result["explanation"]["output_value"], abs=1e-9)
        assert [c["feature"] for c in row["top_contributions"]] == [
            c["feature"] for c in result["explanation"]["top_contributions"]
        ]


def test_batch_as_of_sees_only_what_was_known_then(
    world: ServingWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loan = world.loans[0]
    performance = pd.read_parquet(world.settings.marts_dir / "feat_loan_monthly_performance.parquet")
    reports = performance[performance["loan_id"] == loan].sort_values("event_timestamp")
    known, next_report = reports.iloc[2], reports.iloc[3]
    as_of = known["event_timestamp"] + pd.Timedelta(days=1)  # after one report, before the next
    assert as_of < next_report["event_timestamp"]
    scores = _batch(world, tmp_path, monkeypatch, [loan, world.loans[1]], "--as-of", as_of.isoformat())
    features = json.loads(scores["features"].iloc[0])
    assert features["current_upb_usd"] == known["current_upb_usd"] != next_report["current_upb_usd"]
    assert scores["as_of"].iloc[0] == as_of

    before_origination = _batch(world, tmp_path, monkeypatch, [loan], "--as-of", "2019-06-01")
    assert list(before_origination["status"]) == ["not_found"]


def test_bad_as_of_is_one_clear_line(
    world: ServingWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from creditrisk.cli import main

    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(world.settings.data_root))
    source = tmp_path / "ids.csv"
    source.write_text("loan_id\nF20Q10000000\n")
    args = [
        "creditrisk",
        "score",
        "--model",
        "loan_default",
        "--input",
        str(source),
        "--out",
        str(tmp_path / "o"),
    ]
    monkeypatch.setattr("sys.argv", [*args, "--as-of", "yesterday-ish"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code != 0
