"""Validation of pushed rows against the mart they extend.

A pushed row is one more row of a feature mart (``feat_loan_monthly_performance``,
``feat_company_financials``): the same columns, read from the dbt mart YAML, so a row pushed
online can always be appended offline as well and training sets and serving see the same
values. Everything that enters here is untrusted (an HTTP body, a file, a stream entry), so
each value is checked for its type and range and a failure names the row and the field.

Rules beyond the types:

- ``event_timestamp`` (and ``created_timestamp`` when given) must be UTC: an ISO-8601 string
  ending in ``Z`` or ``+00:00`` (or an aware ``datetime`` at offset zero). Naive times and
  other offsets are refused rather than guessed at;
- an event time may not lie in the future (more than :data:`MAX_CLOCK_SKEW` ahead of the
  receiver's clock): a feature is visible from its event time, and a future one would be
  served before it was known;
- ``created_timestamp`` may be left out: it is then the time of the push (the version written
  now wins a tie on the event time, as in the marts).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa

from creditrisk.errors import DataError

#: How far ahead of this machine's clock an event time may be (clock skew between hosts).
MAX_CLOCK_SKEW = timedelta(seconds=5)
#: Longest accepted text value or entity id (the marts' longest are ~20 characters).
MAX_TEXT = 256
MAX_KEY = 64
_INT64 = (-(2**63), 2**63 - 1)
_TIMESTAMPS = ("event_timestamp", "created_timestamp")


class PushValidationError(DataError):
    """A pushed row breaks the schema; ``row`` and ``field`` say where (HTTP 422)."""

    def __init__(self, row: int, field: str, message: str) -> None:
        super().__init__(f"rows[{row}].{field}: {message}")
        self.row = row
        self.field = field
        self.reason = message


@dataclass(frozen=True)
class MartSchema:
    """The columns of one feature mart, in mart order, with their dbt types."""

    mart: str
    entity_key: str
    columns: tuple[tuple[str, str], ...]  # (name, dbt type upper-case)

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def arrow_schema(self) -> pa.Schema:
        """The Parquet types dbt writes for these columns (the contract in docs/contracts.md)."""
        kinds = {
            "DOUBLE": pa.float64(),
            "BIGINT": pa.int64(),
            "VARCHAR": pa.string(),
            "BOOLEAN": pa.bool_(),
            "DATE": pa.date32(),
            "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
        }
        return pa.schema([(name, kinds[kind]) for name, kind in self.columns])


def mart_schema(mart: str) -> MartSchema:
    """The mart's columns from the dbt YAML (the same source ``mart_schemas.py`` is generated from)."""
    from creditrisk.features.schema import load_marts

    columns = load_marts()[mart]
    key = next(c.name for c in columns if c.role == "entity")
    return MartSchema(mart, key, tuple((c.name, c.data_type.upper()) for c in columns))


def parse_utc(value: Any) -> datetime:
    """A UTC instant from an ISO-8601 string or an aware datetime; anything else raises ValueError."""
    if isinstance(value, str):
        if len(value) > 40:
            raise ValueError("is not an ISO-8601 timestamp")
        text = value.strip()
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        try:
            stamp = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("is not an ISO-8601 timestamp") from None
    elif isinstance(value, datetime):
        stamp = value
    else:
        raise ValueError("must be an ISO-8601 timestamp string")
    if stamp.tzinfo is None:
        raise ValueError("has no time zone; send UTC (ending in Z or +00:00)")
    if stamp.utcoffset() != timedelta(0):
        raise ValueError("is not UTC; send UTC (ending in Z or +00:00)")
    return stamp.astimezone(UTC)


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a timestamp")
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("must be a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date (YYYY-MM-DD)") from None


def _parse_value(kind: str, value: Any) -> Any:
    """One non-null value checked and converted to the column's Python type."""
    if kind == "DOUBLE":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
        return number
    if kind == "BIGINT":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be an integer")
        if not _INT64[0] <= value <= _INT64[1]:
            raise ValueError("is outside the 64-bit integer range")
        return value
    if kind == "VARCHAR":
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if len(value) > MAX_TEXT:
            raise ValueError(f"is longer than {MAX_TEXT} characters")
        return value
    if kind == "BOOLEAN":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if kind == "DATE":
        return _parse_date(value)
    return parse_utc(value)


def _parse_key(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    if len(value) > MAX_KEY or not value.isprintable():
        raise ValueError(f"must be at most {MAX_KEY} printable characters")
    return value


def validate_rows(schema: MartSchema, rows: Iterable[Any], now: datetime | None = None) -> pa.Table:
    """Check every row against ``schema`` and return them as an Arrow table in the mart's types.

    Every mart column must be present (``null`` is a value; a missing field is an error, so a
    push never silently blanks a feature), no other field is accepted, and the time rules of
    the module doc apply. Raises :class:`PushValidationError` at the first bad value.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    names = schema.names
    types = dict(schema.columns)
    columns: dict[str, list[Any]] = {name: [] for name in names}
    count = 0
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise PushValidationError(i, "*", "each row must be a JSON object")
        unknown = [str(k) for k in row if k not in types]
        if unknown:
            raise PushValidationError(i, unknown[0][:64], f"is not a column of {schema.mart}")
        for name in names:
            if name not in row:
                if name == "created_timestamp":
                    columns[name].append(now)
                    continue
                raise PushValidationError(i, name, "is required (send null for a missing value)")
            value = row[name]
            try:
                if name == schema.entity_key:
                    parsed = _parse_key(value)
                elif value is None:
                    if name == "event_timestamp":
                        raise ValueError("is required")
                    parsed = now if name == "created_timestamp" else None
                else:
                    parsed = _parse_value(types[name], value)
            except ValueError as exc:
                raise PushValidationError(i, name, str(exc)) from None
            if name in _TIMESTAMPS and parsed > now + MAX_CLOCK_SKEW:
                raise PushValidationError(i, name, f"{parsed.isoformat()} is in the future")
            columns[name].append(parsed)
        count += 1
    if count == 0:
        raise DataError("no rows to push")
    return pa.Table.from_pydict(columns, schema=schema.arrow_schema())
