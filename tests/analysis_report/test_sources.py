from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.sources import label_for, load_dataset
from creditrisk.errors import ConfigurationError, DataError


def test_csv_dates_become_utc_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text(
        "loan_id,observation_month,credit_score,default_12m\nL1,2020-01-01,700,0\nL2,2020-02-01,650,1\n"
    )
    frame = load_dataset(path)
    assert str(frame["observation_month"].dt.tz) == "UTC"
    assert frame["credit_score"].dtype.kind in "if"


def test_parquet_naive_timestamps_are_read_as_utc(tmp_path: Path) -> None:
    path = tmp_path / "set.parquet"
    pd.DataFrame({"event_timestamp": pd.to_datetime(["2021-03-01"]), "x": [1.0]}).to_parquet(path)
    assert str(load_dataset(path)["event_timestamp"].dt.tz) == "UTC"


def test_bad_inputs_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        load_dataset(tmp_path / "absent.parquet")
    (tmp_path / "set.xlsx").write_text("x")
    with pytest.raises(DataError, match=r"expected a \.parquet or \.csv"):
        load_dataset(tmp_path / "set.xlsx")
    (tmp_path / "empty.csv").write_text("a,b\n")
    with pytest.raises(DataError, match="no rows"):
        load_dataset(tmp_path / "empty.csv")


def test_labels_by_model() -> None:
    assert label_for("loan_default") == "default_12m"
    assert label_for("company_bankruptcy") == "bankruptcy_12m"
    with pytest.raises(ConfigurationError, match="unknown model"):
        label_for("mortgage")
