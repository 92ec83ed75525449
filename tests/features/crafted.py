"""Small hand-made marts following the dbt YAML, for tests built to catch leakage.

Every column the YAML declares is written with its declared type; a test gives the rows it
cares about (keys, timestamps, a few values) and the rest are filled deterministically.
"""

from __future__ import annotations

import zlib
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditrisk.features.schema import load_marts

ARROW_TYPES = {
    "DOUBLE": pa.float64(),
    "BIGINT": pa.int64(),
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
}


def ts(text: str) -> pd.Timestamp:
    """A UTC timestamp from ISO text."""
    return pd.Timestamp(text, tz="UTC")


def _filler(column: str, data_type: str, key: str, event: pd.Timestamp):
    seed = zlib.crc32(f"{column}|{key}|{event.isoformat()}".encode()) % 1000
    kind = data_type.upper()
    if kind == "DOUBLE":
        return float(seed) / 10.0
    if kind == "BIGINT":
        return seed % 7
    if kind == "VARCHAR":
        return f"v{seed % 5}"
    if kind == "BOOLEAN":
        return bool(seed % 2)
    if kind == "DATE":
        return (event - pd.DateOffset(months=1)).date().replace(day=1)
    return event


def mart_table(mart: str, rows: list[dict], created: pd.Timestamp | None = None) -> pa.Table:
    """Arrow table for ``mart`` with every YAML column; ``rows`` give keys, timestamps, overrides."""
    columns = load_marts()[mart]
    key = columns[0].name
    data: dict[str, list] = {c.name: [] for c in columns}
    for row in rows:
        event = pd.Timestamp(row["event_timestamp"])
        for col in columns:
            if col.name in row:
                value = row[col.name]
            elif col.name == "created_timestamp":
                value = created if created is not None else event
            else:
                value = _filler(col.name, col.data_type, str(row[key]), event)
            if isinstance(value, pd.Timestamp):
                value = value.to_pydatetime()
            if isinstance(value, datetime) and col.data_type.upper() == "DATE":
                value = value.date()
            is_plain_date = isinstance(value, date) and not isinstance(value, datetime)
            if is_plain_date and col.data_type.upper() != "DATE":
                value = datetime(value.year, value.month, value.day)
            data[col.name].append(value)
    schema = pa.schema([(c.name, ARROW_TYPES[c.data_type.upper()]) for c in columns])
    return pa.Table.from_pydict(data, schema=schema)


def write_mart(marts_dir: Path, mart: str, rows: list[dict], created: pd.Timestamp | None = None) -> Path:
    marts_dir.mkdir(parents=True, exist_ok=True)
    path = marts_dir / f"{mart}.parquet"
    pq.write_table(mart_table(mart, rows, created), path)
    return path
