"""Labelled data for training: a Feast training set, or any Parquet/CSV file given with ``--dataset``.

With ``--dataset`` the same machinery trains on any labelled table: feature types are inferred, the
id and time columns are taken from the options or detected (``loan_id``/``company_id``/``*_id``;
``event_timestamp``, a known observation-date name or the only date-like column), and everything
else except the label is a feature. Date columns other than the time column are not features (a
raw date leaks the period); Freddie Mac's ``YYYYMM`` integers count as dates.

Many public credit tables are cross-sectional: ratios and a 0/1 label, no id and no time. Then
each row is its own entity (``ROW_ID``) and ``time_col`` is ``None``, which tells training to
evaluate by repeated cross-validation instead of an out-of-time holdout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditrisk.errors import DataError
from creditrisk.model_specs import bookkeeping_columns, get_model_spec
from creditrisk.timeparse import compact_date_format, to_utc

#: The entity column made up for a table without one: each row is its own entity.
ROW_ID = "row_id"

#: Observation-time columns in order of preference when a table has several date columns
#: (a Freddie Mac origination table has ``first_payment_date`` and ``maturity_date``).
TIME_PREFERENCE = (
    "event_timestamp",
    "observation_date",
    "observation_month",
    "as_of_date",
    "monthly_reporting_period",
    "reporting_month",
    "first_payment_date",
    "filing_date",
)

_DATE_NAME_TOKENS = ("timestamp", "_date", "date_", "_month", "month_", "period")


@dataclass
class LabelledData:
    """A frame with its roles named: entity key, observation time, label and typed features."""

    frame: pd.DataFrame
    label: str
    entity_key: str
    #: ``None`` for a cross-sectional table: no observation time, evaluated by cross-validation.
    time_col: str | None
    feature_types: dict[str, str]
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def feature_names(self) -> list[str]:
        return list(self.feature_types)

    @property
    def y(self) -> np.ndarray:
        return self.frame[self.label].to_numpy(dtype=int)


def read_table(path: Path) -> pd.DataFrame:
    """Read a Parquet or CSV file (by suffix) with a clear error when it is neither or unreadable."""
    if not path.exists():
        raise DataError(f"dataset not found: {path}")
    try:
        if path.suffix.lower() in (".parquet", ".pq") or path.is_dir():
            return pd.read_parquet(path)
        if path.suffix.lower() in (".csv", ".txt", ".gz"):
            return pd.read_csv(path, low_memory=False)
    except Exception as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    raise DataError(f"unsupported dataset format {path.suffix!r}: use .parquet or .csv")


def labelled_from_frame(
    frame: pd.DataFrame,
    label: str,
    entity_key: str | None = None,
    time_col: str | None = None,
    manifest: dict[str, Any] | None = None,
    features: list[str] | None = None,
) -> LabelledData:
    """Name the roles of a frame's columns and check the label is binary.

    ``features`` (a Feast training set's manifest names them) fixes the feature list; otherwise
    every column that is not the id, time, label, a date or bookkeeping is a feature. Without an id
    column each row is its own entity; without a time column ``time_col`` is ``None``.
    """
    if label not in frame.columns:
        raise DataError(f"label column '{label}' not in the dataset (columns: {', '.join(map(str, frame))})")
    frame = frame[frame[label].notna()].reset_index(drop=True)
    frame[label] = _binary_label(frame[label], label)
    for name, role in ((entity_key, "id"), (time_col, "time")):
        if name is not None and name not in frame.columns:
            raise DataError(f"{role} column '{name}' not in the dataset")
    entity_key = entity_key or detect_entity_key(frame, label)
    if entity_key is None:
        if ROW_ID in frame.columns:
            raise DataError(f"no id column detected and '{ROW_ID}' is taken; name the id with --id-col")
        frame.insert(0, ROW_ID, np.arange(len(frame)).astype(str))
        entity_key = ROW_ID
    time_col = time_col or detect_time_column(frame, exclude={label, entity_key})
    if time_col is not None:
        frame[time_col] = _to_utc(frame[time_col], time_col)
    if features is not None:
        missing = [name for name in features if name not in frame.columns]
        if missing:
            raise DataError(f"training set lacks its manifest's features: {', '.join(missing)}")
        feature_types = {name: infer_type(frame[name]) or "float" for name in features}
    else:
        skip = {label, entity_key, time_col} | bookkeeping_columns()
        feature_types = {
            str(name): kind
            for name in frame.columns
            if name not in skip
            and not _is_coded_date(frame[name], str(name))
            and (kind := infer_type(frame[name])) is not None
        }
    if not feature_types:
        raise DataError("the dataset has no feature columns besides the id, time and label")
    return LabelledData(frame, label, entity_key, time_col, feature_types, dict(manifest or {}))


def infer_type(series: pd.Series) -> str | None:
    """``float`` / ``int`` / ``str`` for a feature column; ``None`` for dates and all-empty columns."""
    dtype = series.dtype
    if series.isna().all() or pd.api.types.is_datetime64_any_dtype(dtype):
        return None
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_numeric_dtype(dtype):
        return "float"
    sample = series.dropna().head(50)
    if len(sample) and all(hasattr(v, "isoformat") for v in sample):
        return None  # datetime.date objects
    return "str"


def detect_entity_key(frame: pd.DataFrame, label: str) -> str | None:
    """The id column by name (``loan_id``, ``company_id``, ..., the only ``*_id``); ``None`` if none.

    Several ``*_id`` columns are ambiguous and raise: guessing would group rows by the wrong key.
    """
    for name in ("loan_id", "company_id", "entity_id", "id", "loan_sequence_number"):
        if name in frame.columns:
            return name
    candidates = [str(c) for c in frame.columns if str(c).endswith("_id") and c != label]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise DataError(
            f"cannot tell the id column (candidates: {', '.join(candidates)}); name it with --id-col"
        )
    return None


def detect_time_column(frame: pd.DataFrame, exclude: set[str]) -> str | None:
    """The observation-time column; ``None`` when the table has no date column at all.

    A known observation name wins (:data:`TIME_PREFERENCE`); otherwise the one date-like column.
    Several unknown date columns are ambiguous and raise.
    """
    datelike = [
        str(c)
        for c in frame.columns
        if c not in exclude
        and (pd.api.types.is_datetime64_any_dtype(frame[c].dtype) or _has_date_name(str(c)))
    ]
    for name in TIME_PREFERENCE:
        if name in datelike:
            return name
    if len(datelike) == 1:
        return datelike[0]
    if not datelike:
        return None
    raise DataError(
        f"cannot tell the observation-time column (candidates: {', '.join(datelike)}); "
        "name it with --time-col"
    )


def _has_date_name(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered in ("date", "month")
        or lowered.endswith("_at")
        or any(t in lowered for t in _DATE_NAME_TOKENS)
    )


def _is_coded_date(series: pd.Series, name: str) -> bool:
    """A date column that is not the time column: never a feature (it would leak the period).

    Compact integer dates count only under a date-like name, so a quantity such as 200001 in
    ``original_upb`` stays a feature.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    return _has_date_name(name) and compact_date_format(series) is not None


def _binary_label(series: pd.Series, name: str) -> pd.Series:
    values = set(pd.unique(series))
    if values <= {0, 1} or values <= {True, False}:
        return series.astype(int)
    lowered = {str(v).strip().lower() for v in values}
    if lowered <= {"0", "1", "true", "false", "yes", "no"}:
        return series.map(lambda v: str(v).strip().lower() in ("1", "true", "yes")).astype(int)
    raise DataError(f"label '{name}' must be binary (0/1); found values {sorted(map(str, values))[:5]}")


def _to_utc(series: pd.Series, name: str) -> pd.Series:
    converted = to_utc(series, name)
    if converted.isna().any():
        raise DataError(f"time column '{name}' has {int(converted.isna().sum())} missing or bad values")
    return converted


def load_dataset(
    path: Path, label: str, entity_key: str | None = None, time_col: str | None = None
) -> LabelledData:
    """``--dataset``: read the file, name the roles, record a small manifest."""
    frame = read_table(path)
    data = labelled_from_frame(frame, label, entity_key, time_col)
    data.manifest = {
        "source": str(path),
        "rows": len(data.frame),
        "label_rate": float(data.y.mean()),
        "entity_key": data.entity_key,
        "time_col": data.time_col,
        "id_generated": data.entity_key == ROW_ID and entity_key is None,
        "features": data.feature_names,
        "fingerprint": f"{int(pd.util.hash_pandas_object(data.frame, index=False).sum()) % 2**64:016x}",
    }
    return data


def load_training_set(model: str, start: str | None, end: str | None, settings: Any) -> LabelledData:
    """The Feast point-in-time training set for ``model`` (the feast layer's ``build_training_set``)."""
    from creditrisk.features.training_sets import build_training_set  # imports Feast: only when used

    spec = get_model_spec(model)
    training_set = build_training_set(model, start, end, settings=settings)
    manifest = dict(training_set.manifest)
    manifest["path"] = str(training_set.path)
    return labelled_from_frame(
        training_set.frame,
        spec.label_column,
        spec.entity_key,
        "event_timestamp",
        manifest=manifest,
        features=manifest.get("features"),
    )
