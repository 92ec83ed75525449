"""A Feast offline store that does point-in-time joins with DuckDB ``ASOF JOIN``.

Configure it in ``feature_store.yaml`` by import path (Feast resolves a custom ``type`` ending
in ``OfflineStore`` to the class, and ``<Class>Config`` beside it to its config)::

    offline_store:
      type: creditrisk.feast_asof.store.AsofDuckDBOfflineStore

It reads the same FileSources as Feast's built-in ``duckdb`` store and returns the same rows,
columns and types (proven by the differential tests in ``tests/feast_asof/``). It subclasses
the built-in store, so what it does not rewrite (logging, monitoring) is the built-in code;
pushed rows (``offline_write_batch``) are appended under a lock and atomically
(:mod:`creditrisk.feast_asof.offline_write`), and requests outside the fast path go to the
built-in implementation unchanged:

- an entity frame given as SQL, or no entity frame (a start/end range instead);
- ``filter_by_created_timestamp=True`` (the cutoff depends on each entity row's time, which
  an ASOF join cannot express);
- a feature view whose source is not a local Parquet FileSource (Delta, S3, Iceberg, ...);
- substrait-mode on-demand feature views (the other modes run on the job's result as usual).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis.util
import numpy as np
import pandas as pd
import pyarrow as pa
from feast.data_format import ParquetFormat
from feast.data_source import DataSource
from feast.feature_view import FeatureView
from feast.infra.offline_stores import offline_utils
from feast.infra.offline_stores.duckdb import DuckDBOfflineStore, DuckDBOfflineStoreConfig
from feast.infra.offline_stores.file_source import FileSource
from feast.infra.offline_stores.ibis import _get_entity_df_event_timestamp_range, _to_utc
from feast.infra.offline_stores.offline_store import RetrievalJob, RetrievalMetadata
from feast.infra.registry.base_registry import BaseRegistry
from feast.on_demand_feature_view import OnDemandFeatureView
from feast.repo_config import RepoConfig
from pydantic import StrictStr

from creditrisk.feast_asof import sql
from creditrisk.feast_asof.offline_write import append_parquet
from creditrisk.feast_asof.plans import Plan, PointInTimePlan, QueryPlan
from creditrisk.feast_asof.retrieval_job import AsofRetrievalJob

#: The ``type`` to put under ``offline_store`` in ``feature_store.yaml``.
STORE_TYPE = "creditrisk.feast_asof.store.AsofDuckDBOfflineStore"


class AsofDuckDBOfflineStoreConfig(DuckDBOfflineStoreConfig):
    """The built-in DuckDB store's settings plus DuckDB resource limits for the joins.

    It subclasses the built-in config so the inherited monitoring methods, which check for
    ``DuckDBOfflineStoreConfig``, keep working.
    """

    type: StrictStr = STORE_TYPE

    threads: int | None = None
    """DuckDB worker threads for a query (default: DuckDB's, one per core)."""

    memory_limit: str | None = None
    """DuckDB ``memory_limit`` such as ``"4GB"``; past it DuckDB spills to disk rather than failing."""


def _local_parquet_paths(data_source: DataSource | None) -> list[str] | None:
    """The paths DuckDB should scan, or None when the source is not a local Parquet FileSource."""
    if not isinstance(data_source, FileSource):
        return None
    is_parquet = isinstance(data_source.file_format, ParquetFormat) or (
        data_source.file_format is None and data_source.path.endswith(".parquet")
    )
    if not is_parquet or "://" in data_source.path.removeprefix("file://"):
        return None
    # The same path normalisation ibis applies for the built-in store (CWD-relative).
    return ibis.util.normalize_filenames(data_source.path)


def _source_columns(paths: list[str]) -> list[str]:
    """Column names of the Parquet files, read from their footers only."""
    con = duckdb.connect(":memory:")
    try:
        return [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {sql.parquet_scan(paths)}").fetchall()]
    finally:
        con.close()


def _view_join(
    feature_view: FeatureView, feature_refs: list[str], full_feature_names: bool
) -> sql.ViewJoin | None:
    """Describe one view's join the way ``get_historical_features_ibis.read_fv`` reads it.

    None when the fast path cannot serve the view: not a local Parquet FileSource, or files
    with a column named like DuckDB's row-numbering virtual columns (which it would shadow).
    """
    source = feature_view.batch_source
    paths = _local_parquet_paths(source)
    if source is None or paths is None:
        return None
    columns = _source_columns(paths)
    if any(name in columns for name in (*sql.ROW_NUMBER_COLUMNS, sql.FEATURE_ROW)):
        return None
    prefix = feature_view.projection.name_to_use()
    names = [ref.split(":")[1] for ref in feature_refs if ref.startswith(f"{prefix}:")]
    base_name = feature_view.projection.name_alias or feature_view.name
    outputs = {name: f"{base_name}__{name}" if full_feature_names else name for name in names}
    join_key_map = feature_view.projection.join_key_map or {
        e.name: e.name for e in feature_view.entity_columns
    }
    return sql.ViewJoin(
        source_sql=sql.renamed_scan(paths, source.field_mapping, columns),
        join_keys=dict(join_key_map),
        timestamp_field=source.timestamp_field,
        created_timestamp_column=source.created_timestamp_column or None,
        features=outputs,
        ttl=feature_view.ttl,
    )


def _timestamps_parsed(entity_df: pd.DataFrame, event_timestamp_col: str) -> pd.DataFrame:
    """The frame with its event times parsed as the built-in store parses them (``_to_utc``).

    ``_to_utc`` only changes a string or object column; any other column is left as it is,
    so the frame is copied only when there is something to parse (a copy of 1.2M rows costs
    more than the rest of preparing the entity rows).
    """
    column = entity_df[event_timestamp_col]
    if pd.api.types.is_string_dtype(column) or pd.api.types.is_object_dtype(column):
        return _to_utc(entity_df.copy(), event_timestamp_col)
    return entity_df


def _entity_relation(entity_df: pd.DataFrame) -> pa.Table:
    """The entity rows as Arrow with a row number, so the result keeps their order."""
    table = pa.Table.from_pandas(entity_df, preserve_index=False)
    return table.append_column(sql.ROW_ID, pa.array(np.arange(len(entity_df), dtype=np.int64)))


def _point_in_time_plan(
    entity_df: pd.DataFrame, event_timestamp_col: str, views: list[sql.ViewJoin]
) -> PointInTimePlan:
    """Match, fetch, and line up (see ``plans.py``); views asking for no feature add nothing."""
    return PointInTimePlan(
        entity=_entity_relation(entity_df),
        entity_columns=list(entity_df.columns),
        event_timestamp_column=event_timestamp_col,
        views=[view for view in views if view.features],
    )


def _utc_naive(value: datetime) -> datetime:
    """Bounds as naive UTC, the way ibis passes them (a naive value is read as local time)."""
    return value.astimezone(tz=UTC).replace(tzinfo=None)


class AsofDuckDBOfflineStore(DuckDBOfflineStore):
    """Feast's DuckDB offline store with ASOF point-in-time joins and one-pass latest pulls."""

    @staticmethod
    def get_historical_features(
        config: RepoConfig,
        feature_views: list[FeatureView],
        feature_refs: list[str],
        entity_df: pd.DataFrame | str | None,
        registry: BaseRegistry,
        project: str,
        full_feature_names: bool = False,
        filter_by_created_timestamp: bool = False,
        **kwargs: Any,
    ) -> RetrievalJob:
        odfvs = OnDemandFeatureView.get_requested_odfvs(feature_refs, project, registry)
        fast_path = (
            isinstance(entity_df, pd.DataFrame)
            and not filter_by_created_timestamp
            and not kwargs
            and not any(odfv.mode == "substrait" for odfv in odfvs)
        )
        views = (
            [_view_join(fv, feature_refs, full_feature_names) for fv in feature_views] if fast_path else []
        )
        if not fast_path or any(view is None for view in views):
            if filter_by_created_timestamp:
                kwargs["filter_by_created_timestamp"] = True
            return DuckDBOfflineStore.get_historical_features(
                config=config,
                feature_views=feature_views,
                feature_refs=feature_refs,
                entity_df=entity_df,  # type: ignore[arg-type]
                registry=registry,
                project=project,
                full_feature_names=full_feature_names,
                **kwargs,
            )
        assert isinstance(entity_df, pd.DataFrame)
        event_timestamp_col = offline_utils.infer_event_timestamp_from_entity_df(
            dict(zip(entity_df.columns, entity_df.dtypes, strict=True))
        )
        timestamp_range = _get_entity_df_event_timestamp_range(entity_df, event_timestamp_col)
        entity_df = _timestamps_parsed(entity_df, event_timestamp_col)
        plan = _point_in_time_plan(
            entity_df, event_timestamp_col, [view for view in views if view is not None]
        )
        return _job(
            config,
            plan,
            on_demand_feature_views=odfvs,
            full_feature_names=full_feature_names,
            metadata=RetrievalMetadata(
                features=feature_refs,
                keys=list(set(entity_df.columns) - {event_timestamp_col}),
                min_event_timestamp=timestamp_range[0],
                max_event_timestamp=timestamp_range[1],
            ),
        )

    @staticmethod
    def pull_latest_from_table_or_query(
        config: RepoConfig,
        data_source: DataSource,
        join_key_columns: list[str],
        feature_name_columns: list[str],
        timestamp_field: str,
        created_timestamp_column: str | None,
        start_date: datetime,
        end_date: datetime,
    ) -> RetrievalJob:
        paths = _local_parquet_paths(data_source)
        if paths is None:
            return DuckDBOfflineStore.pull_latest_from_table_or_query(
                config,
                data_source,
                join_key_columns,
                feature_name_columns,
                timestamp_field,
                created_timestamp_column,
                start_date,
                end_date,
            )
        columns = _pulled_columns(
            join_key_columns, feature_name_columns, timestamp_field, created_timestamp_column
        )
        query = sql.pull_latest_sql(
            sql.parquet_scan(paths),
            join_key_columns,
            columns,
            timestamp_field,
            created_timestamp_column,
            _utc_naive(start_date),
            _utc_naive(end_date),
        )
        return _job(config, QueryPlan(query))

    @staticmethod
    def pull_all_from_table_or_query(
        config: RepoConfig,
        data_source: DataSource,
        join_key_columns: list[str],
        feature_name_columns: list[str],
        timestamp_field: str,
        created_timestamp_column: str | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
    ) -> RetrievalJob:
        paths = _local_parquet_paths(data_source)
        if paths is None:
            return DuckDBOfflineStore.pull_all_from_table_or_query(
                config,
                data_source,
                join_key_columns,
                feature_name_columns,
                timestamp_field,
                created_timestamp_column,
                start_date,
                end_date,
            )
        columns = _pulled_columns(
            join_key_columns, feature_name_columns, timestamp_field, created_timestamp_column
        )
        query = sql.pull_all_sql(
            sql.parquet_scan(paths),
            columns,
            timestamp_field,
            _utc_naive(start_date) if start_date else None,
            _utc_naive(end_date) if end_date else None,
        )
        return _job(config, QueryPlan(query))

    @staticmethod
    def offline_write_batch(
        config: RepoConfig,
        feature_view: FeatureView,
        table: pa.Table,
        progress: Any,
    ) -> None:
        """Append pushed rows (``PushMode.OFFLINE``) to a local Parquet source under a lock,
        atomically (:mod:`creditrisk.feast_asof.offline_write`); other sources: the built-in write."""
        source = feature_view.batch_source
        if _local_parquet_paths(source) is None:
            DuckDBOfflineStore.offline_write_batch(config, feature_view, table, progress)
            return
        path = Path(FileSource.get_uri_for_file_path(str(config.repo_path), source.path))
        append_parquet(path, table)
        if progress:
            progress(table.num_rows)


def _pulled_columns(
    join_key_columns: list[str],
    feature_name_columns: list[str],
    timestamp_field: str,
    created_timestamp_column: str | None,
) -> list[str]:
    """Keys, features, timestamps, in the order ibis selects them (``__log_date`` dropped)."""
    columns = [*join_key_columns, *feature_name_columns, timestamp_field]
    if created_timestamp_column:
        columns.append(created_timestamp_column)
    return [c for c in columns if c != "__log_date"]


def _job(
    config: RepoConfig,
    plan: Plan,
    *,
    on_demand_feature_views: list[OnDemandFeatureView] | None = None,
    full_feature_names: bool = False,
    metadata: RetrievalMetadata | None = None,
) -> AsofRetrievalJob:
    store_config = config.offline_store
    return AsofRetrievalJob(
        plan,
        on_demand_feature_views=[odfv for odfv in on_demand_feature_views or [] if odfv.mode != "substrait"],
        full_feature_names=full_feature_names,
        metadata=metadata,
        repo_path=str(config.repo_path),
        staging_location=getattr(store_config, "staging_location", None),
        staging_location_endpoint_override=getattr(store_config, "staging_location_endpoint_override", None),
        threads=getattr(store_config, "threads", None),
        memory_limit=getattr(store_config, "memory_limit", None),
    )
