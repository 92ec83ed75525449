"""Which column plays which part: label, identifiers, the time axis, numeric and categorical features.

A report on an arbitrary dataset file must not analyse identifiers as features or treat a
timestamp as a number, so roles are inferred from names and dtypes, and every column left out
is listed with the reason, so the reader can see that nothing was dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from creditrisk.errors import DataError

#: Preferred time axes, best first: the observation month of a label row beats the moment a
#: value became known, which beats any other timestamp.
TIME_COLUMN_PREFERENCE = (
    "observation_month",
    "period_end_date",
    "reporting_month",
    "event_timestamp",
)
#: Datetime columns that give a cohort (vintage) rather than an observation time.
VINTAGE_PATTERN = re.compile(r"(orig|vintage|first_payment)", re.IGNORECASE)
#: Names that look like identifiers.
ID_PATTERN = re.compile(r"(^id$|_id$|^id_)", re.IGNORECASE)
#: Text columns with more distinct values than this are identifiers or free text, not categories.
MAX_CATEGORIES = 50


@dataclass(frozen=True)
class ColumnRoles:
    """The part each column plays in the report."""

    label: str
    numeric: list[str]
    categorical: list[str]
    id_columns: list[str]
    time_column: str | None
    vintage_column: str | None
    ignored: dict[str, str] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]


def infer_roles(
    frame: pd.DataFrame,
    label: str,
    *,
    time_column: str | None = None,
    id_columns: list[str] | None = None,
) -> ColumnRoles:
    """Assign every column a role; named columns must exist, others are detected."""
    _require_columns(frame, [label, *(id_columns or []), *([time_column] if time_column else [])])
    datetimes = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if time_column is None:
        time_column = _detect_time_column(datetimes)
    elif not pd.api.types.is_datetime64_any_dtype(frame[time_column]):
        raise DataError(f"time column '{time_column}' is not a date or timestamp column")
    ids = list(id_columns) if id_columns is not None else [c for c in frame.columns if ID_PATTERN.search(c)]
    vintage = next((c for c in datetimes if c != time_column and VINTAGE_PATTERN.search(c)), None)
    ignored: dict[str, str] = {}
    numeric: list[str] = []
    categorical: list[str] = []
    for column in frame.columns:
        if column in {label, time_column, vintage, *ids}:
            continue
        role, reason = _feature_role(frame[column])
        if role == "numeric":
            numeric.append(column)
        elif role == "categorical":
            categorical.append(column)
        else:
            ignored[column] = reason
    if not numeric:
        raise DataError("the dataset has no numeric feature to analyse")
    return ColumnRoles(
        label, numeric, categorical, [c for c in ids if c != label], time_column, vintage, ignored
    )


def binary_label(frame: pd.DataFrame, label: str) -> pd.Series:
    """The label as int8 0/1; anything else is an error naming the offending values."""
    _require_columns(frame, [label])
    values = frame[label]
    if values.isna().any():
        raise DataError(
            f"label '{label}' has {int(values.isna().sum())} missing values; label every row first"
        )
    if pd.api.types.is_bool_dtype(values):
        return values.astype("int8")
    if not pd.api.types.is_numeric_dtype(values):
        raise DataError(f"label '{label}' must be 0/1, found dtype {values.dtype}")
    bad = sorted(set(np.unique(values.to_numpy()).tolist()) - {0, 1})
    if bad:
        raise DataError(f"label '{label}' must be 0/1, found values {bad[:5]}")
    if values.nunique() < 2:
        raise DataError(f"label '{label}' has a single class; the report compares classes")
    return values.astype("int8")


def _feature_role(series: pd.Series) -> tuple[str, str]:
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        return "ignored", "timestamp other than the time axis"
    non_null = series.dropna()
    if non_null.empty:
        return "ignored", "all values missing"
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        if non_null.nunique() < 2:
            return "ignored", "constant"
        return "numeric", ""
    distinct = non_null.astype(str).nunique()
    if distinct > MAX_CATEGORIES:
        return "ignored", f"text with {distinct} distinct values (identifier or free text)"
    if distinct < 2:
        return "ignored", "constant"
    return "categorical", ""


def _detect_time_column(datetimes: list[str]) -> str | None:
    for name in TIME_COLUMN_PREFERENCE:
        if name in datetimes:
            return name
    candidates = [c for c in datetimes if not VINTAGE_PATTERN.search(c) and "created" not in c]
    return candidates[0] if candidates else None


def _require_columns(frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(map(str, frame.columns[:12]))
        raise DataError(f"column(s) {missing} not in the dataset (columns: {shown}...)")
