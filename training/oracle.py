"""The generator's true probabilities for holdout rows: the ceiling a model can reach on generated data.

A training run reports the oracle's holdout AUC and each family's share of it, with a bootstrap
interval (:func:`holdout_true_pd`, :func:`holdout_oracle_auc`).

Only evaluation reads ``raw/_truth/`` (docs/contracts.md). Rows are matched on the entity and the
observation period: a loan's ``observation_month`` (or, when the training set does not carry it, the
month of ``event_timestamp`` minus the 15-day reporting lag), a company's ``period_end_date`` (or the
latest period ending before the filing timestamp). On real data there is no truth file and the
oracle is ``None``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from creditrisk.settings import Settings
from training.evaluate import RankedScores, percentile_intervals, resample_weights
from training.labelled_data import LabelledData
from training.options import Log, TrainOptions
from training.results import FamilyResult
from training.sides import Sides

TRUTH_FILES = {
    "loan_id": ("loan_month_truth.parquet", "reporting_month"),
    "company_id": ("company_quarter_truth.parquet", "period_end_date"),
}


def oracle_probabilities(frame: pd.DataFrame, entity_key: str, settings: Settings) -> np.ndarray | None:
    """True PD per row of ``frame`` (NaN where unmatched), or ``None`` without a truth file."""
    if entity_key not in TRUTH_FILES:
        return None
    file_name, period_col = TRUTH_FILES[entity_key]
    path = settings.truth_dir / file_name
    if not path.exists():
        return None
    truth = pd.read_parquet(path, columns=[entity_key, period_col, "true_pd_12m"])
    truth[period_col] = pd.to_datetime(truth[period_col]).dt.tz_localize(None).dt.normalize()
    keys = frame[[entity_key]].copy()
    keys[entity_key] = keys[entity_key].astype(str)
    truth[entity_key] = truth[entity_key].astype(str)
    if entity_key == "loan_id":
        keys[period_col] = _observation_month(frame)
        merged = keys.merge(truth, on=[entity_key, period_col], how="left")
    else:
        merged = _match_company_periods(frame, keys, truth, period_col)
    return merged["true_pd_12m"].to_numpy(dtype=float)


def _observation_month(frame: pd.DataFrame) -> pd.Series:
    if "observation_month" in frame.columns:
        return pd.to_datetime(frame["observation_month"]).dt.tz_localize(None).dt.to_period("M").dt.start_time
    lagged = pd.to_datetime(frame["event_timestamp"], utc=True) - pd.Timedelta(days=16)
    return lagged.dt.tz_localize(None).dt.to_period("M").dt.start_time


def _match_company_periods(
    frame: pd.DataFrame, keys: pd.DataFrame, truth: pd.DataFrame, period_col: str
) -> pd.DataFrame:
    if period_col in frame.columns:
        keys[period_col] = pd.to_datetime(frame[period_col]).dt.tz_localize(None).dt.normalize()
        return keys.merge(truth, on=["company_id", period_col], how="left")
    keys["_t"] = pd.to_datetime(frame["event_timestamp"], utc=True).dt.tz_localize(None)
    keys["_row"] = np.arange(len(keys))
    merged = pd.merge_asof(
        keys.sort_values("_t"),
        truth.sort_values(period_col),
        left_on="_t",
        right_on=period_col,
        by="company_id",
        direction="backward",
        allow_exact_matches=False,
    )
    return merged.sort_values("_row").reset_index(drop=True)


def auc_ratio_intervals(
    y: np.ndarray,
    probas: dict[str, np.ndarray],
    truth: np.ndarray,
    groups: np.ndarray,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Bootstrap interval of AUC(model) / AUC(oracle) per model, both scored on the same resample.

    Entities, not rows, are resampled (a company's quarters or a loan's months are one correlated
    cluster; resampling rows would make the interval look tighter than the data allows). The pairing
    matters: on a small holdout both AUCs move together, and their ratio is steadier than either.
    """
    rng = np.random.default_rng(seed)
    oracle = RankedScores(y, truth)
    ranked = {name: RankedScores(y, proba) for name, proba in probas.items()}
    ratios: dict[str, list[float]] = {name: [] for name in probas}
    for _ in range(n_boot):
        weight = resample_weights(rng, len(y), groups)
        oracle_metrics = oracle.metrics(weight)
        if oracle_metrics is None:
            continue
        for name, scores in ranked.items():
            metrics = scores.metrics(weight)
            assert metrics is not None  # same labels and weights as the oracle's
            ratios[name].append(metrics[0] / oracle_metrics[0])
    return percentile_intervals(ratios, level)


def holdout_true_pd(
    holdout: pd.DataFrame, data: LabelledData, settings: Settings, log: Log
) -> np.ndarray | None:
    """The generator's true PD per holdout row (NaN where unmatched), or ``None`` when unusable."""
    truth = oracle_probabilities(holdout, data.entity_key, settings)
    if truth is None:
        return None
    matched = ~np.isnan(truth)
    y = holdout[data.label].to_numpy(dtype=int)
    if matched.sum() < len(truth) * 0.9 or y[matched].min() == y[matched].max():
        log(f"oracle: only {int(matched.sum())} of {len(truth)} holdout rows matched the truth; not reported")
        return None
    return truth


def holdout_oracle_auc(
    truth: np.ndarray | None,
    sides: Sides,
    data: LabelledData,
    results: dict[str, FamilyResult],
    options: TrainOptions,
    log: Log,
) -> float | None:
    """The oracle's holdout AUC; adds each family's bootstrap interval of its share of it."""
    if truth is None:
        return None
    matched = ~np.isnan(truth)
    y = sides.y_holdout[matched]
    auc = float(roc_auc_score(y, truth[matched]))
    log(f"oracle AUC (generator's true PD on the same holdout): {auc:.4f}")
    if options.bootstrap:
        probas = {
            name: r.holdout_proba[matched] for name, r in results.items() if r.holdout_proba is not None
        }
        groups = sides.holdout[data.entity_key].to_numpy()[matched]
        intervals = auc_ratio_intervals(
            y, probas, truth[matched], groups, n_boot=options.bootstrap, seed=options.seed
        )
        for name, interval in intervals.items():
            results[name].intervals["auc_to_oracle"] = interval
    return auc
