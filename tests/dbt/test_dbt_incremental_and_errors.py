"""Incremental builds add new months without changing history; failures name the failing node."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from creditrisk.errors import DataError, PipelineStepError
from creditrisk.settings import Settings
from creditrisk.warehouse import build, run_dbt
from tests.dbt.builds import Built
from tests.dbt.raw_fixture import MONTHS, month_str, write_raw_fixture

INCREMENTAL_MODELS = {
    "stg_freddie__performance": ["loan_id", "reporting_month"],
    "int_loan_months__delinquency_windows": ["loan_id", "reporting_month"],
    "int_loan_months__panel": ["loan_id", "reporting_month"],
}


def _without_last_months(text: str, months: set[str]) -> str:
    kept = [line for line in text.splitlines() if line.split("|")[1:2] and line.split("|")[1] not in months]
    return "\n".join(kept) + "\n"


def test_two_new_months_incrementally_equal_a_full_build(crafted_build: Built, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    write_raw_fixture(settings.raw_dir)
    new_months = {month_str(MONTHS - 2), month_str(MONTHS - 1)}
    perf_files = sorted((settings.raw_dir / "freddie").glob("historical_data_time_*.txt"))
    full_text = {path: path.read_text() for path in perf_files}
    for path, text in full_text.items():
        path.write_text(_without_last_months(text, new_months))
    selection = ["--select", "+int_loan_months__panel", "+stg_freddie__performance_rejected"]
    selection += ["--resource-type", "model", "--resource-type", "seed"]
    run_dbt(["build", *selection], settings)
    for path, text in full_text.items():
        path.write_text(text)
    run_dbt(["build", *selection], settings)  # incremental: only the two new months

    incremental = Built(settings, summary=None)  # type: ignore[arg-type]
    for model, key in INCREMENTAL_MODELS.items():
        ignored = ["source_file", "line_number"] if model.startswith("stg_") else []
        got = incremental.query(f"select * from {model}").drop(columns=ignored)
        want = crafted_build.query(f"select * from {model}").drop(columns=ignored)
        got, want = (frame.sort_values(key).reset_index(drop=True) for frame in (got, want))
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=model)
    # Rejected lines (an unparseable month is re-checked every run) are neither lost nor doubled.
    rejected_sql = "select reject_reason, line from stg_freddie__performance_rejected order by all"
    pd.testing.assert_frame_equal(incremental.query(rejected_sql), crafted_build.query(rejected_sql))
    # The long 30-day streak crossed the lookback window and was carried from earlier rows.
    streak = incremental.query(
        "select max(current_delinquency_streak_months) as s from int_loan_months__panel "
        "where loan_id = 'F18Q10000006'"
    )
    assert streak.s.iloc[0] == 20


def test_incremental_tables_built_by_an_older_model_version_are_rebuilt(tmp_path: Path) -> None:
    """After an upgrade a plain build rebuilds incremental tables whose columns changed (no failure)."""
    settings = Settings(data_dir=tmp_path / "data")
    write_raw_fixture(settings.raw_dir)
    selection = ["--select", "+int_loan_months__delinquency_windows", "--resource-type", "model"]
    selection += ["--resource-type", "seed"]
    run_dbt(["build", *selection], settings)
    count = "select count(*) from int_loan_months__delinquency_windows"
    with duckdb.connect(str(settings.warehouse_path)) as con:
        rows = con.execute(count).fetchone()[0]
        # What an older version of each model left behind: a column it no longer has, one it lacked.
        con.execute(
            "alter table base_freddie__performance_validated add column monthly_reporting_period varchar"
        )
        con.execute("alter table int_loan_months__delinquency_windows drop column eltv_pct")
    run_dbt(["build", *selection], settings)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        validated = {row[0] for row in con.execute("describe base_freddie__performance_validated").fetchall()}
        windows = {row[0] for row in con.execute("describe int_loan_months__delinquency_windows").fetchall()}
        assert con.execute(count).fetchone()[0] == rows
    assert "monthly_reporting_period" not in validated
    assert "eltv_pct" in windows


def test_failing_model_is_named_in_the_error(crafted_build: Built, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    write_raw_fixture(settings.raw_dir)
    with pytest.raises(PipelineStepError, match=r"base_macro__mortgage_rate_30y_validated.*No files found"):
        elsewhere = "{raw_dir: " + str(tmp_path / "nowhere") + "}"
        run_dbt(["run", "--select", "+stg_macro__mortgage_rates", "--vars", elsewhere], settings)


def test_build_without_raw_files_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="creditrisk data generate"):
        build(Settings(data_dir=tmp_path / "empty"))


def test_cli_reports_a_missing_raw_dir_in_one_line(tmp_path: Path) -> None:
    env = {"CREDITRISK_DATA_DIR": str(tmp_path / "empty"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "creditrisk"), "warehouse", "build"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == DataError.exit_code
    assert "creditrisk data generate" in result.stderr
    assert "Traceback" not in result.stderr
