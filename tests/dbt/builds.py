"""A built warehouse the dbt tests share: settings, the build summary, and readers."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from creditrisk.settings import Settings
from creditrisk.warehouse import BuildSummary


@dataclass
class Built:
    settings: Settings
    summary: BuildSummary

    def mart(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.settings.marts_dir / f"{name}.parquet")

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.settings.warehouse_path)) as con:
            return con.execute(sql).df()
