"""Dates as real files carry them, parsed to timezone-aware UTC.

Freddie Mac's loan-level files write dates as ``YYYYMM`` integers (``first_payment_date`` 202403,
``monthly_reporting_period`` 202401) and many extracts use ``YYYYMMDD``. Left to
``pd.to_datetime``, an integer 202403 is read as nanoseconds since 1970 and the string as a
malformed date ("month must be in 1..12"), so every loader of user files reads dates through
:func:`to_utc`, which recognises the compact forms first.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from creditrisk.errors import DataError

_COMPACT = {6: "%Y%m", 8: "%Y%m%d"}
_DIGITS = re.compile(r"^\d{6}(\d{2})?$")
#: Years a compact date may carry; outside them a 6- or 8-digit number is a quantity, not a date.
_YEARS = (1900, 2200)


def compact_date_format(series: pd.Series) -> str | None:
    """``%Y%m`` or ``%Y%m%d`` when every present value is such a date, else ``None``.

    Integers (or floats holding integers, as a CSV column with gaps reads) and digit strings count;
    all present values must have the same length and parse, so an amount such as 250000 is never
    mistaken for a date.
    """
    present = series.dropna()
    if present.empty or pd.api.types.is_bool_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return None
    if pd.api.types.is_numeric_dtype(series):
        values = present.to_numpy(dtype=float)
        if not np.all(values == np.floor(values)):
            return None
        text = pd.Series(values.astype(np.int64).astype(str))
    elif series.dtype == object or pd.api.types.is_string_dtype(series):
        text = present.astype(str).str.strip()
        if not text.str.match(_DIGITS).all():
            return None
    else:
        return None
    lengths = text.str.len().unique()
    if len(lengths) != 1 or int(lengths[0]) not in _COMPACT:
        return None
    fmt = _COMPACT[int(lengths[0])]
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    if parsed.isna().any() or not parsed.dt.year.between(*_YEARS).all():
        return None
    return fmt


def to_utc(series: pd.Series, name: str) -> pd.Series:
    """Any date-like column as timezone-aware UTC timestamps; a clear error when values are bad.

    Naive timestamps are taken as UTC; aware ones are converted. ``YYYYMM`` dates mean the first
    of the month.
    """
    fmt = compact_date_format(series)
    try:
        if fmt is not None:
            converted = pd.to_datetime(_digits(series), format=fmt, utc=True)
        else:
            converted = pd.to_datetime(series, utc=True)
    except (ValueError, TypeError, OverflowError) as exc:
        raise DataError(f"column '{name}' is not a date or timestamp: {exc}") from exc
    return converted


def _digits(series: pd.Series) -> pd.Series:
    """The compact dates as digit strings (missing stays missing)."""
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("Int64").astype("string")
    return series.astype("string").str.strip()


def is_date_column(series: pd.Series) -> bool:
    """A datetime column, or one holding only compact ``YYYYMM``/``YYYYMMDD`` dates."""
    return pd.api.types.is_datetime64_any_dtype(series) or compact_date_format(series) is not None
