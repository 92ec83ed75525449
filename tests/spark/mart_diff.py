"""Comparing two builds' marts: same columns and types, same rows, values within float tolerance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

#: Key columns per mart: what identifies a row.
MART_KEYS = {
    "feat_loan_origination": ["loan_id"],
    "feat_loan_monthly_performance": ["loan_id", "event_timestamp"],
    "feat_company_financials": ["company_id", "event_timestamp"],
    "lbl_loan_default_12m": ["loan_id", "event_timestamp"],
    "lbl_company_bankruptcy_12m": ["company_id", "event_timestamp"],
}

#: Written at build time (the dbt run's start), so it differs between two builds by design.
RUN_TIME_COLUMNS = {"created_timestamp"}


def read_mart(marts_dir: Path, name: str) -> pa.Table:
    """A mart as one Arrow table, whether a single file (DuckDB) or a folder of parts (Spark)."""
    return pq.read_table(marts_dir / f"{name}.parquet")


def schema_of(table: pa.Table) -> dict[str, str]:
    return {field.name: str(field.type) for field in table.schema}


def frame_table(frame: pd.DataFrame) -> pa.Table:
    """A training-set frame as Arrow, timestamps at microseconds (what the marts store).

    pandas gives nanoseconds or microseconds depending on the store's path to it; the values,
    not the unit, are what must agree.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp("us", field.type.tz)))
    return table


def mart_differences(left: pa.Table, right: pa.Table, keys: list[str], rtol: float = 1e-9) -> list[str]:
    """Every way two versions of a mart differ (empty when equal); NaN and NULL count as equal."""
    problems = []
    if schema_of(left) != schema_of(right):
        problems.append(f"schemas differ: {schema_of(left)} vs {schema_of(right)}")
        return problems
    if left.num_rows != right.num_rows:
        problems.append(f"row counts differ: {left.num_rows} vs {right.num_rows}")
    a = left.to_pandas().sort_values(keys).reset_index(drop=True)
    b = right.to_pandas().sort_values(keys).reset_index(drop=True)
    if not a[keys].equals(b[keys]):
        problems.append("keys differ")
        return problems
    for column in a.columns:
        if column in RUN_TIME_COLUMNS:
            continue
        x, y = a[column], b[column]
        if pd.api.types.is_float_dtype(x):
            same = np.isclose(x, y, rtol=rtol, atol=1e-12, equal_nan=True) | (x.isna() & y.isna())
        else:
            same = (x == y) | (x.isna() & y.isna())
        if not bool(np.all(same)):
            first = int(np.flatnonzero(~np.asarray(same))[0])
            problems.append(f"{column}: {int((~same).sum())} rows differ, e.g. {x[first]!r} vs {y[first]!r}")
    return problems
