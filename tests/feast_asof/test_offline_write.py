"""``AsofDuckDBOfflineStore.offline_write_batch``'s append: atomic, locked, in the file's types."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creditrisk.feast_asof.errors import AsofStoreError
from creditrisk.feast_asof.offline_write import append_parquet

SCHEMA = pa.schema(
    [("k", pa.string()), ("event_timestamp", pa.timestamp("us", tz="UTC")), ("v", pa.float64())]
)


def rows(start: int, n: int) -> pa.Table:
    return pa.table(
        {
            "v": pa.array([float(i) for i in range(start, start + n)]),
            "k": [f"k{i}" for i in range(start, start + n)],
            # nanoseconds and another column order: the append conforms them to the file
            "event_timestamp": pa.array(
                [i * 1_000_000_000 for i in range(start, start + n)], pa.timestamp("ns", tz="UTC")
            ),
        }
    )


def _append_many(path: str, worker: int) -> None:
    for i in range(15):
        append_parquet(Path(path), rows(worker * 1000 + i * 2, 2))


def test_appends_keep_the_files_types_and_order(tmp_path: Path) -> None:
    path = tmp_path / "mart.parquet"
    pq.write_table(
        pa.table({"k": ["a"], "event_timestamp": pa.array([0], pa.timestamp("us", tz="UTC")), "v": [0.5]}),
        path,
    )
    append_parquet(path, rows(1, 3))
    table = pq.read_table(path)
    assert table.schema == SCHEMA
    assert table["k"].to_pylist() == ["a", "k1", "k2", "k3"]
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind


def test_a_missing_column_is_refused_and_the_file_is_untouched(tmp_path: Path) -> None:
    path = tmp_path / "mart.parquet"
    pq.write_table(rows(0, 2).select(["k", "event_timestamp", "v"]), path)
    before = path.read_bytes()
    with pytest.raises(AsofStoreError, match="missing \\['v'\\]"):
        append_parquet(path, rows(5, 1).drop(["v"]))
    assert path.read_bytes() == before


def test_a_folder_source_gets_a_part_file(tmp_path: Path) -> None:
    folder = tmp_path / "mart"
    folder.mkdir()
    pq.write_table(
        rows(0, 2).cast(
            pa.schema(
                [("v", pa.float64()), ("k", pa.string()), ("event_timestamp", pa.timestamp("us", tz="UTC"))]
            )
        ),
        folder / "part-0.parquet",
    )
    append_parquet(folder, rows(2, 2))
    assert len(list(folder.glob("*.parquet"))) == 2
    assert sorted(pq.read_table(folder)["k"].to_pylist()) == ["k0", "k1", "k2", "k3"]


def test_concurrent_writers_in_two_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "mart.parquet"
    pq.write_table(rows(0, 1).select(["k", "event_timestamp", "v"]), path)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(path), w)) for w in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert pq.read_table(path).num_rows == 1 + 2 * 15 * 2
