"""How a job's SQL runs on a DuckDB connection and becomes one Arrow table.

A materialisation pull is one query. A point-in-time join is three statements (see
``sql.py``): match each entity row to a feature row id per view (narrow ASOF joins), fetch the
features of those ids in entity-row order, and read the entity columns back in their order.
The two results line up row for row, so the answer is the two sets of columns side by side:
no sort ever moves an entity row's full width, and the entity frame is sorted once (by the
ASOF join itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import duckdb
import pyarrow as pa

from creditrisk.feast_asof import layouts, sql


class Plan(Protocol):
    def statements(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """The SQL the plan runs on ``con``, in order (what ``RetrievalJob.to_sql`` shows)."""
        ...

    def execute(self, con: duckdb.DuckDBPyConnection) -> pa.Table:
        """Run on a fresh connection and return the result."""
        ...


@dataclass(frozen=True)
class QueryPlan:
    """One query whose result is the answer."""

    query: str

    def statements(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        return [self.query]

    def execute(self, con: duckdb.DuckDBPyConnection) -> pa.Table:
        return con.execute(self.query).to_arrow_table()


@dataclass(frozen=True)
class PointInTimePlan:
    """The point-in-time join of ``entity`` (entity rows plus ``sql.ROW_ID``) with feature views.

    The join's encoding is chosen when it runs, from the data (``layouts.view_layout``), so
    the statements depend on the connection's view of the files: ``statements`` reads the
    same data to show them.
    """

    entity: pa.Table
    entity_columns: list[str]
    event_timestamp_column: str
    views: list[sql.ViewJoin]

    def _join_statements(self, con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
        """Register the entity rows, choose each view's encoding; the match and fetch SQL."""
        con.register(sql.ENTITY_RELATION, self.entity)
        if not self.views:
            return None
        chosen = [layouts.view_layout(con, view) for view in self.views]
        return sql.matches_sql(self.event_timestamp_column, self.views, chosen), sql.features_sql(self.views)

    def statements(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        steps = list(self._join_statements(con) or ())
        return [*steps, sql.entity_sql(self.entity_columns)]

    def execute(self, con: duckdb.DuckDBPyConnection) -> pa.Table:
        join = self._join_statements(con)
        features = None
        if join:
            matches_sql, features_sql = join
            # The matches' order is irrelevant and the features query sorts explicitly.
            con.execute("SET preserve_insertion_order = false")
            con.execute(matches_sql)
            features = con.execute(features_sql).to_arrow_table()
            con.execute(f"DROP TABLE {sql.MATCHES}")
        con.execute("SET preserve_insertion_order = true")
        entity = con.execute(sql.entity_sql(self.entity_columns)).to_arrow_table()
        if features is None:
            return entity
        return pa.Table.from_arrays(
            [*entity.columns, *features.columns], names=[*entity.column_names, *features.column_names]
        )
