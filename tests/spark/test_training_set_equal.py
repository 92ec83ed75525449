"""Point-in-time training sets from Feast's Spark offline store equal the ASOF store's.

The repo's own feature definitions are applied twice: over the DuckDB-built marts with the
default ASOF store, and over the Spark-built marts with ``CREDITRISK_ENGINE=spark`` (SparkSources,
Feast's Spark offline store on the test session's SparkSession). Both build the loan model's
training set through ``training.datasets.build_training_set``, the path training uses.
"""

from __future__ import annotations

import pytest
from mart_diff import frame_table, mart_differences

from creditrisk.features.store import apply_definitions

pytestmark = pytest.mark.spark


@pytest.fixture(scope="session")
def applied(engine_builds):
    apply_definitions(engine_builds.duckdb)
    apply_definitions(engine_builds.spark)
    return engine_builds


def _training_set(model: str, settings):
    from training.datasets import build_training_set

    return frame_table(build_training_set(model, settings=settings).frame)


def test_loan_training_set_is_the_same_from_the_spark_store(applied) -> None:
    asof = _training_set("loan_default", applied.duckdb)
    spark = _training_set("loan_default", applied.spark)
    assert asof.num_rows > 0
    assert mart_differences(asof, spark, ["loan_id", "event_timestamp"]) == []


@pytest.mark.spark_full
def test_company_training_set_is_the_same_from_the_spark_store(applied) -> None:
    asof = _training_set("company_bankruptcy", applied.duckdb)
    spark = _training_set("company_bankruptcy", applied.spark)
    assert asof.num_rows > 0
    assert mart_differences(asof, spark, ["company_id", "event_timestamp"]) == []
