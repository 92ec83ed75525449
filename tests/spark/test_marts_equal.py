"""The same raw files built on DuckDB and on local Spark give the same marts."""

from __future__ import annotations

import pytest
from mart_diff import MART_KEYS, mart_differences, read_mart
from spark_suite import full_set

pytestmark = pytest.mark.spark


LOAN_MARTS = ["feat_loan_monthly_performance", "feat_loan_origination", "lbl_loan_default_12m"]
COMPANY_MARTS = ["feat_company_financials", "lbl_company_bankruptcy_12m"]


def built_marts() -> list[str]:
    return sorted(MART_KEYS) if full_set() else LOAN_MARTS


@pytest.mark.parametrize(
    "mart", [*LOAN_MARTS, *(pytest.param(m, marks=pytest.mark.spark_full) for m in COMPANY_MARTS)]
)
def test_mart_is_the_same_on_both_engines(engine_builds, mart: str) -> None:
    duck = read_mart(engine_builds.duckdb.marts_dir, mart)
    spark = read_mart(engine_builds.spark.marts_dir, mart)
    assert duck.num_rows > 0
    assert mart_differences(duck, spark, MART_KEYS[mart]) == []


def test_spark_marts_are_folders_of_parquet_parts(engine_builds) -> None:
    """What Feast's Spark store and pyarrow read: `<mart>.parquet/part-*.parquet`."""
    for mart in built_marts():
        folder = engine_builds.spark.marts_dir / f"{mart}.parquet"
        assert folder.is_dir() and any(folder.glob("part-*.parquet"))


def test_timestamps_are_utc_and_timezone_aware(engine_builds) -> None:
    for mart in built_marts():
        table = read_mart(engine_builds.spark.marts_dir, mart)
        assert str(table.schema.field("event_timestamp").type) == "timestamp[us, tz=UTC]"
