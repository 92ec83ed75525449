"""Shared Spark fixtures: one JVM, one generated raw data set, one build per engine.

Package-scoped, so the JVM is stopped once this folder's tests are done instead of holding its
memory through the rest of the suite.

Starting Spark (about 10 s) and building on it are the slow parts, so the whole session shares
one SparkSession (dbt-spark's ``session`` method and Feast's Spark store both pick up the
running session) and one build of the same raw files on DuckDB and on Spark.
``CREDITRISK_SPARK_FULL=1`` (``make test-spark``) adds the tests marked ``spark_full``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from spark_suite import LOAN_LINEAGE, full_set

from creditrisk.settings import Settings


@dataclass
class EngineBuilds:
    """The same raw files built into marts on DuckDB and on Spark."""

    duckdb: Settings
    spark: Settings


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if full_set():
        return
    skip = pytest.mark.skip(reason="the full Spark set runs in `make test-spark` (CREDITRISK_SPARK_FULL=1)")
    for item in items:
        if "spark_full" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="package")
def spark_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark")


@pytest.fixture(scope="package")
def spark_settings(spark_root: Path) -> Settings:
    return Settings(data_dir=spark_root / "spark_data", engine="spark")


@pytest.fixture(scope="package")
def spark_session(spark_settings: Settings) -> Iterator[object]:
    """The one SparkSession of the test process, its metastore under the Spark data dir."""
    pytest.importorskip("pyspark", reason="the `spark` extra is not installed")
    if shutil.which("java") is None:
        pytest.fail("no Java runtime: `make test` installs openjdk-17-jre-headless")
    from creditrisk.spark_engine import get_spark_session

    session = get_spark_session(spark_settings)
    yield session
    session.stop()


@pytest.fixture(scope="package")
def engine_builds(spark_root: Path, spark_settings: Settings, spark_session: object) -> EngineBuilds:
    """Generated raw data (1% corrupted rows) built by `dbt seed` + `dbt run` on both engines.

    The default suite runs the loan lineage, `make test-spark` every model plus dbt's own tests on
    Spark (`dbt test`: the same SQL, run by `tests/dbt` on DuckDB in the default suite).
    """
    from creditrisk.datagen import GeneratorConfig, generate
    from creditrisk.warehouse import run_dbt

    duck = Settings(data_dir=spark_root / "duckdb_data", engine="duckdb")
    generate(
        GeneratorConfig(loans=120, companies=30, months=30, seed=11, corrupt_rate=0.01),
        duck,
        show_progress=False,
    )
    shutil.copytree(duck.raw_dir, spark_settings.raw_dir)
    select = [] if full_set() else ["--select", LOAN_LINEAGE]
    for settings in (duck, spark_settings):
        run_dbt(["seed"], settings)
        run_dbt(["run", *select], settings)
    if full_set():
        run_dbt(["test"], spark_settings)
    return EngineBuilds(duckdb=duck, spark=spark_settings)
