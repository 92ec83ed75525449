"""``creditrisk data pull macro``: the three macro series from FRED, in the raw CSV layout.

The files and columns are the ones ``creditrisk data generate`` writes and dbt reads
(``docs/data.md``), so a pulled file replaces a generated one with no other change:

| file | columns | FRED series |
|---|---|---|
| ``macro/mortgage_rate_30y.csv`` | month, rate_pct | ``MORTGAGE30US`` (weekly), monthly average |
| ``macro/state_unemployment.csv`` | state, month, unemployment_rate_pct | ``<ST>UR`` (monthly, SA) |
| ``macro/state_hpi.csv`` | state, month, hpi | ``<ST>STHPI`` (FHFA all-transactions, quarterly) |

The house price index is quarterly: each quarter's value is used for its three months (what
was published; nothing is interpolated), and the series is rebased so that 2000-01 = 100, as
in the generated file (features use changes, which the base does not affect). Missing values
(FRED's ".") are left out. Nothing is written until every series has arrived, and each file is
replaced atomically, so a failed pull leaves the previous files as they were.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from creditrisk.errors import DataError
from creditrisk.ingest.fred import FredClient, Observation

MORTGAGE_SERIES = "MORTGAGE30US"
HPI_BASE_MONTH = "2000-01"


@dataclass
class PullSummary:
    files: dict[str, int]  # file name -> rows written
    requests: int


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _monthly(observations: list[Observation]) -> list[tuple[str, float]]:
    return [(_month(o.date), o.value) for o in observations if o.value is not None]


def _quarterly_to_months(observations: list[Observation]) -> list[tuple[str, float]]:
    out = []
    for o in observations:
        if o.value is None:
            continue
        for k in range(3):
            month = o.date.month + k
            out.append((f"{o.date.year:04d}-{month:02d}", o.value))
    return out


def _rebased(rows: list[tuple[str, float]]) -> list[tuple[str, float]]:
    base = dict(rows).get(HPI_BASE_MONTH)
    if not base:
        return [(m, round(v, 2)) for m, v in rows]
    return [(m, round(100.0 * v / base, 2)) for m, v in rows]


def pull_macro_frames(
    client: FredClient,
    states: list[str],
    start: date,
    progress: Callable[[str], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Fetch every series and shape the three raw frames (nothing is written here)."""
    tick = progress or (lambda _: None)
    rate = _monthly(client.observations(MORTGAGE_SERIES, start, frequency="m"))
    tick(MORTGAGE_SERIES)
    unemployment, hpi = [], []
    for state in states:
        for month, value in _monthly(client.observations(f"{state}UR", start)):
            unemployment.append((state, month, round(value, 1)))
        tick(f"{state}UR")
        for month, value in _rebased(_quarterly_to_months(client.observations(f"{state}STHPI", start))):
            hpi.append((state, month, value))
        tick(f"{state}STHPI")
    if not rate:
        raise DataError(f"{MORTGAGE_SERIES}: no observations since {start}")
    return {
        "mortgage_rate_30y.csv": pd.DataFrame(
            [(m, round(v, 2)) for m, v in rate], columns=["month", "rate_pct"]
        ),
        "state_unemployment.csv": pd.DataFrame(
            unemployment, columns=["state", "month", "unemployment_rate_pct"]
        ),
        "state_hpi.csv": pd.DataFrame(hpi, columns=["state", "month", "hpi"]),
    }


def write_macro_files(frames: dict[str, pd.DataFrame], macro_dir: Path) -> dict[str, int]:
    """Write each frame as ``macro_dir/<name>`` atomically (temporary file, then rename)."""
    macro_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in frames.items():
        target = macro_dir / name
        tmp = target.with_name(f".{name}.tmp")
        frame.to_csv(tmp, index=False, lineterminator="\n")
        os.replace(tmp, target)
        written[name] = len(frame)
    return written
