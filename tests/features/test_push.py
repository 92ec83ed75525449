"""Pushed rows: online only when newer, offline through our ASOF store (and the built-in one)
into point-in-time training sets, validation naming the field, and the CLI."""

from __future__ import annotations

import functools
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from feast_crafted import ts
from typer.testing import CliRunner

from creditrisk.cli import app
from creditrisk.features import get_feature_store, online_features
from creditrisk.features.push import push_rows
from creditrisk.features.push_schema import PushValidationError, mart_schema, validate_rows
from creditrisk.features.schema import load_marts
from creditrisk.features.store import apply_definitions
from creditrisk.settings import Settings

PERF = "feat_loan_monthly_performance"


@pytest.fixture
def pushed_settings(materialized_settings: Settings, tmp_path: Path) -> Settings:
    """A copy of the crafted, materialised store (marts, registry, SQLite) that pushes may change."""
    settings = Settings(data_dir=tmp_path / "data", online_store="sqlite")
    for part in ("marts", "feast"):
        shutil.copytree(materialized_settings.data_root / part, settings.data_root / part)
    apply_definitions(settings)  # the copy's sources point at the copy's marts
    return settings


@functools.cache
def _blank_row() -> tuple[tuple[str, object], ...]:
    kinds = {"DOUBLE": 1.5, "BIGINT": 1, "VARCHAR": "x", "DATE": "2020-05-01"}
    return tuple((c.name, kinds.get(c.data_type.upper())) for c in load_marts()[PERF])


def perf_row(loan: str, event: str, upb: float, **changes) -> dict:
    """A full performance row as JSON values (every mart column but created_timestamp)."""
    row = dict(_blank_row())
    row.pop("created_timestamp")
    row.update(loan_id=loan, event_timestamp=event, current_upb_usd=upb, **changes)
    return row


def upb_at(settings: Settings, loan: str, times: list[str]) -> list[float | None]:
    """current_upb_usd in a point-in-time training frame (offline store from the settings)."""
    store = get_feature_store(settings)
    entities = pd.DataFrame({"loan_id": [loan] * len(times), "event_timestamp": [ts(t) for t in times]})
    frame = store.get_historical_features(
        entity_df=entities, features=["loan_monthly_performance:current_upb_usd"]
    ).to_df()
    frame = frame.sort_values("event_timestamp")
    return [None if v != v else v for v in frame["current_upb_usd"]]


def test_offline_pushes_reach_point_in_time_sets_through_the_asof_store(pushed_settings: Settings) -> None:
    times = ["2020-06-01", "2020-06-20"]
    assert upb_at(pushed_settings, "L1", times) == [80.0, 80.0]
    store = get_feature_store(pushed_settings)
    result = push_rows(
        store, "loan_monthly_performance", [perf_row("L1", "2020-06-16T00:00:00Z", 70.0)], offline=True
    )
    assert (result.online_written, result.offline_written) == (1, 1)
    # Visible from its event time on, never before, in our store and the built-in one alike.
    assert pushed_settings.offline_store == "asof"
    assert upb_at(pushed_settings, "L1", times) == [80.0, 70.0]
    builtin = pushed_settings.model_copy(update={"offline_store": "duckdb"})
    assert upb_at(builtin, "L1", times) == [80.0, 70.0]
    # The mart keeps dbt's column types, and the materialised online value is the pushed one.
    mart = pd.read_parquet(pushed_settings.marts_dir / f"{PERF}.parquet")
    assert str(mart["event_timestamp"].dtype) == "datetime64[us, UTC]"
    assert len(mart) == 7
    online = online_features(pushed_settings, "loan_default", ["L1"], as_of=datetime(2020, 6, 20, tzinfo=UTC))
    assert online["current_upb_usd"].iloc[0] == 70.0


def test_an_older_row_never_overwrites_a_newer_one_online(pushed_settings: Settings) -> None:
    store = get_feature_store(pushed_settings)
    as_of = datetime(2020, 7, 1, tzinfo=UTC)
    rows = [perf_row("L2", "2020-06-16T00:00:00Z", 450.0), perf_row("L2", "2020-05-16T00:00:00Z", 470.0)]
    result = push_rows(store, "loan_monthly_performance", rows)
    assert (result.received, result.online_written, result.online_skipped) == (2, 1, 1)
    late = push_rows(
        store, "loan_monthly_performance", [perf_row("L2", "2020-06-01T00:00:00Z", 1.0)], offline=True
    )
    assert (late.online_written, late.offline_written) == (0, 1)  # history keeps it, online does not
    again = push_rows(store, "loan_monthly_performance", [perf_row("L2", "2020-06-16T00:00:00Z", 999.0)])
    assert again.online_written == 0  # the same instant again: a redelivery changes nothing
    frame = online_features(pushed_settings, "loan_default", ["L2"], as_of=as_of)
    assert frame["current_upb_usd"].iloc[0] == 450.0
    assert frame["loan_monthly_performance__event_timestamp"].iloc[0] == ts("2020-06-16")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_timestamp": "2020-06-16 00:00:00"}, "event_timestamp"),
        ({"event_timestamp": "2020-06-16T02:00:00+02:00"}, "event_timestamp"),
        ({"event_timestamp": None}, "event_timestamp"),
        ({"created_timestamp": "3020-01-01T00:00:00Z"}, "created_timestamp"),
        ({"current_upb_usd": float("nan")}, "current_upb_usd"),
        ({"current_upb_usd": True}, "current_upb_usd"),
        ({"loan_age_months": 1.5}, "loan_age_months"),
        ({"loan_id": "L\x00"}, "loan_id"),
        ({"reporting_month": "2020-05-01T00:00:00Z"}, "reporting_month"),
    ],
)
def test_validation_names_the_row_and_field(change: dict, field: str) -> None:
    with pytest.raises(PushValidationError) as caught:
        validate_rows(
            mart_schema(PERF),
            [
                perf_row("L1", "2020-06-16T00:00:00Z", 1.0),
                {**perf_row("L1", "2020-06-16T00:00:00Z", 1.0), **change},
            ],
        )
    assert (caught.value.row, caught.value.field) == (1, field)


def test_validated_rows_have_the_marts_types() -> None:
    table = validate_rows(
        mart_schema(PERF), [perf_row("L1", "2020-06-16T00:00:00.5+00:00", 2.0, loan_age_months=4.0)]
    )
    row = table.to_pylist()[0]
    assert row["event_timestamp"] == datetime(2020, 6, 16, 0, 0, 0, 500000, tzinfo=UTC)
    assert row["loan_age_months"] == 4 and isinstance(row["loan_age_months"], int)
    assert row["created_timestamp"].tzinfo is not None


def test_cli_pushes_json_lines_from_stdin_and_a_json_file(
    pushed_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(pushed_settings.data_root))
    runner = CliRunner()
    lines = "\n".join(json.dumps(perf_row("L3", f"2020-0{m}-16T00:00:00Z", 10.0 * m)) for m in (6, 7))
    shown = runner.invoke(app, ["features", "push", "-"], input=lines + "\n")
    assert shown.exit_code == 0, shown.output
    assert "2 rows received, 1 written online" in shown.output
    file = tmp_path / "rows.json"
    file.write_text(json.dumps([perf_row("L3", "2020-08-16T00:00:00Z", 80.0)]))
    shown = runner.invoke(app, ["features", "push", str(file), "--offline"])
    assert shown.exit_code == 0, shown.output
    assert "1 appended offline" in shown.output
    bad = runner.invoke(app, ["features", "push", "-"], input=json.dumps({**perf_row("L3", "x", 1.0)}))
    assert bad.exit_code != 0
    assert "rows[0].event_timestamp" in str(bad.exception) + bad.output


def test_the_engine_path_writes_what_feature_store_push_writes(
    materialized_settings: Settings, tmp_path: Path
) -> None:
    """The stream consumer's path (views resolved once, the ASOF engine's online writer, the
    provider's offline write) leaves the same online rows and mart rows as FeatureStore.push."""
    import sqlite3

    from creditrisk.features.push import PUSH_TARGETS, push_table, target_schema

    rows = [
        perf_row(f"E{i}", f"2020-0{6 + i % 3}-16T00:00:00Z", 10.0 * i, loan_age_months=i) for i in range(9)
    ]
    rows.append({**perf_row("L1", "2020-07-16T00:00:00Z", 1.0), "current_ltv_pct": None})
    table = validate_rows(target_schema(PUSH_TARGETS["loan_monthly_performance"]), rows)
    dumps, marts = [], []
    for via in ("feast", "engine"):
        settings = Settings(data_dir=tmp_path / via, online_store="sqlite")
        for part in ("marts", "feast"):
            shutil.copytree(materialized_settings.data_root / part, settings.data_root / part)
        apply_definitions(settings)
        push_table(
            get_feature_store(settings),
            PUSH_TARGETS["loan_monthly_performance"],
            table,
            offline=True,
            via=via,
        )
        with sqlite3.connect(settings.feast_dir / "online_store.db") as conn:
            name = next(
                n
                for (n,) in conn.execute("select name from sqlite_master where type='table'")
                if n.endswith("loan_monthly_performance")
            )
            dumps.append(
                sorted(conn.execute(f'select entity_key, feature_name, value, event_ts from "{name}"'))
            )
        marts.append(pd.read_parquet(settings.marts_dir / f"{PERF}.parquet"))
    assert dumps[0] == dumps[1]
    pd.testing.assert_frame_equal(marts[0], marts[1])
