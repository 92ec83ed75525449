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

from creditrisk.feast_asof import sql


class Plan(Protocol):
    def statements(self) -> list[str]:
        """The SQL the plan runs, in order (what ``RetrievalJob.to_sql`` shows)."""
        ...

    def execute(self, con: duckdb.DuckDBPyConnection) -> pa.Table:
        """Run on a fresh connection and return the result."""
        ...


@dataclass(frozen=True)
class QueryPlan:
    """One query whose result is the answer."""

    query: str

    def statements(self) -> list[str]:
        return [self.query]

    def execute(self, con: duckdb.DuckDBPyConnection) -> pa.Table:
        return con.execute(self.query).to_arrow_table()


@dataclass(frozen=True)
class PointInTimePlan:
    """The point-in-time join of ``entity`` (entity rows plus ``sql.ROW_ID``) with feature views."""

    entity: pa.Table
    entity_columns: list[str]
    matches_sql: str | None
    features_sql: str | None

    def statements(self) -> list[str]:
        steps = [self.matches_sql, self.features_sql, sql.entity_sql(self.entity_columns)]
        return [step for step in steps if step]

    def execute(self, con: duckdb.DuckDBPyConnection) -> pa.Table:
        con.register(sql.ENTITY_RELATION, self.entity)
        features = None
        if self.matches_sql and self.features_sql:
            # The matches' order is irrelevant and the features query sorts explicitly.
            con.execute("SET preserve_insertion_order = false")
            con.execute(self.matches_sql)
            features = con.execute(self.features_sql).to_arrow_table()
            con.execute(f"DROP TABLE {sql.MATCHES}")
        con.execute("SET preserve_insertion_order = true")
        entity = con.execute(sql.entity_sql(self.entity_columns)).to_arrow_table()
        if features is None:
            return entity
        return pa.Table.from_arrays(
            [*entity.columns, *features.columns], names=[*entity.column_names, *features.column_names]
        )
