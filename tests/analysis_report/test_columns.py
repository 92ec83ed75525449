from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.columns import binary_label, infer_roles
from creditrisk.errors import DataError


def _frame() -> pd.DataFrame:
    n = 60
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "company_id": [f"C{i:06d}" for i in range(n)],
            "event_timestamp": pd.date_range("2020-01-31", periods=n, freq="ME", tz="UTC"),
            "created_timestamp": pd.date_range("2020-02-01", periods=n, freq="MS", tz="UTC"),
            "period_end_date": pd.date_range("2019-12-31", periods=n, freq="ME", tz="UTC"),
            "current_ratio": rng.normal(1.5, 0.3, n),
            "sector": rng.choice(["retail", "energy"], n),
            "company_name": [f"Company {i}" for i in range(n)],
            "constant": 1.0,
            "bankruptcy_12m": rng.integers(0, 2, n),
        }
    )


def test_roles_are_inferred_from_names_and_types() -> None:
    roles = infer_roles(_frame(), "bankruptcy_12m")
    assert roles.id_columns == ["company_id"]
    assert roles.time_column == "period_end_date"  # observation time beats event_timestamp
    assert roles.numeric == ["current_ratio"]
    assert roles.categorical == ["sector"]
    assert set(roles.ignored) == {"event_timestamp", "created_timestamp", "company_name", "constant"}
    assert "distinct values" in roles.ignored["company_name"]


def test_named_columns_override_detection() -> None:
    roles = infer_roles(_frame(), "bankruptcy_12m", time_column="event_timestamp", id_columns=[])
    assert roles.time_column == "event_timestamp"
    assert roles.id_columns == []
    assert "company_id" in roles.ignored  # high-cardinality text, not a feature


def test_named_time_column_must_be_a_timestamp() -> None:
    with pytest.raises(DataError, match="not a date"):
        infer_roles(_frame(), "bankruptcy_12m", time_column="current_ratio")


def test_unknown_columns_are_named_in_the_error() -> None:
    with pytest.raises(DataError, match="'nope'"):
        infer_roles(_frame(), "nope")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([0, 1, 2, 1], "found values \\[2\\]"),
        ([0, 1, None, 1], "missing values"),
        (["a", "b", "a", "b"], "must be 0/1"),
        ([1, 1, 1, 1], "single class"),
    ],
)
def test_label_must_be_binary(values: list[object], message: str) -> None:
    with pytest.raises(DataError, match=message):
        binary_label(pd.DataFrame({"y": values}), "y")


def test_boolean_label_is_accepted() -> None:
    assert binary_label(pd.DataFrame({"y": [True, False]}), "y").tolist() == [1, 0]
