"""The narrow join encodings (``layouts.py``): exact where chosen, not chosen where not exact.

The packed 64-bit ordering key is checked against the rules it must keep, on values drawn to
sit on and around unit boundaries: feature keys order as ``(event, created)`` with a null
created time lowest, an entity key admits exactly the rows at or before its time, and a since
key exactly the rows the TTL admits (TTLs up to far beyond BIGINT's microseconds). The plan is
then run end to end on data whose layout is known (day, second and microsecond units, a span
too wide to pack, string, integer and compound keys) against a brute-force reference.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_matching import reference, run_plan

from creditrisk.feast_asof import layouts, sql
from creditrisk.feast_asof.retrieval_job import connect

DAY_US = 86_400_000_000
SECOND_US = 1_000_000


@st.composite
def packings_and_rows(draw: st.DrawFn) -> tuple:
    """A packing and times around its range: on the grid, between grid points, far outside."""
    event_unit = draw(st.sampled_from([1, 1_000, SECOND_US, DAY_US]))
    created_unit = draw(st.sampled_from([1, SECOND_US, DAY_US]))
    # Anywhere in +-2^60 us (36,000 years), the packing's time limit being 2^61.
    event_min = draw(st.integers(-(2**60) // event_unit, 2**60 // event_unit)) * event_unit
    created_min = draw(st.integers(-(2**60) // created_unit, 2**60 // created_unit)) * created_unit
    packing = sql.OrderPacking(
        event_min=event_min,
        event_unit=event_unit,
        event_steps=draw(st.integers(0, 50)),
        created_min=created_min,
        created_unit=created_unit,
        created_steps=draw(st.integers(0, 50)),
    )
    event_steps = st.integers(0, packing.event_steps)
    created = st.one_of(
        st.none(), st.integers(0, packing.created_steps).map(lambda i: created_min + i * created_unit)
    )
    rows = draw(
        st.lists(
            st.tuples(event_steps.map(lambda i: event_min + i * event_unit), created), min_size=1, max_size=12
        )
    )
    span = (packing.event_steps + 2) * event_unit
    near = st.integers(event_min - span, event_min + 2 * span)
    entity_times = draw(st.lists(st.one_of(near, st.integers(-(2**62), 2**62)), min_size=1, max_size=12))
    ttls = draw(st.lists(st.one_of(st.integers(0, 3 * span), st.integers(0, 2**70)), min_size=1, max_size=4))
    return packing, rows, entity_times, ttls


@settings(max_examples=150, deadline=None)
@given(packings_and_rows())
def test_packed_keys_keep_order_visibility_and_ttl(case: tuple) -> None:
    packing, rows, entity_times, ttls = case
    assert packing.fits()
    con = duckdb.connect()
    try:
        keys = []
        for event, created in rows:
            created_us = "NULL" if created is None else str(created)
            key = packing.feature_key(f"{event}::BIGINT", f"{created_us}::BIGINT")
            keys.append(con.execute(f"SELECT {key}").fetchone()[0])
        # Order: (event, created) with a null created time lowest.
        ranks = [(event, -1 if created is None else 1, created or 0) for event, created in rows]
        for i in range(len(rows)):
            for j in range(len(rows)):
                assert (keys[i] < keys[j]) == (ranks[i] < ranks[j])
                assert (keys[i] == keys[j]) == (ranks[i] == ranks[j])
        for at in entity_times:
            entity_key = con.execute(f"SELECT {packing.entity_key(f'{at}::BIGINT')}").fetchone()[0]
            for (event, _), key in zip(rows, keys, strict=True):
                assert (entity_key >= key) == (event <= at)
            for ttl in ttls:
                since = con.execute(f"SELECT {packing.since_key(f'{at}::BIGINT', ttl)}").fetchone()[0]
                for (event, _), key in zip(rows, keys, strict=True):
                    assert (key >= since) == (event >= at - ttl)
    finally:
        con.close()


def profile_of(values: dict[str, list]) -> tuple:
    """The ``order_profile_sql`` row over a one-file source of the given timestamp columns."""
    con = duckdb.connect()
    try:
        con.register("src_rows", pa.table(values))
        view = sql.ViewJoin(
            source_sql="src_rows",
            join_keys={"k": "k"},
            timestamp_field="ts",
            created_timestamp_column="created",
            features={},
            ttl=None,
        )
        return con.execute(sql.order_profile_sql(view)).fetchone()
    finally:
        con.close()


def stamps(*values: datetime | None) -> pa.Array:
    return pa.array(list(values), pa.timestamp("ns", tz="UTC"))


def test_the_coarsest_whole_unit_and_the_range_are_read_from_the_data() -> None:
    day = datetime(2020, 1, 1, tzinfo=UTC)
    days = {
        "k": ["a", "b", "c"],
        "ts": stamps(day, day + timedelta(days=3), day + timedelta(days=1)),
        "created": stamps(day, None, day + timedelta(days=9)),
    }
    packing = sql.packing_from_profile(profile_of(days))
    assert packing is not None
    assert (packing.event_unit, packing.event_steps) == (DAY_US, 3)
    assert (packing.created_unit, packing.created_steps) == (DAY_US, 9)
    # One value a second off the day grid makes seconds the unit; a microsecond off, microseconds.
    seconds = {**days, "ts": stamps(day, day + timedelta(days=3), day + timedelta(seconds=1))}
    assert sql.packing_from_profile(profile_of(seconds)).event_unit == SECOND_US
    before_1970 = datetime(1969, 12, 31, 23, 59, 58, 999_999, tzinfo=UTC)
    micros = {**days, "created": stamps(day, None, before_1970)}
    assert sql.packing_from_profile(profile_of(micros)).created_unit == 1


def test_no_packing_when_the_key_would_not_fit_or_there_are_no_rows() -> None:
    start = datetime(1900, 1, 1, tzinfo=UTC)
    wide = {
        "k": ["a", "b"],
        "ts": stamps(start, datetime(2100, 1, 1, 0, 0, 0, 1, tzinfo=UTC)),
        "created": stamps(start, datetime(2100, 1, 1, 0, 0, 0, 3, tzinfo=UTC)),
    }
    assert sql.packing_from_profile(profile_of(wide)) is None
    empty = {"k": pa.array([], pa.string()), "ts": stamps(), "created": stamps()}
    assert sql.packing_from_profile(profile_of(empty)) is None


def write_source(path: Path, features: pd.DataFrame) -> str:
    pq.write_table(pa.Table.from_pandas(features, preserve_index=False), path)
    return str(path)


def layout_for(path: str, entity: pd.DataFrame, join_keys: dict[str, str]) -> sql.ViewLayout:
    view = sql.ViewJoin(
        source_sql=sql.renamed_scan([path], {}, []),
        join_keys=join_keys,
        timestamp_field="ts",
        created_timestamp_column="created",
        features={"value": "value"},
        ttl=None,
    )
    con = connect()
    try:
        con.register(sql.ENTITY_RELATION, pa.Table.from_pandas(entity, preserve_index=False))
        return layouts.view_layout(con, view)
    finally:
        con.close()


def grid_case(rng: np.random.Generator, unit: pd.Timedelta, steps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features on a grid of ``unit`` (restatements on a later grid point), entity times on,
    just before and just after grid points, and outside the range."""
    base = pd.Timestamp("2021-03-01")
    rows = 4_000
    event = base + unit * rng.integers(0, steps, rows)
    created = pd.Series(event + unit * rng.integers(0, 3, rows))
    created[rng.random(rows) < 0.1] = pd.NaT
    features = pd.DataFrame(
        {"key": rng.choice(["a", "b", "c", "d"], rows), "ts": event, "created": created.to_numpy()}
    )
    features = features.drop_duplicates(["key", "ts", "created"]).reset_index(drop=True)
    features["value"] = np.arange(len(features), dtype="float64")
    nudge = pd.to_timedelta(rng.choice([-1, 0, 1], 1_500), unit="us")
    entity = pd.DataFrame(
        {
            "key": rng.choice(["a", "b", "c", "e"], 1_500).astype(object),
            "ts": base + unit * rng.integers(-2, steps + 2, 1_500) + nudge,
        }
    )
    return features, entity


@pytest.mark.parametrize(
    ("unit", "expected_unit"),
    [(pd.Timedelta(days=1), DAY_US), (pd.Timedelta(seconds=7), SECOND_US), (pd.Timedelta(microseconds=3), 1)],
)
def test_packed_and_hashed_plan_matches_reference(
    tmp_path: Path, unit: pd.Timedelta, expected_unit: int
) -> None:
    features, entity = grid_case(np.random.default_rng(5), unit, steps=60)
    path = write_source(tmp_path / "f.parquet", features)
    layout = layout_for(path, entity, {"key": "key"})
    assert layout.hashed_keys
    assert layout.packing is not None and layout.packing.event_unit == expected_unit
    # TTLs on, between and off the grid, and none.
    for ttl in (None, unit * 5, unit * 5 + timedelta(microseconds=1), unit * 5 - timedelta(microseconds=1)):
        result = run_plan([path], entity, ttl, created=True)
        expected = reference(entity, features, ttl, created=True)
        pd.testing.assert_series_equal(result["value"].to_pandas(), expected, check_names=False)


def test_wide_time_span_falls_back_to_the_general_key(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    features, entity = grid_case(rng, pd.Timedelta(microseconds=1), steps=60)
    # A century-old restatement: microsecond units over a century do not fit 62 bits squared.
    features.loc[0, "created"] = pd.Timestamp("1921-01-01 00:00:00.000001")
    features.loc[1, "ts"] = pd.Timestamp("1921-01-01 00:00:00.000003")
    path = write_source(tmp_path / "f.parquet", features)
    assert layout_for(path, entity, {"key": "key"}).packing is None
    for ttl in (None, timedelta(microseconds=20)):
        result = run_plan([path], entity, ttl, created=True)
        expected = reference(entity, features, ttl, created=True)
        pd.testing.assert_series_equal(result["value"].to_pandas(), expected, check_names=False)


def test_integer_keys_and_keys_of_different_types_are_not_hashed(tmp_path: Path) -> None:
    at = pd.Timestamp("2021-03-01")
    features = pd.DataFrame(
        {"key": [1, 2], "name": ["a", "b"], "ts": [at, at], "created": [at, at], "value": [1.0, 2.0]}
    )
    path = write_source(tmp_path / "f.parquet", features)
    assert not layout_for(path, pd.DataFrame({"key": [1, 3], "ts": [at, at]}), {"key": "key"}).hashed_keys
    # An int32 entity key against the source's int64, and a string against an integer.
    int32 = pd.DataFrame({"name": ["a"], "key": pd.Series([1], dtype="int32"), "ts": [at]})
    assert not layout_for(path, int32, {"name": "name", "key": "key"}).hashed_keys
    mismatched = pd.DataFrame({"key": ["1"], "ts": [at]})
    assert not layout_for(path, mismatched, {"key": "key"}).hashed_keys
    # A compound key with a string in it is hashed as one value.
    compound = pd.DataFrame({"name": ["a", "z"], "key": [1, 1], "ts": [at, at]})
    assert layout_for(path, compound, {"name": "name", "key": "key"}).hashed_keys
