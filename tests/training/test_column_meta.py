"""Training's two readings of column meaning, pinned so a change to them is deliberate.

Which features carry a known risk direction (the monotone constraints) and which columns are
bookkeeping (never features) decide what a model is allowed to learn. Both are looked up by
name, for every mart column and for the raw-table aliases that are not mart columns
(``credit_score`` in a cross-sectional file, ``true_pd`` in the generator's panels).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creditrisk.features.schema import load_marts
from training.families import monotone_directions
from training.labelled_data import labelled_from_frame

#: Every name that has a known direction today: 17 mart features and the ``credit_score`` alias.
DIRECTIONS = {
    "orig_credit_score": -1,
    "credit_score": -1,
    "orig_ltv_pct": 1,
    "orig_cltv_pct": 1,
    "orig_dti_pct": 1,
    "current_ltv_pct": 1,
    "eltv_pct": 1,
    "delinquency_status": 1,
    "months_delinquent_6m": 1,
    "months_delinquent_12m": 1,
    "worst_delinquency_12m": 1,
    "count_30dpd_12m": 1,
    "count_60dpd_12m": 1,
    "count_90plus_dpd_12m": 1,
    "current_delinquency_streak_months": 1,
    "missed_payments_since_ddlpi": 1,
    "debt_to_assets": 1,
    "interest_coverage": -1,
}

#: The columns that are never features: the marts' bookkeeping columns and the generator's true PD.
BOOKKEEPING = {"created_timestamp", "observation_month", "period_end_date", "reporting_month", "true_pd"}

ALIASES = ("credit_score", "true_pd")


def _every_name() -> list[str]:
    """Every column of every mart (once) and the aliases."""
    names = {c.name for columns in load_marts().values() for c in columns}
    return sorted(names | set(ALIASES))


@pytest.mark.parametrize("spelling", ["{}", "loan_origination__{}", "loan_request:{}"])
def test_known_directions_of_every_mart_column_and_alias(spelling: str) -> None:
    """Looked up on the bare name, behind a Feast ``view__`` prefix and behind a ``view:`` one."""
    names = [spelling.format(name) for name in _every_name()]
    found = monotone_directions(names, dict.fromkeys(names, "float"))
    assert found == {spelling.format(name): sign for name, sign in DIRECTIONS.items()}


def test_a_categorical_column_gets_no_direction() -> None:
    assert monotone_directions(["orig_credit_score"], {"orig_credit_score": "str"}) == {}


def test_bookkeeping_columns_are_never_features() -> None:
    """A table with a numeric column for every mart column and alias: all but bookkeeping are features."""
    names = [n for n in _every_name() if n not in ("loan_id", "event_timestamp", "default_12m")]
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({name: rng.uniform(0.1, 0.9, 8) for name in names})
    frame = frame.assign(
        loan_id=[f"L{i}" for i in range(8)],
        event_timestamp=pd.date_range("2020-01-01", periods=8, freq="MS", tz="UTC"),
        default_12m=[0, 1] * 4,
    )
    data = labelled_from_frame(frame, "default_12m", "loan_id", "event_timestamp")
    assert set(names) - set(data.feature_names) == BOOKKEEPING
