"""Where the report's frame comes from: a Parquet/CSV file, or the point-in-time training set.

Files come from anywhere (an auditor's extract, a dbt mart), so dates in CSV are recognised by
name and parsed to UTC, the same as the Parquet/Feast path delivers them.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from creditrisk.errors import ConfigurationError, DataError
from creditrisk.model_specs import get_model_spec
from creditrisk.settings import Settings
from creditrisk.timeparse import compact_date_format, to_utc

#: Share of non-empty values that must parse for a CSV column to be taken as a date.
_DATE_PARSE_SHARE = 0.95
_DATE_NAME = re.compile(r"(date|timestamp|month|_at$|time$)", re.IGNORECASE)


def label_for(model: str) -> str:
    """The label column a model's training set carries."""
    return get_model_spec(model).label_column


def load_dataset(path: Path) -> pd.DataFrame:
    """Read a Parquet file/folder or a CSV file; timestamps (and YYYYMM dates) become UTC."""
    if not path.exists():
        raise DataError(f"dataset not found: {path}")
    suffix = path.suffix.lower()
    try:
        if path.is_dir() or suffix in {".parquet", ".pq"}:
            frame = pd.read_parquet(path)
        elif suffix in {".csv", ".txt", ".gz"}:
            frame = _parse_csv_dates(pd.read_csv(path, low_memory=False))
        else:
            raise DataError(
                f"dataset {path}: expected a .parquet or .csv file, got '{suffix or 'no suffix'}'"
            )
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"could not read dataset {path}: {exc}") from exc
    if frame.empty:
        raise DataError(f"dataset {path} has no rows")
    return normalise_timestamps(frame)


def training_set_frame(model: str, start: Any, end: Any, settings: Settings) -> pd.DataFrame:
    """The point-in-time training set from Feast, timestamps in UTC.

    Feast is imported only here: the report also works on plain files without a feature store.
    """
    from creditrisk.features.training_sets import build_training_set

    frame = build_training_set(model, start, end, settings).frame
    if frame.empty:
        raise DataError(f"the training set for {model} between {start} and {end} is empty")
    return normalise_timestamps(frame)


def parse_month(value: str) -> datetime:
    """``YYYY-MM`` or ``YYYY-MM-DD`` as a UTC timestamp (the CLI's --start/--end)."""
    try:
        return pd.Timestamp(value if len(value) > 7 else f"{value}-01", tz="UTC").to_pydatetime()
    except ValueError as exc:
        raise ConfigurationError(f"not a date: '{value}' (use YYYY-MM or YYYY-MM-DD)") from exc


def _parse_csv_dates(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        series = frame[column]
        if series.dtype != object or not _DATE_NAME.search(str(column)):
            continue
        parsed = pd.to_datetime(series, utc=True, errors="coerce", format="mixed")
        present = series.notna().sum()
        if present and parsed.notna().sum() >= _DATE_PARSE_SHARE * present:
            frame[column] = parsed
    return frame


def normalise_timestamps(frame: pd.DataFrame) -> pd.DataFrame:
    """Naive timestamps and DATE columns (objects of datetime.date) become UTC timestamps."""
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            if getattr(series.dt, "tz", None) is None:
                frame[column] = series.dt.tz_localize("UTC")
            else:
                frame[column] = series.dt.tz_convert("UTC")
        elif _DATE_NAME.search(str(column)) and compact_date_format(series) is not None:
            frame[column] = to_utc(series, str(column))  # Freddie Mac's YYYYMM, or YYYYMMDD
        elif series.dtype == object and _DATE_NAME.search(str(column)):
            sample = series.dropna().head(20)
            if len(sample) and all(hasattr(v, "year") and hasattr(v, "month") for v in sample):
                frame[column] = pd.to_datetime(series, utc=True, errors="coerce")
    return frame
