"""Appending pushed rows to a local Parquet batch source (``offline_write_batch``).

``FeatureStore.push(..., to=PushMode.OFFLINE)`` ends in the offline store's
``offline_write_batch``. The built-in DuckDB store's version reads the whole file, concatenates
and writes it back in place with no lock: a reader in another process can see a half-written
file, and two writers lose one batch. Here:

- one writer at a time per source (an exclusive ``flock`` on ``<path>.lock`` beside it), across
  processes (the API, the stream consumer and the CLI can push at once);
- a single-file source is rewritten to a temporary file in the same directory and moved over
  the old one with ``os.replace`` (atomic: a reader sees the old file or the new one);
- a folder source gets one new part file per batch (no rewrite at all);
- the new rows are cast to the existing file's schema, so the file keeps dbt's types
  (``docs/contracts.md``) and a reader never meets two schemas.

The file's contents change, so its fingerprint (``creditrisk.features.training_sets``) does too and a training
set built after a push is a new dataset.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from creditrisk.feast_asof.errors import AsofStoreError


@contextmanager
def _source_lock(path: Path) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _conform(table: pa.Table, schema: pa.Schema, path: Path) -> pa.Table:
    """``table`` with ``schema``'s columns, order and types; a missing or extra column is an error."""
    missing = [name for name in schema.names if name not in table.column_names]
    extra = [name for name in table.column_names if name not in schema.names]
    if missing or extra:
        raise AsofStoreError(
            f"rows for {path} do not match its columns: missing {missing}, unexpected {extra}"
        )
    try:
        return table.select(schema.names).cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise AsofStoreError(f"rows for {path} cannot take its column types: {exc}") from exc


def _write_atomically(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def append_parquet(path: Path, table: pa.Table) -> None:
    """Append ``table``'s rows to the Parquet file or folder at ``path`` (see the module doc)."""
    if table.num_rows == 0:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with _source_lock(path):
        if path.is_dir():
            parts = sorted(path.glob("*.parquet"))
            if parts:
                table = _conform(table, pq.read_schema(parts[0]), path)
            _write_atomically(table, path / f"pushed-{uuid.uuid4().hex}.parquet")
        elif path.exists():
            existing = pq.read_table(path)
            combined = pa.concat_tables([existing, _conform(table, existing.schema, path)])
            _write_atomically(combined, path)
        else:
            _write_atomically(table, path)
