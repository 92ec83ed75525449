"""Small hand-made marts following the dbt YAML, for tests built to catch leakage.

Every column the YAML declares is written with its declared type; a test gives the rows it
cares about (keys, timestamps, a few values) and the rest are filled deterministically.

The shared scenario (:func:`write_crafted_marts`, all UTC):
- L1: originated 2020-01-01; monthly reports published 2020-03-16 (upb 100), 2020-04-16 (upb 90),
  2020-05-16 (upb 80). Asking at 2020-04-15 23:59:59 must still see 100.
- L2: one report published 2020-03-16; the view's 75-day TTL ends 2020-05-30.
- L3: two versions of the same report (same event time); the later created_timestamp wins.
- C1: statement for 2019-12-31 filed 2020-02-15 (current_ratio 1.5), restated on 2020-06-01
  (current_ratio 0.8). C2: one statement filed 2020-01-10; 183-day TTL ends 2020-07-11.
- Labels: L1 observed twice at 2020-04-16 (duplicate key and time), C1 at its filing date.
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


CREATED = ts("2024-01-01")


def perf(loan: str, published: str, reporting: str, upb: float, age: int, **extra) -> dict:
    return dict(
        loan_id=loan,
        event_timestamp=ts(published),
        reporting_month=date.fromisoformat(reporting),
        current_upb_usd=upb,
        loan_age_months=age,
        **extra,
    )


def write_crafted_marts(marts: Path) -> None:
    write_mart(
        marts,
        "feat_loan_origination",
        [
            dict(loan_id="L1", event_timestamp=ts("2020-01-01"), orig_credit_score=720.0),
            dict(loan_id="L2", event_timestamp=ts("2020-01-01"), orig_credit_score=650.0),
            dict(loan_id="L3", event_timestamp=ts("2020-01-01"), orig_credit_score=700.0),
        ],
        created=CREATED,
    )
    rows = [
        perf("L1", "2020-03-16", "2020-02-01", 100.0, 1),
        perf("L1", "2020-04-16", "2020-03-01", 90.0, 2),
        perf("L1", "2020-05-16", "2020-04-01", 80.0, 3),
        perf("L2", "2020-03-16", "2020-02-01", 500.0, 1),
        perf("L3", "2020-03-16", "2020-02-01", 300.0, 1, created_timestamp=ts("2024-01-01")),
        perf("L3", "2020-03-16", "2020-02-01", 333.0, 1, created_timestamp=ts("2024-02-01")),
    ]
    write_mart(marts, "feat_loan_monthly_performance", rows, created=CREATED)
    write_mart(
        marts,
        "feat_company_financials",
        [
            dict(
                company_id="C1",
                event_timestamp=ts("2020-02-15"),
                period_end_date=date(2019, 12, 31),
                amendment_number=0,
                current_ratio=1.5,
                company_age_years=10.0,
            ),
            dict(
                company_id="C1",
                event_timestamp=ts("2020-06-01"),
                period_end_date=date(2019, 12, 31),
                amendment_number=1,
                current_ratio=0.8,
                company_age_years=10.0,
            ),
            dict(company_id="C2", event_timestamp=ts("2020-01-10"), period_end_date=date(2019, 9, 30)),
        ],
        created=CREATED,
    )
    write_mart(
        marts,
        "lbl_loan_default_12m",
        [
            dict(
                loan_id="L1",
                event_timestamp=ts("2020-03-16"),
                observation_month=date(2020, 2, 1),
                default_12m=0,
            ),
            dict(
                loan_id="L1",
                event_timestamp=ts("2020-04-16"),
                observation_month=date(2020, 3, 1),
                default_12m=1,
            ),
            dict(
                loan_id="L1",
                event_timestamp=ts("2020-04-16"),
                observation_month=date(2020, 3, 1),
                default_12m=1,
            ),
            dict(
                loan_id="L2",
                event_timestamp=ts("2020-03-16"),
                observation_month=date(2020, 2, 1),
                default_12m=0,
            ),
        ],
    )
    write_mart(
        marts,
        "lbl_company_bankruptcy_12m",
        [
            dict(
                company_id="C1",
                event_timestamp=ts("2020-02-15"),
                period_end_date=date(2019, 12, 31),
                bankruptcy_12m=1,
            ),
            dict(
                company_id="C2",
                event_timestamp=ts("2020-01-10"),
                period_end_date=date(2019, 9, 30),
                bankruptcy_12m=0,
            ),
        ],
    )
