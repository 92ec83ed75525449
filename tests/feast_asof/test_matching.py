"""The point-in-time plan (match by row id, fetch, line up) against a brute-force reference.

The differential tests compare with Feast's built-in store on the twin repo; these run the
plan directly on cases that repo cannot build: a source spread over several files (row ids
must name rows across files), times before 1970 (negative epoch microseconds in the packed
ordering key), a TTL far larger than any time span (the TTL bound must not overflow), null
entity times and keys, and many rows, so DuckDB's parallel scan and sort really run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creditrisk.feast_asof import sql
from creditrisk.feast_asof.plans import PointInTimePlan
from creditrisk.feast_asof.retrieval_job import connect

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def reference(
    entity: pd.DataFrame, features: pd.DataFrame, ttl: timedelta | None, *, created: bool
) -> pd.Series:
    """Feast's rule with a binary search per entity row: among a key's rows sorted by (event,
    created with nulls lowest), the last at or before the entity time, if the TTL admits it."""
    order = ["ts", "created"] if created else ["ts"]
    by_key = {
        key: rows.sort_values(order, na_position="first", kind="mergesort")
        for key, rows in features.groupby("key")
    }
    answers = []
    for key, at in zip(entity["key"], entity["ts"], strict=True):
        rows = by_key.get(key)
        if rows is None or pd.isna(at):
            answers.append(np.nan)
            continue
        position = np.searchsorted(rows["ts"].to_numpy(), np.datetime64(at), side="right") - 1
        # A TTL longer than pandas can add (~292 years) filters nothing in these cases.
        too_old = ttl and ttl < timedelta(days=365 * 200) and rows["ts"].iloc[position] + ttl < at
        answers.append(np.nan if position < 0 or too_old else rows["value"].iloc[position])
    return pd.Series(answers, dtype="float64")


def run_plan(paths: list[str], entity: pd.DataFrame, ttl: timedelta | None, *, created: bool) -> pa.Table:
    view = sql.ViewJoin(
        source_sql=sql.renamed_scan(paths, {}, []),
        join_keys={"key": "key"},
        timestamp_field="ts",
        created_timestamp_column="created" if created else None,
        features={"value": "value"},
        ttl=ttl,
    )
    table = pa.Table.from_pandas(entity, preserve_index=False)
    table = table.append_column(sql.ROW_ID, pa.array(np.arange(len(entity), dtype=np.int64)))
    plan = PointInTimePlan(
        entity=table,
        entity_columns=list(entity.columns),
        event_timestamp_column="ts",
        views=[view],
    )
    con = connect(threads=2)
    try:
        return plan.execute(con)
    finally:
        con.close()


def random_case(rng: np.random.Generator, rows: int, entity_rows: int, base: datetime) -> tuple:
    hours = lambda n: pd.to_datetime(base) + pd.to_timedelta(rng.integers(0, 200, n), unit="h")  # noqa: E731
    created = hours(rows).to_series().reset_index(drop=True)
    created[rng.random(rows) < 0.2] = pd.NaT
    features = pd.DataFrame(
        {
            "key": rng.choice(["a", "b", "c", "d"], rows),
            "ts": hours(rows),
            "created": created.values,
            # Unique values, so any wrong pick shows.
            "value": np.arange(rows, dtype="float64"),
        }
    )
    # Ties on (key, ts, created) have no defined answer in Feast either: keep one of each.
    features = features.drop_duplicates(["key", "ts", "created"]).reset_index(drop=True)
    entity = pd.DataFrame(
        {
            "key": rng.choice(["a", "b", "c", "e"], entity_rows).astype(object),
            "ts": hours(entity_rows) + pd.to_timedelta(rng.integers(-1, 2, entity_rows), unit="us"),
        }
    )
    return features, entity


@pytest.mark.parametrize("created", [True, False])
def test_source_over_several_files_matches_reference(tmp_path: Path, created: bool) -> None:
    rng = np.random.default_rng(7)
    features, entity = random_case(rng, rows=30_000, entity_rows=3_000, base=datetime(2024, 1, 1))
    if not created:
        # Without a created column, rows tying on (key, event time) have no defined answer.
        features = features.drop_duplicates(["key", "ts"]).reset_index(drop=True)
    # Three files, the rows shuffled so file order and time order differ.
    shuffled = features.sample(frac=1.0, random_state=1).reset_index(drop=True)
    for part, chunk in enumerate(shuffled.iloc[i::3] for i in range(3)):
        pq.write_table(pa.Table.from_pandas(chunk, preserve_index=False), tmp_path / f"part{part}.parquet")
    ttl = timedelta(hours=30)
    result = run_plan([str(tmp_path / "*.parquet")], entity, ttl, created=created)
    expected = reference(entity, features, ttl, created=created)
    pd.testing.assert_series_equal(result["value"].to_pandas(), expected, check_names=False)
    # The entity columns come back unchanged and in order.
    assert result["key"].to_pylist() == entity["key"].tolist()


def test_times_before_1970_null_entity_rows_and_an_enormous_ttl(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    features, entity = random_case(rng, rows=400, entity_rows=200, base=datetime(1969, 12, 28))
    entity.loc[::17, "ts"] = pd.NaT
    entity.loc[::23, "key"] = None
    pq.write_table(pa.Table.from_pandas(features, preserve_index=False), tmp_path / "f.parquet")
    for ttl in (None, timedelta(days=999_999_999), timedelta(hours=5)):
        result = run_plan([str(tmp_path / "f.parquet")], entity, ttl, created=True)
        expected = reference(entity, features, ttl, created=True)
        pd.testing.assert_series_equal(result["value"].to_pandas(), expected, check_names=False)
    assert (features["ts"] < pd.Timestamp(EPOCH).tz_localize(None)).any()
