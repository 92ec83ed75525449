"""Which rows train and which rows score: the evaluation protocol and the two sides it gives.

:func:`choose_protocol` picks the out-of-time holdout or repeated cross-validation for a data set
(:mod:`training.protocol` says why either); :func:`holdout_sides` and :func:`cv_sides` cut the
data into :class:`Sides` (training rows with their grouped folds, and the rows that are scored),
dropping or setting aside training outliers by ``--outliers`` (:mod:`creditrisk.outliers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from creditrisk.errors import DataError
from creditrisk.outliers import detect_outliers
from training.labelled_data import LabelledData
from training.options import Log, TrainOptions
from training.protocol import PROTOCOLS, Folds, Protocol, degenerate_split_reason, repeated_folds
from training.splits import HoldoutSplit, grouped_folds, out_of_time_split


@dataclass
class Sides:
    """The training period with its folds, and the out-of-time holdout.

    Under the cv protocol the training side is every row, ``repeats`` holds every repetition's
    folds (the first is ``folds``), and the holdout *is* the training side: its probabilities are
    the out-of-fold ones, never the refit's.
    """

    train: pd.DataFrame
    y_train: np.ndarray
    groups: np.ndarray
    folds: Folds
    holdout: pd.DataFrame
    y_holdout: np.ndarray
    protocol: str = "holdout"
    repeats: list[Folds] = field(default_factory=list)
    #: Under the cv protocol with outlier removal: rows no fit may use (they are still scored).
    outliers: np.ndarray | None = None

    @property
    def cross_validated(self) -> bool:
        return self.protocol == "cv"


def choose_protocol(
    data: LabelledData, options: TrainOptions, log: Log
) -> tuple[Protocol, HoldoutSplit | None]:
    """The evaluation protocol for ``data`` and, for the holdout protocol, its split.

    ``auto`` takes the out-of-time holdout when the data has a time column and the split leaves the
    training side enough events; otherwise it falls back to repeated cross-validation and says so.
    ``holdout`` on a thin split keeps the holdout with a loud warning; ``cv`` always cross-validates.
    """
    if options.protocol not in PROTOCOLS:
        raise DataError(f"--protocol must be one of {', '.join(PROTOCOLS)}")
    if options.protocol == "cv":
        return _cv_protocol(data, options, "asked for (--protocol cv)"), None
    if data.time_col is None:
        if options.protocol == "holdout":
            raise DataError("--protocol holdout needs an observation-time column (--time-col)")
        return _cv_protocol(data, options, "the table has no observation-time column"), None
    try:
        split = _out_of_time(data, options)
        reason = degenerate_split_reason(
            split.train_positive_entities,
            len(split.train),
            data.frame[data.time_col].nunique(),
            options.min_train_events,
        )
    except DataError as exc:
        if options.protocol == "holdout":
            raise
        split, reason = None, str(exc)
    if reason is None and split is not None:
        return Protocol("holdout", f"out-of-time holdout on '{data.time_col}'"), split
    if options.protocol == "holdout" and split is not None:
        warning = f"{reason}; the holdout figures will be unreliable (try --protocol cv)"
        log(f"WARNING: {warning}")
        return Protocol("holdout", f"out-of-time holdout on '{data.time_col}'", warnings=[warning]), split
    warning = (
        f"{reason}; falling back to repeated cross-validation (pass --protocol holdout to keep the split)"
    )
    log(f"WARNING: {warning}")
    protocol = _cv_protocol(data, options, f"fallback: {reason}")
    protocol.warnings.append(warning)
    return protocol, None


def _out_of_time(data: LabelledData, options: TrainOptions) -> HoldoutSplit:
    assert data.time_col is not None
    return out_of_time_split(
        data.frame,
        data.time_col,
        data.entity_key,
        options.holdout_fraction,
        options.holdout_entity_fraction,
        options.seed,
        label_col=data.label,
        min_positive_entities=options.min_holdout_positive_entities,
        max_holdout_fraction=max(options.max_holdout_fraction, options.holdout_fraction),
    )


def _cv_protocol(data: LabelledData, options: TrainOptions, reason: str) -> Protocol:
    grouped = bool(data.frame[data.entity_key].duplicated().any())
    return Protocol(
        "cv", reason, folds=options.folds_for("cv"), repeats=max(1, options.cv_repeats), grouped=grouped
    )


def holdout_sides(
    data: LabelledData, split: HoldoutSplit, options: TrainOptions, log: Log
) -> tuple[Sides, dict[str, Any]]:
    """The training rows before the cutoff (less ``--outliers``) with their grouped folds, the holdout
    after it, and the split's facts for the run's parameters."""
    if split.holdout_fraction > options.holdout_fraction:
        log(
            f"holdout window lengthened from {options.holdout_fraction:.0%} to {split.holdout_fraction:.0%} "
            f"of observation times so that {split.positive_entities} entities with an event are held out"
        )
    frame, label, key = data.frame, data.label, data.entity_key
    train = frame.iloc[split.train].reset_index(drop=True)
    holdout = frame.iloc[split.holdout].reset_index(drop=True)
    outliers = detect_outliers(train, data.feature_types, options.outliers, options.seed)
    if outliers.count:
        log(f"outliers ({options.outliers}): dropping {outliers.count} of {len(train)} training rows")
        train = train[~outliers.mask].reset_index(drop=True)
    y_train = train[label].to_numpy(dtype=int)
    groups = train[key].astype(str).to_numpy()
    for name, labels in (("holdout", holdout[label].to_numpy(dtype=int)), ("training", y_train)):
        positives = int(labels.sum())
        if positives < 2 or positives == len(labels):
            raise DataError(
                f"the {name} side has {positives} positives in {len(labels)} rows: too few events to "
                "fit, calibrate and score; use more data or a larger --holdout-fraction"
            )
    folds = list(grouped_folds(y_train, groups, options.folds_for("holdout"), options.seed))
    sides = Sides(
        train=train,
        y_train=y_train,
        groups=groups,
        folds=folds,
        holdout=holdout,
        y_holdout=holdout[label].to_numpy(dtype=int),
    )
    info = {
        "cutoff": split.cutoff.isoformat(),
        "holdout_fraction": split.holdout_fraction,
        "holdout_fraction_requested": options.holdout_fraction,
        "holdout_positive_entities": split.positive_entities,
        "train_rows": len(train),
        "cv_folds": len(folds),
        "holdout_rows": len(holdout),
        "dropped_rows_for_entity_disjointness": split.dropped_rows,
        "outliers_dropped": outliers.count,
        "outlier_method": options.outliers,
        "train_label_rate": float(y_train.mean()),
        "train_positives": int(y_train.sum()),
        "holdout_label_rate": float(sides.y_holdout.mean()),
        "holdout_positives": int(sides.y_holdout.sum()),
    }
    log(
        f"split at {split.cutoff:%Y-%m-%d}: {len(train)} training rows ({info['train_positives']} positive, "
        f"{len(folds)} grouped folds), {len(holdout)} holdout rows ({info['holdout_positives']} positive)"
    )
    return sides, info


def cv_sides(
    data: LabelledData, options: TrainOptions, protocol: Protocol, log: Log
) -> tuple[Sides, dict[str, Any]]:
    """Every row on the training side, ``repeats`` K-fold partitions of it; scored out of fold."""
    frame = data.frame.reset_index(drop=True)
    y = frame[data.label].to_numpy(dtype=int)
    groups = frame[data.entity_key].astype(str).to_numpy()
    repeats = repeated_folds(
        y, groups if protocol.grouped else None, protocol.folds, protocol.repeats, options.seed
    )
    outliers = detect_outliers(frame, data.feature_types, options.outliers, options.seed)
    if outliers.count:
        log(f"outliers ({options.outliers}): {outliers.count} of {len(frame)} rows left out of every fit")
    sides = Sides(
        train=frame,
        y_train=y,
        groups=groups,
        folds=repeats[0],
        holdout=frame,
        y_holdout=y,
        protocol="cv",
        repeats=repeats,
        outliers=outliers.mask if outliers.count else None,
    )
    info = {
        "rows": len(frame),
        "positives": int(y.sum()),
        "label_rate": float(y.mean()),
        "cv_folds": protocol.folds,
        "cv_repeats": protocol.repeats,
        "cv_grouped": protocol.grouped,
        "outliers_left_out_of_fits": outliers.count,
        "outlier_method": options.outliers,
    }
    log(
        f"{protocol.repeats}x {protocol.folds}-fold {'grouped ' if protocol.grouped else ''}stratified "
        f"cross-validation over {len(frame)} rows ({info['positives']} positive): {protocol.reason}"
    )
    return sides, info
