"""Apache Spark as the scale-out engine (``CREDITRISK_ENGINE=spark``, docs/scale-out.md).

One local SparkSession per process serves dbt (the ``spark`` target's ``session`` method calls
``SparkSession.builder.enableHiveSupport().getOrCreate()`` inside the dbt process) and Feast's
Spark offline store, so the JVM starts once. :func:`spark_conf` is the session configuration;
the ``spark`` output in ``profiles.yml`` sets the same keys (a test keeps the two equal), so
whichever of dbt or Feast starts the session first, it is the same session.

pyspark is imported only inside the functions: it is the optional ``spark`` extra, and nothing
in the embedded DuckDB path may need it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from creditrisk.errors import ConfigurationError
from creditrisk.settings import Settings

#: The dbt target (profiles.yml) that builds the warehouse on Spark.
DBT_TARGET = "spark"


def spark_schema() -> str:
    """The Spark database the dbt models are written to (profiles.yml reads the same variable)."""
    return os.environ.get("CREDITRISK_SPARK_SCHEMA", "creditrisk")


def spark_conf(settings: Settings) -> dict[str, str]:
    """The session configuration of the ``spark`` dbt target, for this data dir.

    Why each key: UTC session time so TIMESTAMP values are UTC instants like DuckDB's
    TIMESTAMPTZ; the CORRECTED parser so a malformed date is NULL, never an upgrade error; micro-
    second Parquet timestamps (not INT96) so the marts have DuckDB's column types; metastore and
    warehouse under the data dir so two data dirs never share tables. ANSI is off as dbt-spark
    forces it.
    """
    spark_dir = settings.data_root.resolve() / "spark"
    env = os.environ.get
    return {
        "spark.master": env("CREDITRISK_SPARK_MASTER", "local[*]"),
        "spark.driver.memory": env("CREDITRISK_SPARK_DRIVER_MEMORY", "4g"),
        "spark.sql.shuffle.partitions": env("CREDITRISK_SPARK_SHUFFLE_PARTITIONS", "8"),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.warehouse.dir": f"{spark_dir}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={spark_dir}",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.ansi.enabled": "false",
    }


def prepare_python_workers() -> None:
    """Run Spark's Python workers on this interpreter unless ``PYSPARK_PYTHON`` says otherwise.

    Feast's Spark materialisation engine writes online rows from Python tasks, which import
    feast; the ``python3`` Spark would start by default is not this virtualenv's. Read when the
    session starts, so it is set before dbt or Feast can start one.
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def get_spark_session(settings: Settings) -> Any:
    """The process's SparkSession (started with :func:`spark_conf` when there is none yet).

    Raises :class:`ConfigurationError` when the ``spark`` extra is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigurationError(
            "CREDITRISK_ENGINE=spark needs the `spark` extra: uv sync --extra spark (and a Java 17 runtime)"
        ) from exc
    prepare_python_workers()
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf(settings).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def table_row_counts(settings: Settings, tables: dict[str, str]) -> dict[str, int]:
    """``{label: row count}`` of dbt tables in the Spark schema (``{label: table name}``)."""
    session = get_spark_session(settings)
    schema = spark_schema()
    return {label: session.table(f"{schema}.{table}").count() for label, table in tables.items()}
