"""The prediction log: day-partitioned Parquet DuckDB reads, a hash chain verify checks end to end."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from creditrisk.cli import app
from creditrisk.errors import ConfigurationError
from serving.prediction_log import (
    LogUnavailableError,
    PredictionLog,
    PredictionRecord,
    part_files,
    read_log,
    verify_log,
)


def _record(i: int, when: datetime | None = None) -> PredictionRecord:
    return PredictionRecord(
        request_id=f"req-{i // 3}",
        scored_at=when or datetime.now(UTC),
        model_name="loan_default",
        model_version="1",
        entity_id=f"F24Q1{i:07d}",
        features={"credit_score": 700.0 + i, "state": "CA", "dti": float("nan")},
        probability=0.01 * (i % 100),
        decision=int(i % 7 == 0),
        threshold=0.2,
        latency_ms=1.5,
    )


def _write(root: Path, batches: list[list[PredictionRecord]]) -> None:
    log = PredictionLog(root, flush_seconds=60).start()
    try:
        for batch in batches:
            log.check()
            log.append(batch)
            log.flush()
    finally:
        log.close()


@pytest.fixture
def log_root(tmp_path: Path) -> Path:
    root = tmp_path / "prediction_log"
    day1 = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
    _write(
        root,
        [
            [_record(i, day1) for i in range(5)],
            [_record(i, day1 + timedelta(seconds=2)) for i in range(5, 12)],
            [_record(i) for i in range(12, 20)],
        ],
    )
    return root


def test_records_land_in_day_partitions_duckdb_can_query(log_root: Path) -> None:
    days = sorted(p.name for p in log_root.glob("date=*"))
    assert days[:2] == ["date=2026-03-01", "date=2026-03-02"]
    frame = read_log(log_root)
    assert list(frame["seq"]) == list(range(1, 21))
    assert frame["scored_at"].dt.tz is not None
    assert frame["features"].iloc[0] == '{"credit_score":700.0,"dti":null,"state":"CA"}'
    assert verify_log(log_root).ok


def test_chain_resumes_across_restarts(log_root: Path) -> None:
    _write(log_root, [[_record(i) for i in range(20, 23)]])
    report = verify_log(log_root)
    assert report.ok, report.problem
    assert report.records == 23 and report.last_seq == 23


def test_verify_detects_an_edited_record(log_root: Path) -> None:
    path = part_files(log_root)[1]
    table = pq.read_table(path).to_pandas()
    table.loc[3, "probability"] = 0.0001
    table.to_parquet(path, index=False)
    report = verify_log(log_root)
    assert not report.ok and "edited" in report.problem
    assert report.problem_file == path and report.problem_row == 3
    result = CliRunner().invoke(app, ["log", "verify", "--path", str(log_root)])
    assert result.exit_code != 0


def test_verify_detects_a_deleted_record(log_root: Path) -> None:
    path = part_files(log_root)[0]
    table = pq.read_table(path)
    pq.write_table(_drop_row(table, 2), path)
    report = verify_log(log_root)
    assert not report.ok and "deleted" in report.problem and "seq=4" in report.problem


def test_verify_detects_reordered_records(log_root: Path) -> None:
    path = part_files(log_root)[2]
    frame = pq.read_table(path).to_pandas()
    frame = frame.iloc[[1, 0, *range(2, len(frame))]]
    frame.to_parquet(path, index=False)
    assert "reordered" in verify_log(log_root).problem or "deleted" in verify_log(log_root).problem
    assert not verify_log(log_root).ok


def test_verify_detects_a_deleted_file_and_a_truncated_tail(log_root: Path) -> None:
    files = part_files(log_root)
    files[-1].unlink()
    report = verify_log(log_root)
    assert not report.ok and "head says seq=20" in report.problem
    files[0].unlink()
    assert "deleted" in verify_log(log_root).problem


def test_cli_verify_passes_on_an_intact_log(log_root: Path) -> None:
    result = CliRunner().invoke(app, ["log", "verify", "--path", str(log_root)])
    assert result.exit_code == 0, result.output
    assert "20 records" in result.output


def test_unwritable_folder_makes_check_fail_and_keeps_records(tmp_path: Path) -> None:
    root = tmp_path / "prediction_log"
    log = PredictionLog(root, flush_seconds=60).start()
    try:
        log.append([_record(1)])
        moved = tmp_path / "moved"
        root.rename(moved)
        root.write_text("not a folder")  # works even as root, unlike chmod
        with pytest.raises(LogUnavailableError):
            log.check()
        assert log.flush() == 0 and log.pending == 1
        root.unlink()
        moved.rename(root)
        assert log.flush() == 1 and log.pending == 0
        log.check()
    finally:
        log.close()
    assert verify_log(root).ok


def test_one_writer_per_folder(tmp_path: Path) -> None:
    first = PredictionLog(tmp_path / "log").start()
    try:
        with pytest.raises(ConfigurationError, match="another process"):
            PredictionLog(tmp_path / "log").start()
    finally:
        first.close()


def test_close_flushes_what_is_queued(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path / "log", flush_seconds=3600).start()
    log.append([_record(i) for i in range(50)])
    log.close()
    assert verify_log(tmp_path / "log").records == 50


def _drop_row(table, index: int):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.concat_tables([table.slice(0, index), table.slice(index + 1)])


def test_chain_pending_chains_at_most_the_given_records_in_order(tmp_path: Path) -> None:
    """What the API does once an answer is sent: chain that request's records, never more
    (a large batch queued meanwhile is the writer's), and the chain stays one chain."""
    root = tmp_path / "prediction_log"
    log = PredictionLog(root, flush_seconds=60)
    log.append([_record(i) for i in range(3)])
    log.chain_pending(2)
    assert [row["seq"] for row in log._chained] == [1, 2]
    assert log.pending == 3
    log.append([_record(i) for i in range(3, 5)])
    log.chain_pending(10)
    assert [row["seq"] for row in log._chained] == [1, 2, 3, 4, 5]
    log.start()
    try:
        log.flush()
    finally:
        log.close()
    assert verify_log(root).ok
    assert list(read_log(root)["entity_id"]) == [_record(i).entity_id for i in range(5)]


def test_chain_pending_never_waits_for_the_writer(tmp_path: Path) -> None:
    """While the writer holds the flush lock (a Parquet write), the request path leaves its
    records queued instead of blocking the event loop; the writer chains them afterwards."""
    log = PredictionLog(tmp_path / "prediction_log", flush_seconds=60)
    log.append([_record(0)])
    with log._flush_lock:
        log.chain_pending(1)  # returns at once: a blocking acquire would deadlock this test
        assert log._chained == [] and log.pending == 1
    log.chain_pending(1)
    assert [row["seq"] for row in log._chained] == [1]


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are a Linux feature here")
def test_the_writer_runs_at_a_lower_priority_than_requests(tmp_path: Path) -> None:
    from serving.prediction_log import WRITER_NICE

    log = PredictionLog(tmp_path / "prediction_log", flush_seconds=60).start()
    try:
        writer = log._thread
        assert writer is not None and writer.native_id is not None
        deadline = time.monotonic() + 5
        while (
            os.getpriority(os.PRIO_PROCESS, writer.native_id) != WRITER_NICE and time.monotonic() < deadline
        ):
            time.sleep(0.01)  # the thread lowers its own priority as it starts
        assert os.getpriority(os.PRIO_PROCESS, writer.native_id) == WRITER_NICE
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < WRITER_NICE  # callers keep theirs
    finally:
        log.close()
