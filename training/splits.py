"""Splits that cannot leak: out-of-time holdout, entity-disjoint sides, grouped stratified folds.

A loan is observed every month and a company every quarter, so a plain random split would put the
same borrower on both sides and flatter every model. Here:

- the **holdout** is the latest observation period (the last ``holdout_fraction`` of observation
  times) restricted to a random ``holdout_entity_fraction`` of entities; when that period holds
  too few entities with an event to measure anything (rare bankruptcies), the window is lengthened
  step by step (``min_positive_entities``, up to ``max_holdout_fraction``) and the fraction used is
  reported;
- **training** is everything strictly earlier, minus those holdout entities;
- so no loan or company is on both sides, and every holdout observation is later than every
  training observation;
- inside training, **stratified grouped K-fold** (scikit-learn's ``StratifiedGroupKFold``) keeps
  each entity in one fold for cross-fitting (out-of-fold predictions for calibration, the
  threshold, the number of boosting rounds and the choice of family) and tuning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from creditrisk.errors import DataError


@dataclass
class HoldoutSplit:
    """Row positions of the training and holdout sides, and the time that separates them."""

    train: np.ndarray
    holdout: np.ndarray
    cutoff: pd.Timestamp
    dropped_rows: int
    #: The share of observation times held out (larger than asked when events were too few).
    holdout_fraction: float = 0.2
    #: Entities with at least one positive label in the holdout.
    positive_entities: int = 0
    #: Entities with at least one positive label on the training side.
    train_positive_entities: int = 0


def out_of_time_split(
    frame: pd.DataFrame,
    time_col: str,
    entity_col: str,
    holdout_fraction: float = 0.2,
    holdout_entity_fraction: float = 0.3,
    seed: int = 42,
    label_col: str | None = None,
    min_positive_entities: int = 0,
    max_holdout_fraction: float = 0.4,
) -> HoldoutSplit:
    """Latest period for the holdout, earlier rows for training, no entity on both sides.

    Rows of holdout entities before the cutoff and of training entities after it are dropped
    (counted in ``dropped_rows``): keeping either would let one borrower's history reach across.
    With ``label_col``, holdout entities are drawn separately among those with a late positive and
    the rest, so rare events (a few bankruptcies) reach the holdout in proportion; and while fewer
    than ``min_positive_entities`` holdout entities have an event, the window grows by 5% of the
    observation times up to ``max_holdout_fraction`` (an AUC on five bankrupt companies has a 95%
    interval about 0.3 wide; the training side pays with the periods it gives up).
    """
    times = pd.to_datetime(frame[time_col], utc=True)
    if times.isna().any():
        raise DataError(f"time column '{time_col}' has missing or unparseable values")
    distinct = pd.DatetimeIndex(times.unique()).sort_values()
    if len(distinct) < 2:
        raise DataError(f"an out-of-time split needs at least two distinct '{time_col}' values")
    entities = frame[entity_col].astype(str).to_numpy()
    positive = np.zeros(len(frame), dtype=bool) if label_col is None else frame[label_col].to_numpy() == 1
    fraction = holdout_fraction
    split = _split_at(times, distinct, entities, positive, fraction, holdout_entity_fraction, seed)
    while (
        label_col is not None
        and split.positive_entities < min_positive_entities
        and fraction + 0.05 <= max_holdout_fraction + 1e-9
    ):
        fraction = round(fraction + 0.05, 4)
        split = _split_at(times, distinct, entities, positive, fraction, holdout_entity_fraction, seed)
    if len(split.holdout) == 0 or len(split.train) == 0:
        raise DataError("the out-of-time split left one side empty; the data covers too few periods or ids")
    return split


def _split_at(
    times: pd.Series,
    distinct: pd.DatetimeIndex,
    entities: np.ndarray,
    positive: np.ndarray,
    holdout_fraction: float,
    holdout_entity_fraction: float,
    seed: int,
) -> HoldoutSplit:
    position = int(distinct.searchsorted(times.quantile(1 - holdout_fraction)))
    cutoff = distinct[min(max(position, 1), len(distinct) - 1)]
    late = (times >= cutoff).to_numpy()
    holdout_entities = _pick_entities(
        np.unique(entities[late]), set(entities[late & positive]), holdout_entity_fraction, seed
    )
    in_holdout_entity = np.isin(entities, holdout_entities)
    holdout = np.flatnonzero(late & in_holdout_entity)
    train = np.flatnonzero(~late & ~in_holdout_entity)
    return HoldoutSplit(
        train,
        holdout,
        cutoff,
        dropped_rows=len(entities) - len(train) - len(holdout),
        holdout_fraction=holdout_fraction,
        positive_entities=len(np.unique(entities[holdout][positive[holdout]])),
        train_positive_entities=len(np.unique(entities[train][positive[train]])),
    )


def _pick_entities(candidates: np.ndarray, positives: set[str], fraction: float, seed: int) -> np.ndarray:
    """A ``fraction`` of the candidates, stratified by whether the entity has a late positive."""
    rng = np.random.default_rng(seed)
    chosen = []
    for stratum in (
        np.array([c for c in candidates if c in positives]),
        np.array([c for c in candidates if c not in positives]),
    ):
        if len(stratum):
            count = min(len(stratum), max(1, round(len(stratum) * fraction)))
            chosen.append(rng.choice(stratum, size=count, replace=False))
    return np.concatenate(chosen)


def grouped_folds(
    y: np.ndarray, groups: np.ndarray, n_splits: int, seed: int = 42
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Stratified, grouped K-fold over the training side (fit positions, validation positions)."""
    n_groups = len(np.unique(groups))
    splits = max(2, min(n_splits, n_groups, int(np.sum(y)) or 2))
    folds = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=seed)
    yield from folds.split(np.zeros(len(y)), y, groups)
