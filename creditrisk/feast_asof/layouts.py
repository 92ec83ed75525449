"""Per feature view, the narrowest join encoding that is exact for the data at hand.

Most of a training set's time is DuckDB's sort behind the ASOF join, and the sort's cost grows
with the width of what it compares: join keys and the ordering key. The encodings that are
exact for any data are wide: the keys themselves (a string per row, for loan ids) and a
128-bit ``(event, created)`` key. Two cheap reads, run before the join on the same
connection, show when narrower ones give the same answer:

- a ``hash`` of the join keys (64 bits) joins exactly like the keys when no two distinct key
  values on either side share a hash: counting distinct keys and distinct hashes decides it;
- ``(event, created)`` fits 64 bits when the source's time ranges, in the coarsest unit that
  divides every value (a day for month-end marts), multiply to less than 2^62.

The narrow encodings make the match step faster at the cost of two cheap reads (figures in
docs/offline_store.md, "Design measurements"). When a check fails the general encoding is used,
so the answer never depends on the check.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from creditrisk.feast_asof import sql

#: DuckDB key types already as narrow as a hash: hashing them gains nothing.
_INTEGER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
)


def _column_types(con: duckdb.DuckDBPyConnection, relation: str, columns: Sequence[str]) -> list[str]:
    described = con.execute(
        f"DESCRIBE SELECT {', '.join(sql.quote_ident(c) for c in columns)} FROM {relation}"
    ).fetchall()
    return [row[1] for row in described]


def hash_keys_exact(con: duckdb.DuckDBPyConnection, view: sql.ViewJoin) -> bool:
    """Whether joining on ``hash(keys)`` gives exactly the join on the keys.

    Only worth asking for keys wider than an integer, and only meaningful when both sides have
    the same key types (the equality join would otherwise cast one side; a hash would not).
    """
    feature_types = _column_types(con, f"{view.source_sql} AS src", list(view.join_keys))
    entity_types = _column_types(con, sql.ENTITY_RELATION, list(view.join_keys.values()))
    if feature_types != entity_types:
        return False
    if len(feature_types) == 1 and feature_types[0] in _INTEGER_TYPES:
        return False
    row = con.execute(sql.key_collision_sql(view)).fetchone()
    return bool(row and row[0])


def order_packing(con: duckdb.DuckDBPyConnection, view: sql.ViewJoin) -> sql.OrderPacking | None:
    """The 64-bit ``(event, created)`` key this view's data allows, if any (see ``OrderPacking``).

    Without a created-timestamp column the ordering key is the event time, already 64 bits.
    """
    if not view.created_timestamp_column:
        return None
    profile = con.execute(sql.order_profile_sql(view)).fetchone()
    assert profile is not None  # an aggregate without GROUP BY always returns one row
    return sql.packing_from_profile(profile)


def view_layout(con: duckdb.DuckDBPyConnection, view: sql.ViewJoin) -> sql.ViewLayout:
    """The encoding of one view's join; the entity rows must be registered on ``con``."""
    return sql.ViewLayout(hashed_keys=hash_keys_exact(con, view), packing=order_packing(con, view))
