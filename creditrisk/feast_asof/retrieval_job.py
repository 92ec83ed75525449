"""The RetrievalJob the ASOF store returns: a plan of DuckDB statements (see ``plans.py``).

The job runs lazily (Feast calls ``to_df``/``to_arrow`` later, possibly twice), each time on a
fresh in-memory DuckDB connection set to UTC, so no state leaks between jobs or threads.
On-demand feature views are applied by Feast's base class on top of ``_to_arrow_internal``,
exactly as for the built-in store.
"""

from __future__ import annotations

import uuid

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
from feast.infra.offline_stores.duckdb import _write_data_source
from feast.infra.offline_stores.ibis import list_s3_files
from feast.infra.offline_stores.offline_store import RetrievalJob, RetrievalMetadata
from feast.on_demand_feature_view import OnDemandFeatureView
from feast.saved_dataset import SavedDatasetStorage, ValidationReference

from creditrisk.feast_asof.plans import Plan


def connect(threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with UTC session time, as ibis sets for the built-in store.

    The session zone matters: casting TIMESTAMPTZ to TIMESTAMP (the materialisation range
    filter) and naive TIMESTAMP to TIMESTAMPTZ both go through it.
    """
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB plans an ASOF join as a nested loop when it believes the left side is small
    # (under 64 rows). It cannot see the size of a registered Arrow table, so without this a
    # 100k-row entity frame ran as a nested loop for minutes instead of a sort-merge in one second.
    con.execute("SET asof_loop_join_threshold = 0")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    return con


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """``table.to_pandas()`` with the frame's blocks allocated by the C library's ``malloc``.

    The same frame either way; only the allocator differs. pyarrow's default pool (mimalloc)
    hands a fresh process new pages for every large block, and faulting them in dominated the
    conversion (figures in docs/offline_store.md, "Design measurements"; jemalloc was as fast but
    is not built into every pyarrow).
    """
    return table.to_pandas(memory_pool=pa.system_memory_pool())


class AsofRetrievalJob(RetrievalJob):
    """DuckDB statements over Parquet files and in-memory Arrow tables, run on demand."""

    def __init__(
        self,
        plan: Plan,
        *,
        on_demand_feature_views: list[OnDemandFeatureView],
        full_feature_names: bool,
        metadata: RetrievalMetadata | None,
        repo_path: str,
        staging_location: str | None = None,
        staging_location_endpoint_override: str | None = None,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        self._on_demand_feature_views = on_demand_feature_views
        self._full_feature_names = full_feature_names
        self._metadata = metadata
        self.repo_path = repo_path
        self.staging_location = staging_location
        self.staging_location_endpoint_override = staging_location_endpoint_override
        self.threads = threads
        self.memory_limit = memory_limit

    def _to_arrow_internal(self, timeout: int | None = None) -> pa.Table:
        con = connect(self.threads, self.memory_limit)
        try:
            return self.plan.execute(con)
        finally:
            con.close()

    def _to_df_internal(self, timeout: int | None = None) -> pd.DataFrame:
        return to_pandas(self._to_arrow_internal(timeout))

    def to_df(
        self, validation_reference: ValidationReference | None = None, timeout: int | None = None
    ) -> pd.DataFrame:
        """``RetrievalJob.to_df`` without a copy of the whole frame when the index is already 0..n-1.

        Feast's ``to_df`` ends in ``reset_index(drop=True)``, which under pandas 2 copies every
        column, a large share of a training set's time (docs/offline_store.md). The table this
        job returns carries no pandas index, so ``to_pandas`` already numbers the rows from zero;
        the reset runs only when it would change something (an on-demand transform could hand
        back a table with a stored index).
        """
        frame = to_pandas(self.to_arrow(validation_reference=validation_reference, timeout=timeout))
        index = frame.index
        if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
            frame = frame.reset_index(drop=True)
        return frame

    def to_sql(self) -> str:
        """The statements as they would run now (the join's encoding depends on the data)."""
        con = connect(self.threads, self.memory_limit)
        try:
            return ";\n\n".join(self.plan.statements(con))
        finally:
            con.close()

    @property
    def full_feature_names(self) -> bool:
        return self._full_feature_names

    @property
    def on_demand_feature_views(self) -> list[OnDemandFeatureView]:
        return self._on_demand_feature_views

    @property
    def metadata(self) -> RetrievalMetadata | None:
        return self._metadata

    def persist(
        self, storage: SavedDatasetStorage, allow_overwrite: bool = False, timeout: int | None = None
    ) -> None:
        """Write the result (before on-demand transforms, as the built-in store does)."""
        _write_data_source(
            ibis.memtable(self._to_arrow_internal(timeout)),
            storage.to_data_source(),
            self.repo_path,
            "overwrite",
            allow_overwrite,
        )

    def supports_remote_storage_export(self) -> bool:
        return self.staging_location is not None

    def to_remote_storage(self) -> list[str]:
        """Same export as the built-in store: a Delta table under the staging location."""
        assert self.staging_location is not None
        path = f"{self.staging_location}/{uuid.uuid4()}"
        storage_options = {"AWS_ENDPOINT_URL": self.staging_location_endpoint_override}
        ibis.memtable(self._to_arrow_internal()).to_delta(path, storage_options=storage_options)
        return list_s3_files(path, self.staging_location_endpoint_override)
