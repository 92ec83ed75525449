"""Batch sources: the dbt feature marts (Parquet) under ``$CREDITRISK_DATA_DIR/marts``.

The path is read from the settings when this module is imported (Feast imports repo modules
to collect definitions, so this is configuration, not work). Feast's DuckDB offline store
reads a relative FileSource path against the process's working directory, not the repo, so
the path is made absolute here; every data dir (each test, each checkout) gets sources that
point at its own marts, and `feast apply` stores those absolute paths in that data dir's
registry.

``event_timestamp`` is when a row became known (the filing date of a statement, the
publication of a monthly performance file); ``created_timestamp`` breaks ties between two
versions with the same event time (the later write wins).

The views whose values also arrive as events (a servicer's monthly report, a company's filing)
read through a ``PushSource`` over their batch source: ``FeatureStore.push`` writes pushed rows
to the online store and, with ``PushMode.ONLINE_AND_OFFLINE``, appends them to the batch source,
so training sets see them too (``creditrisk.features.push``, ``docs/streaming.md``).
"""

from feast import FileSource, PushSource
from feast.data_format import ParquetFormat

from creditrisk.settings import Settings

MARTS_DIR = Settings().marts_dir
# CREDITRISK_ENGINE=spark: the same marts (Parquet folders written by dbt's spark target) read by
# Feast's Spark offline store, which takes SparkSources (docs/scale-out.md).
ENGINE = Settings().engine


def _mart_source(mart: str, description: str) -> FileSource:
    if ENGINE == "spark":
        from feast.infra.offline_stores.contrib.spark_offline_store.spark_source import SparkSource

        return SparkSource(
            name=mart,
            path=str(MARTS_DIR / f"{mart}.parquet"),
            file_format="parquet",
            timestamp_field="event_timestamp",
            created_timestamp_column="created_timestamp",
            description=description,
        )
    return FileSource(
        name=mart,
        path=str(MARTS_DIR / f"{mart}.parquet"),
        file_format=ParquetFormat(),
        timestamp_field="event_timestamp",
        created_timestamp_column="created_timestamp",
        description=description,
    )


loan_origination_source = _mart_source(
    "feat_loan_origination", "One row per loan, known at origination (dbt mart feat_loan_origination)."
)
loan_monthly_performance_source = _mart_source(
    "feat_loan_monthly_performance",
    "One row per loan and reporting month, known 15 days after the month ends.",
)
company_financials_source = _mart_source(
    "feat_company_financials",
    "One row per company and filing date; restatements are new rows at their own filing date.",
)

# Push sources: the same rows as the marts, arriving one event at a time (docs/streaming.md).
loan_monthly_performance_push = PushSource(
    name="loan_monthly_performance_push",
    batch_source=loan_monthly_performance_source,
    description="Monthly performance reports pushed as they arrive (API, CLI or the stream consumer).",
)
company_financials_push = PushSource(
    name="company_financials_push",
    batch_source=company_financials_source,
    description="Company filings pushed as they are filed (API, CLI or the stream consumer).",
)
