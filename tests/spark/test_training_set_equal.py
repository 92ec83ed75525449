"""Point-in-time training sets from Feast's Spark offline store equal the ASOF store's.

The repo's own feature definitions are applied twice: over the DuckDB-built marts with the
default ASOF store, and over the Spark-built marts with ``CREDITRISK_ENGINE=spark`` (SparkSources,
Feast's Spark offline store on the test session's SparkSession). Both build the loan model's
training set through ``creditrisk.features.training_sets.build_training_set``, the path training uses.
"""

from __future__ import annotations

import pytest
from mart_diff import frame_table, mart_differences

from creditrisk.features.store import apply_definitions

pytestmark = pytest.mark.spark

#: The test Redis database the materialisation test owns.
SPARK_REDIS_DB = 11


@pytest.fixture(scope="package")
def applied(engine_builds):
    apply_definitions(engine_builds.duckdb)
    apply_definitions(engine_builds.spark)
    return engine_builds


def _training_set(model: str, settings):
    from creditrisk.features.training_sets import build_training_set

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


@pytest.mark.spark_full
def test_materialize_from_the_spark_store_into_redis(applied) -> None:
    """Feast's materialisation pulls the latest row per loan through the Spark store into Redis."""
    import os

    import pandas as pd
    import redis

    from creditrisk.features.materialize import materialize
    from creditrisk.features.store import get_feature_store

    redis_url = os.environ.get("CREDITRISK_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("no test Redis (make test-spark starts one through make redis)")
    # A database of its own, emptied first: tests/features use 7 and 8 the same way.
    host, port = redis_url.split(":")
    redis.Redis(host=host, port=int(port), db=SPARK_REDIS_DB).flushdb()
    settings = applied.spark.model_copy(
        update={"online_store": "redis", "redis_url": f"{redis_url},db={SPARK_REDIS_DB}"}
    )
    apply_definitions(settings)
    materialize(settings, views=["loan_origination"])
    mart = pd.read_parquet(settings.marts_dir / "feat_loan_origination.parquet")
    mart = mart.sort_values("loan_id").head(5)
    online = (
        get_feature_store(settings)
        .get_online_features(
            features=["loan_origination:orig_credit_score"],
            entity_rows=[{"loan_id": loan} for loan in mart["loan_id"]],
        )
        .to_df()
    )
    expected = mart["orig_credit_score"].tolist()
    assert online["orig_credit_score"].tolist() == pytest.approx(expected, nan_ok=True)
