"""Splits cannot leak: no entity on both sides, the holdout strictly later, folds grouped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic_data import synthetic_loans

from creditrisk.errors import DataError
from training.splits import grouped_folds, out_of_time_split


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return synthetic_loans(n_loans=300, months=10, seed=5)


def test_holdout_is_later_and_entity_disjoint(panel: pd.DataFrame) -> None:
    split = out_of_time_split(panel, "event_timestamp", "loan_id", holdout_fraction=0.2, seed=1)
    train, holdout = panel.iloc[split.train], panel.iloc[split.holdout]
    assert set(train["loan_id"]).isdisjoint(holdout["loan_id"])
    assert train["event_timestamp"].max() < split.cutoff <= holdout["event_timestamp"].min()
    assert len(train) + len(holdout) + split.dropped_rows == len(panel)
    assert split.cutoff.tzinfo is not None
    # the holdout is the latest period: about the last 20% of observation times
    assert holdout["event_timestamp"].nunique() == 2


def test_a_loan_observed_in_both_periods_is_never_on_both_sides() -> None:
    """Built to leak: every loan is observed in every month, so a naive time split shares them all."""
    frame = synthetic_loans(n_loans=50, months=6, seed=2)
    split = out_of_time_split(frame, "event_timestamp", "loan_id", holdout_fraction=0.34, seed=3)
    naive_train = set(frame.loc[frame["event_timestamp"] < split.cutoff, "loan_id"])
    assert naive_train == set(frame["loan_id"])  # the naive split would leak every loan
    assert set(frame.iloc[split.train]["loan_id"]).isdisjoint(frame.iloc[split.holdout]["loan_id"])


def test_grouped_folds_keep_each_entity_in_one_fold(panel: pd.DataFrame) -> None:
    y = panel["default_12m"].to_numpy()
    groups = panel["loan_id"].to_numpy()
    seen: list[set[str]] = []
    for fit_idx, val_idx in grouped_folds(y, groups, n_splits=4, seed=0):
        assert set(groups[fit_idx]).isdisjoint(groups[val_idx])
        assert abs(y[val_idx].mean() - y.mean()) < 0.05  # stratified
        seen.append(set(groups[val_idx]))
    assert set().union(*seen) == set(groups)


def test_a_single_period_is_a_clear_error() -> None:
    frame = synthetic_loans(n_loans=20, months=1)
    with pytest.raises(DataError, match="two distinct"):
        out_of_time_split(frame, "event_timestamp", "loan_id")


def test_a_holdout_with_too_few_events_is_lengthened_and_says_so() -> None:
    """Rare events: 20% of the times holds few defaulters, so the window grows until it has enough."""
    frame = synthetic_loans(n_loans=400, months=10, seed=8)
    frame["default_12m"] = 0
    rng = np.random.default_rng(0)
    frame.loc[frame.index[rng.random(len(frame)) < 0.01], "default_12m"] = 1  # about 4 per month
    asked = out_of_time_split(frame, "event_timestamp", "loan_id", 0.2, seed=1, label_col="default_12m")
    grown = out_of_time_split(
        frame, "event_timestamp", "loan_id", 0.2, seed=1, label_col="default_12m", min_positive_entities=8
    )
    assert asked.holdout_fraction == 0.2 and asked.positive_entities < 8
    assert 0.2 < grown.holdout_fraction <= 0.4
    assert grown.positive_entities >= 8 or grown.holdout_fraction == 0.4
    assert grown.positive_entities > asked.positive_entities
    train, holdout = frame.iloc[grown.train], frame.iloc[grown.holdout]
    assert set(train["loan_id"]).isdisjoint(holdout["loan_id"])
    assert train["event_timestamp"].max() < grown.cutoff <= holdout["event_timestamp"].min()
