"""The prediction log: every scored entity, hash-chained, in day-partitioned Parquet.

Requests hand records to :meth:`PredictionLog.append`, which only queues them; once the answer
is sent, :meth:`PredictionLog.chain_pending` numbers them (``seq``) and chains them
(``prev_hash`` -> ``record_hash``), and a background thread chains whatever is left and writes one
Parquet file per flush under ``prediction_log/date=YYYY-MM-DD/part-<first seq>.parquet`` so
DuckDB reads the whole log with ``read_parquet('prediction_log/*/*.parquet', hive_partitioning=1)``.

Scoring must never run unlogged, so the API asks :meth:`PredictionLog.check` before it scores:
a failed flush, a log folder that cannot be written, a dead writer or a backlog beyond
``max_pending`` make it raise :class:`LogUnavailableError` and the API answers 503. Records of
a failed flush stay in memory, already chained, and are written by the next successful flush.

``_head.json`` holds the last written ``seq`` and hash, so :func:`verify_log` also notices
records deleted from the end of the chain. One process writes a log folder at a time (an
exclusive ``flock``), because two writers would fork the chain.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import math
import os
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from creditrisk.errors import ConfigurationError, CreditRiskError

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
#: How often the writer thread chains records the requests left queued (writing stays per flush).
CHAIN_SECONDS = 0.02
#: The writer thread's nice value: requests come first on a busy core (see ``_yield_cpu``).
WRITER_NICE = 10
HEAD_FILE = "_head.json"
LOCK_FILE = ".writer.lock"
_PART_RE = re.compile(r"^part-(\d{12})\.parquet$")

#: Column order of every log file; ``record_hash`` covers all the others.
LOG_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("request_id", pa.string()),
        ("scored_at", pa.timestamp("us", tz="UTC")),
        ("model_name", pa.string()),
        ("model_version", pa.string()),
        ("entity_id", pa.string()),
        ("features", pa.string()),
        ("probability", pa.float64()),
        ("decision", pa.int64()),
        ("threshold", pa.float64()),
        ("latency_ms", pa.float64()),
        ("prev_hash", pa.string()),
        ("record_hash", pa.string()),
    ]
)
_HASHED_FIELDS = [name for name in LOG_SCHEMA.names if name != "record_hash"]


class LogUnavailableError(CreditRiskError):
    """The prediction log cannot take records now; the API answers 503 rather than score unlogged."""

    exit_code = 5


@dataclass
class PredictionRecord:
    """One scored entity as the request path hands it over (before numbering and chaining)."""

    request_id: str
    scored_at: datetime
    model_name: str
    model_version: str
    entity_id: str
    features: dict[str, Any]
    probability: float
    decision: int
    threshold: float
    latency_ms: float


def plain_value(value: Any) -> Any:
    """A feature value as plain Python: numpy scalars unwrapped, NaN/inf as None (JSON has neither)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_safe(value: Any) -> Any:
    """Features as JSON DuckDB can parse: plain values, datetimes as ISO strings."""
    value = plain_value(value)
    return value.isoformat() if isinstance(value, datetime) else value


def features_json(features: dict[str, Any]) -> str:
    return json.dumps({k: _json_safe(v) for k, v in features.items()}, sort_keys=True, separators=(",", ":"))


def _canonical(row: dict[str, Any]) -> bytes:
    """The bytes a record's hash covers: every field but the hash, in a fixed textual form."""
    normal: dict[str, Any] = {}
    for name in _HASHED_FIELDS:
        value = row[name]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        elif isinstance(value, float):
            value = repr(value)
        normal[name] = value
    return json.dumps(normal, sort_keys=True, separators=(",", ":")).encode("utf-8")


def record_hash(row: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(row)).hexdigest()


def _chain(records: Iterable[PredictionRecord], seq: int, prev_hash: str) -> list[dict[str, Any]]:
    """Number and hash-chain records starting after ``seq``/``prev_hash``."""
    rows = []
    for record in records:
        seq += 1
        row = {
            "seq": seq,
            "request_id": record.request_id,
            "scored_at": record.scored_at.astimezone(UTC),
            "model_name": record.model_name,
            "model_version": record.model_version,
            "entity_id": record.entity_id,
            "features": features_json(record.features),
            "probability": float(record.probability),
            "decision": int(record.decision),
            "threshold": float(record.threshold),
            "latency_ms": float(record.latency_ms),
            "prev_hash": prev_hash,
        }
        row["record_hash"] = prev_hash = record_hash(row)
        rows.append(row)
    return rows


def part_files(root: Path) -> list[Path]:
    """Every log file, in chain order (by the first ``seq`` in its name, whatever its folder)."""
    if not root.is_dir():
        return []
    found = [
        (int(m.group(1)), p) for p in root.glob("date=*/part-*.parquet") if (m := _PART_RE.match(p.name))
    ]
    return [path for _, path in sorted(found)]


def _read_head(root: Path) -> dict[str, Any] | None:
    path = root / HEAD_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text())


class PredictionLog:
    """Background writer of the hash-chained prediction log (see the module docstring)."""

    def __init__(self, root: Path, flush_seconds: float = 1.0, max_pending: int = 200_000) -> None:
        self.root = root
        self.flush_seconds = flush_seconds
        self.max_pending = max_pending
        self._queue: deque[PredictionRecord] = deque()
        self._chained: list[dict[str, Any]] = []  # numbered and hashed, not yet on disk
        self._seq = 0
        self._last_hash = GENESIS_HASH
        self._error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._flush_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._lock_fd: int | None = None
        self.written = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> PredictionLog:
        """Take the writer lock, resume the chain from what is on disk and start the thread."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(self.root / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o644)
        except OSError as exc:
            raise LogUnavailableError(f"prediction log folder {self.root} is not writable: {exc}") from exc
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise ConfigurationError(
                f"another process is writing the prediction log in {self.root}; one writer per folder"
            ) from exc
        self._seq, self._last_hash = self._resume()
        self._thread = threading.Thread(target=self._run, name="prediction-log-writer", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the thread and flush everything queued (called on API shutdown)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.flush()
        if self._error:
            logger.error("prediction log: %d records could not be written: %s", self.pending, self._error)
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _resume(self) -> tuple[int, str]:
        head = _read_head(self.root)
        if head is not None:
            return int(head["seq"]), str(head["record_hash"])
        files = part_files(self.root)
        if not files:
            return 0, GENESIS_HASH
        last = pq.read_table(files[-1], columns=["seq", "record_hash"]).to_pylist()[-1]
        return int(last["seq"]), str(last["record_hash"])

    # ------------------------------------------------------------------ request path
    @property
    def pending(self) -> int:
        return len(self._queue) + len(self._chained)

    def check(self) -> None:
        """Raise :class:`LogUnavailableError` when records handed over now might not be written."""
        if self._thread is None or not self._thread.is_alive():
            raise LogUnavailableError("prediction log writer is not running")
        if self._error:
            raise LogUnavailableError(f"prediction log cannot be written: {self._error}")
        if not self.root.is_dir() or not os.access(self.root, os.W_OK):
            raise LogUnavailableError(f"prediction log folder {self.root} is not writable")
        if self.pending >= self.max_pending:
            raise LogUnavailableError(f"prediction log backlog of {self.pending} records; writer behind")

    def append(self, records: Iterable[PredictionRecord]) -> None:
        """Queue records for the writer (cheap; deque appends are thread-safe)."""
        self._queue.extend(records)

    def chain_pending(self, most: int) -> None:
        """Number and chain up to ``most`` queued records on the caller's thread, unless the
        writer holds the flush lock (then the writer chains them): this never waits, and the
        work is bounded (a large batch queued meanwhile is left to the writer).

        The API calls it once a response has been sent (a background task of the response), so a
        request's records are chained while its answer travels, one request's worth at a time.
        Left to the writer's ``CHAIN_SECONDS`` cycle, the records of 20 ms of requests were
        chained in one burst of GIL-holding work (JSON and SHA-256, ~55 us a record) that landed
        inside whichever request came next: on a one-core server, one request in ten took 1.5x
        the median or more (docs/serving.md, "Speed").
        """
        if not self._queue or not self._flush_lock.acquire(blocking=False):
            return
        try:
            self._chain_queued(most)
        finally:
            self._flush_lock.release()

    # ------------------------------------------------------------------ writer
    def _run(self) -> None:
        """Chain what requests left queued every ``CHAIN_SECONDS``, write every ``flush_seconds``
        (or when asked), at a lower CPU priority than the requests (:func:`_yield_cpu`)."""
        _yield_cpu()
        written_at = time.monotonic()
        while not self._stop.is_set():
            asked = self._wake.wait(min(CHAIN_SECONDS, self.flush_seconds))
            self._wake.clear()
            if asked or time.monotonic() - written_at >= self.flush_seconds:
                self.flush()
                written_at = time.monotonic()
            else:
                with self._flush_lock:
                    self._chain_queued()

    def _chain_queued(self, most: int | None = None) -> None:
        """Number and chain the queued records, the first ``most`` of them if given (the caller
        holds the flush lock)."""
        batch = []
        while self._queue and (most is None or len(batch) < most):
            batch.append(self._queue.popleft())
        if batch:
            rows = _chain(batch, self._seq, self._last_hash)
            self._seq, self._last_hash = rows[-1]["seq"], rows[-1]["record_hash"]
            self._chained.extend(rows)

    def flush(self) -> int:
        """Chain what is queued and write everything not yet on disk; returns records written."""
        with self._flush_lock:
            self._chain_queued()
            if not self._chained:
                return 0
            try:
                written = self._write(self._chained)
            except OSError as exc:
                self._error = str(exc)
                logger.error("prediction log flush failed (%d records kept): %s", len(self._chained), exc)
                return 0
            self._chained = []
            self._error = None
            self.written += written
            return written

    def _write(self, rows: list[dict[str, Any]]) -> int:
        for day, day_rows in _runs_by_day(rows):
            folder = self.root / f"date={day.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            final = folder / f"part-{day_rows[0]['seq']:012d}.parquet"
            tmp = folder / f".{final.name}.tmp"
            pq.write_table(pa.Table.from_pylist(day_rows, schema=LOG_SCHEMA), tmp)
            os.replace(tmp, final)
        head = {"seq": rows[-1]["seq"], "record_hash": rows[-1]["record_hash"]}
        tmp_head = self.root / f".{HEAD_FILE}.tmp"
        tmp_head.write_text(json.dumps(head))
        os.replace(tmp_head, self.root / HEAD_FILE)
        return len(rows)

    def request_flush(self) -> None:
        self._wake.set()


def _yield_cpu() -> None:
    """Lower the calling thread's scheduling priority to ``WRITER_NICE`` (Linux: a thread is a
    task with its own nice value; raising it needs no privilege).

    A flush's Parquet encoding is a few milliseconds of CPU, mostly outside the GIL; on a server
    with one core the scheduler used to split that core evenly between it and the request being
    answered, so the request took up to a flush longer. At nice 10 the writer gets about a tenth
    of the core while requests want it, which still writes thousands of records a second; the
    backlog limit (``max_pending``, then 503) covers a writer that falls behind anyway.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WRITER_NICE)
    except (AttributeError, OSError) as exc:  # not Linux, or a sandbox that forbids it
        logger.debug("prediction log writer keeps the process priority: %s", exc)


def _runs_by_day(rows: list[dict[str, Any]]) -> Iterator[tuple[date, list[dict[str, Any]]]]:
    """Consecutive runs of rows with the same UTC date (one file each, chain order kept)."""
    run: list[dict[str, Any]] = []
    for row in rows:
        day = row["scored_at"].astimezone(UTC).date()
        if run and run[0]["scored_at"].astimezone(UTC).date() != day:
            yield run[0]["scored_at"].astimezone(UTC).date(), run
            run = []
        run.append(row)
    if run:
        yield run[0]["scored_at"].astimezone(UTC).date(), run


# ---------------------------------------------------------------------- verification
@dataclass
class VerifyReport:
    """The outcome of :func:`verify_log`: how much was checked and the first broken record."""

    files: int = 0
    records: int = 0
    last_seq: int = 0
    problem: str | None = None
    problem_file: Path | None = None
    problem_row: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_log(root: Path) -> VerifyReport:
    """Walk the chain in order and report the first edited, deleted or reordered record.

    A record is *edited* when its stored hash is not the hash of its content, *deleted* or
    *reordered* when the next record's ``seq`` is not one more than the last (or its
    ``prev_hash`` is not the last record's hash), and *truncated* when the chain ends before
    the ``seq`` recorded in ``_head.json``.
    """
    report = VerifyReport()
    if not root.is_dir():
        report.problem = f"no prediction log at {root}"
        return report
    expected_seq, expected_prev = 1, GENESIS_HASH
    for path in part_files(root):
        report.files += 1
        try:
            rows = pq.read_table(path, schema=LOG_SCHEMA).to_pylist()
        except (OSError, pa.ArrowException) as exc:
            return _broken(report, path, None, f"unreadable log file: {exc}")
        for index, row in enumerate(rows):
            seq = row.get("seq")
            if record_hash(row) != row["record_hash"]:
                return _broken(report, path, index, f"record seq={seq} was edited (hash mismatch)")
            if seq != expected_seq:
                how = "deleted" if seq > expected_seq else "reordered or duplicated"
                return _broken(
                    report, path, index, f"record seq={seq} found where seq={expected_seq} expected ({how})"
                )
            if row["prev_hash"] != expected_prev:
                return _broken(report, path, index, f"record seq={seq} does not chain to seq={seq - 1}")
            expected_seq, expected_prev = seq + 1, row["record_hash"]
            report.records += 1
            report.last_seq = seq
    head = _read_head(root)
    if head is not None and (int(head["seq"]), head["record_hash"]) != (report.last_seq, expected_prev):
        report.problem = (
            f"chain ends at seq={report.last_seq} but the head says seq={head['seq']} "
            "(records deleted from the end)"
        )
    return report


def _broken(report: VerifyReport, path: Path, row: int | None, problem: str) -> VerifyReport:
    report.problem, report.problem_file, report.problem_row = problem, path, row
    return report


def read_log(root: Path) -> Any:
    """The whole log as a pandas DataFrame via DuckDB (what an analyst would run)."""
    import duckdb

    with contextlib.closing(duckdb.connect()) as con:
        return con.execute(
            "select * from read_parquet(?, hive_partitioning = true) order by seq",
            [str(root / "date=*" / "part-*.parquet")],
        ).df()
