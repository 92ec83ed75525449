"""Orchestration: split, clean, fit every family, calibrate, threshold, evaluate, explain, register.

``train_model`` is what ``creditrisk train`` and the demo call. Per family (an MLflow child run):

1. cross-fit over the grouped, stratified K-fold of the training period (:mod:`training.crossfit`):
   one fit per fold gives every training row an out-of-fold probability, then one refit on all
   training rows is the model (optionally after an Optuna/random search whose trials are nested
   child runs);
2. calibrate on the pooled out-of-fold probabilities and choose the cost-minimising threshold there;
3. score the out-of-time holdout: metrics with bootstrap intervals, cost, plots, SHAP summary.

Among the families whose out-of-fold expected cost is within one standard error of the lowest, the
one with the highest out-of-fold AUC is logged as the run's model and registered
(:mod:`training.selection`). It is never chosen on the holdout, which would make the holdout
figures optimistic; the registry decides champion or challenger on the holdout (see
:mod:`training.registry`).

A table without an observation time (or whose out-of-time split leaves the training side too few
events) is evaluated by repeated cross-validation instead (:mod:`training.protocol`): the "holdout"
figures are then the out-of-fold ones, and the fold ROC-AUC / PR-AUC means carry corrected
intervals comparable with a published ``cross_val_score``.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from creditrisk.errors import DataError
from creditrisk.model_specs import MODELS
from creditrisk.outliers import detect_outliers
from creditrisk.settings import Settings
from training import plots
from training.artifact import CreditRiskModel
from training.calibration import Calibrator
from training.crossfit import Folds, cross_fit
from training.evaluate import (
    CostModel,
    bootstrap_intervals,
    classification_metrics,
    expected_cost,
    optimal_threshold,
    row_costs,
)
from training.explain import mean_abs_importance
from training.families import DEFAULT_FAMILIES, FAMILIES, FitContext, monotone_directions, voting_ensemble
from training.labelled_data import LabelledData
from training.oracle import auc_ratio_intervals, oracle_probabilities
from training.protocol import (
    PROTOCOLS,
    Protocol,
    degenerate_split_reason,
    fold_scores,
    repeated_folds,
    summarise,
)
from training.registry import PromotionDecision, configure_tracking, ensure_experiment, register_and_promote
from training.selection import select_family
from training.splits import HoldoutSplit, grouped_folds, out_of_time_split
from training.tune import tune_family

#: Rows explained for each family's SHAP summary (permutation SHAP for the network is the slow one).
#: The FT-Transformer gets few: each row costs thousands of forward passes through attention.
#: Models trained with monotone constraints unless told otherwise: the loan model, whose credit
#: logic is known (a better score or a lower LTV/DTI never raises risk), so a borrower cannot lower
#: their risk by making one feature look worse (docs/security.md).
MONOTONE_BY_DEFAULT = frozenset({"loan_default"})
#: Families whose fit honours monotone constraints (so does a soft vote of only these).
MONOTONE_FAMILIES = frozenset({"rf", "xgb", "lgbm", "vote"})
SHAP_ROWS = {"lr": 1000, "xgb": 1000, "lgbm": 1000, "rf": 300, "ann": 100, "ftt": 20, "vote": 100}


@dataclass
class TrainOptions:
    """Everything ``creditrisk train`` can set; defaults are the strong, documented ones."""

    model: str
    families: tuple[str, ...] = DEFAULT_FAMILIES
    tune_trials: int = 0
    tune_method: str = "optuna"
    tune_timeout: float | None = None
    #: ``auto`` (out-of-time holdout when the data has a usable time column, else repeated
    #: cross-validation), ``holdout`` or ``cv``.
    protocol: str = "auto"
    #: Folds: of the training period for cross-fitting and tuning under the holdout protocol
    #: (default 3), of every repetition under the cv protocol (default 5).
    cv_folds: int | None = None
    #: Repetitions of the K-fold under the cv protocol.
    cv_repeats: int = 3
    #: Under ``auto``, an out-of-time training side with fewer entities with an event than this
    #: falls back to cross-validation (under ``holdout`` it is a warning).
    min_train_events: int = 30
    calibration: str = "sigmoid"
    cost_ratio: float = 5.0
    lgd: float | None = None
    fp_rate: float | None = None
    exposure_col: str | None = None
    outliers: str = "none"
    #: Monotone constraints where the credit logic is known; ``None`` = on for the models in
    #: ``MONOTONE_BY_DEFAULT`` (``--no-monotone`` opts out).
    monotone: bool | None = None
    booster_weighting: str = "auto"
    holdout_fraction: float = 0.2
    holdout_entity_fraction: float = 0.3
    #: Lengthen the holdout window (up to ``max_holdout_fraction``) until this many holdout
    #: entities have an event, so rare-event holdouts can be measured at all.
    min_holdout_positive_entities: int = 30
    max_holdout_fraction: float = 0.4
    bootstrap: int = 200
    vote_members: int = 3
    register: bool = True
    seed: int = 42
    family_params: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def cost(self) -> CostModel:
        return CostModel(cost_ratio=self.cost_ratio, lgd=self.lgd, fp_rate=self.fp_rate)

    def folds_for(self, protocol: str) -> int:
        """The K of the K-fold: the option when given, else 3 (holdout) or 5 (cv)."""
        return self.cv_folds or (5 if protocol == "cv" else 3)


@dataclass
class FamilyResult:
    """One family's fitted parts and holdout figures."""

    family: str
    pipeline: Any
    calibrator: Calibrator
    threshold: float
    #: Expected cost and AUC of the calibrated out-of-fold probabilities (what selection reads).
    cv_cost: float
    cv_auc: float
    metrics: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    params: dict[str, Any]
    fit_seconds: float
    cv_seconds: float = 0.0
    oof_proba: np.ndarray | None = None
    #: Cost of each training row at the family's threshold, out of fold (what selection compares).
    oof_row_cost: np.ndarray | None = None
    shap_seconds_per_1k: float | None = None
    importance: dict[str, float] = field(default_factory=dict)
    holdout_proba: np.ndarray | None = None
    #: cv protocol: each repetition's out-of-fold probabilities (the first is ``oof_proba``).
    oof_by_repeat: list[np.ndarray] | None = None
    #: cv protocol: mean, interval and fold values of ROC-AUC and PR-AUC.
    cv_summary: dict[str, dict[str, Any]] | None = None


@dataclass
class TrainingReport:
    """What a training run produced: the comparison, the registered model and the oracle."""

    model_name: str
    results: dict[str, FamilyResult]
    selected: str
    oracle_auc: float | None
    promotion: PromotionDecision | None
    run_id: str | None
    split: dict[str, Any]
    manifest: dict[str, Any]
    model: CreditRiskModel | None = None
    protocol: Protocol | None = None

    @property
    def warnings(self) -> list[str]:
        return self.protocol.warnings if self.protocol else []

    def comparison(self) -> pd.DataFrame:
        """One row per family: holdout metrics, fit time and whether it was selected."""
        rows = []
        for name, result in self.results.items():
            rows.append(
                {
                    "family": name,
                    "selected": name == self.selected,
                    **{k: result.metrics[k] for k in _TABLE_METRICS},
                    "cv_cost": result.cv_cost,
                    "cv_auc": result.cv_auc,
                    "fit_seconds": result.fit_seconds,
                }
            )
        return pd.DataFrame(rows).set_index("family")

    def to_dict(self) -> dict[str, Any]:
        """The ``--report-json`` document."""
        selected = self.results[self.selected]
        registered = {
            "model_name": self.model_name,
            "family": self.selected,
            **_metric_dict(selected, self.oracle_auc),
        }
        if self.promotion is not None:
            registered |= {
                "version": self.promotion.version,
                "promoted": self.promotion.promoted,
                "champion_version": self.promotion.current_champion,
                "previous_champion_version": self.promotion.champion_version,
                "previous_champion_expected_cost": self.promotion.champion_cost,
                "promotion_reason": self.promotion.reason,
            }
        return {
            "model_name": self.model_name,
            "run_id": self.run_id,
            "protocol": self.protocol.to_dict() if self.protocol else None,
            "warnings": self.warnings,
            "split": self.split,
            "manifest": self.manifest,
            "oracle_auc": self.oracle_auc,
            "families": {name: _metric_dict(r, self.oracle_auc) for name, r in self.results.items()},
            "registered": registered,
        }


_TABLE_METRICS = (
    "roc_auc",
    "pr_auc",
    "ks",
    "brier",
    "ece",
    "recall",
    "precision",
    "f1",
    "recall_at_5pct_fpr",
    "recall_at_10pct_fpr",
    "threshold",
    "expected_cost",
)


def _metric_dict(result: FamilyResult, oracle_auc: float | None) -> dict[str, Any]:
    metrics: dict[str, Any] = dict(result.metrics)
    metrics["cost_optimal_threshold"] = result.threshold
    metrics["oracle_auc"] = oracle_auc
    metrics["auc_to_oracle"] = result.metrics["roc_auc"] / oracle_auc if oracle_auc else None
    metrics["ci95"] = {k: list(v) for k, v in result.intervals.items()}
    metrics["cv_expected_cost"] = result.cv_cost
    metrics["cv_roc_auc"] = result.cv_auc
    metrics["fit_seconds"] = result.fit_seconds
    metrics["cv_seconds"] = result.cv_seconds
    metrics["shap_seconds_per_1k_rows"] = result.shap_seconds_per_1k
    metrics["params"] = {k: _jsonable(v) for k, v in result.params.items()}
    if result.cv_summary is not None:
        metrics["cv"] = result.cv_summary
    return metrics


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


Log = Callable[[str], None]


def _silent(_: str) -> None:
    return None


@dataclass
class _Sides:
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


def monotone_on(options: TrainOptions) -> bool:
    """Whether this run fits with monotone constraints (explicit choice, else the model's default)."""
    return options.model in MONOTONE_BY_DEFAULT if options.monotone is None else options.monotone


def _families(options: TrainOptions, log: Log) -> tuple[str, ...]:
    """The families to fit. Under monotone constraints the default set keeps only the families that
    honour them (a logistic regression or a network would let the vote break credit logic, and the
    robustness report measured exactly that); families named explicitly are kept, with a warning."""
    if not monotone_on(options):
        return options.families
    unconstrained = [f for f in options.families if f not in MONOTONE_FAMILIES]
    if unconstrained and options.families == DEFAULT_FAMILIES:
        log(
            f"monotone: {', '.join(unconstrained)} cannot honour the constraints and are not trained "
            "(--no-monotone trains them)"
        )
        return tuple(f for f in options.families if f in MONOTONE_FAMILIES)
    if unconstrained:
        log(f"WARNING: the monotone constraints do not bind {', '.join(unconstrained)}")
    return options.families


def train_model(
    data: LabelledData, options: TrainOptions, settings: Settings, log: Log = _silent
) -> TrainingReport:
    """Train every requested family on ``data``, compare, register the best (see the module docstring)."""
    import mlflow

    _check_options(data, options)
    _families(options, log)
    protocol, split = choose_protocol(data, options, log)
    if split is not None:
        sides, split_info = _make_sides(data, split, options, log)
    else:
        sides, split_info = _cv_sides(data, options, protocol, log)
    split_info["protocol"] = protocol.name
    y_all = sides.y_train
    ctx = FitContext(
        n_positive=int(y_all.sum()),
        n_negative=int(len(y_all) - y_all.sum()),
        seed=options.seed,
        booster_weighting=options.booster_weighting,
        monotone=monotone_directions(data.feature_names, data.feature_types) if monotone_on(options) else {},
    )
    configure_tracking(settings)
    experiment_id = ensure_experiment(options.model, settings)
    mlflow.set_experiment(experiment_id=experiment_id)  # nested family and trial runs land here too
    exposure = _exposure(sides.holdout, options)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"train {options.model}") as run:
        _log_run_context(data, options, split_info, settings)
        mlflow.log_dict(protocol.to_dict(), "protocol.json")
        results = _train_families(data, options, sides, ctx, exposure, log)
        selected = select_family(results, sides.groups, seed=options.seed)
        _warn_if_no_better_than_chance(results[selected], protocol, log)
        truth = _holdout_oracle_pd(sides.holdout, data, settings, log)
        oracle_auc = _oracle_auc(truth, sides, data, results, options, log)
        _log_comparison(results, selected, sides, oracle_auc, truth)
        model = _artifact(data, options, results[selected], sides)
        promotion = None
        if protocol.warnings:
            mlflow.set_tag("warnings", " | ".join(protocol.warnings)[:5000])
        if options.register:
            promotion = _register(model, options, sides, exposure, results[selected], data, protocol, log)
        mlflow.set_tag("selected_family", selected)
    report = TrainingReport(
        options.model,
        results,
        selected,
        oracle_auc,
        promotion,
        run.info.run_id,
        split_info,
        data.manifest,
        model=model,
        protocol=protocol,
    )
    return report


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


def _warn_if_no_better_than_chance(result: FamilyResult, protocol: Protocol, log: Log) -> None:
    """A loud warning when the selected family's AUC interval does not exclude chance."""
    low, high = result.intervals.get("roc_auc", (float("nan"), float("nan")))
    if np.isfinite(low) and low > 0.5:
        return
    where = "cross-validated" if protocol.name == "cv" else "holdout"
    warning = (
        f"the selected family {result.family}'s {where} AUC {result.metrics['roc_auc']:.3f} has a 95% "
        f"interval [{low:.3f}, {high:.3f}] that includes 0.5: no evidence it ranks better than chance"
    )
    protocol.warnings.append(warning)
    log(f"WARNING: {warning}")


def _check_options(data: LabelledData, options: TrainOptions) -> None:
    if options.booster_weighting not in ("auto", "none", "sqrt", "balanced"):
        raise DataError("--booster-weighting must be auto, none, sqrt or balanced")
    unknown = [f for f in options.families if f not in FAMILIES]
    if unknown:
        raise DataError(f"unknown families: {', '.join(unknown)} (choose from {', '.join(FAMILIES)})")
    if options.exposure_col and options.exposure_col not in data.frame.columns:
        raise DataError(f"exposure column '{options.exposure_col}' not in the dataset")
    if options.lgd is not None and not options.exposure_col:
        raise DataError("exposure-based cost (--lgd) needs --exposure-col")
    if data.y.sum() < 10 or (len(data.y) - data.y.sum()) < 10:
        raise DataError("need at least 10 positive and 10 negative labels to train")


def _make_sides(
    data: LabelledData, split: HoldoutSplit, options: TrainOptions, log: Log
) -> tuple[_Sides, dict[str, Any]]:
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
    sides = _Sides(
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


def _cv_sides(
    data: LabelledData, options: TrainOptions, protocol: Protocol, log: Log
) -> tuple[_Sides, dict[str, Any]]:
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
    sides = _Sides(
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


def _exposure(frame: pd.DataFrame, options: TrainOptions) -> np.ndarray | None:
    return frame[options.exposure_col].to_numpy(dtype=float) if options.exposure_col else None


def _train_families(
    data: LabelledData,
    options: TrainOptions,
    sides: _Sides,
    ctx: FitContext,
    exposure: np.ndarray | None,
    log: Log,
) -> dict[str, FamilyResult]:
    import mlflow

    results: dict[str, FamilyResult] = {}
    ordered = [f for f in FAMILIES if f in _families(options, _silent)]  # said once, at the start
    for family in ordered:
        if family == "vote" and len([r for r in results if r != "vote"]) < 2:
            log("vote: needs at least two other families; skipped")
            continue
        log(f"{family}: training")
        with mlflow.start_run(run_name=family, nested=True):
            mlflow.set_tag("family", family)
            result = _train_one(family, data, options, sides, ctx, exposure, results, log)
            _log_family(result, data, sides, options)
        results[family] = result
        m = result.metrics
        log(
            f"{family}: AUC {m['roc_auc']:.4f}, expected cost {m['expected_cost']:.4f} "
            f"at threshold {result.threshold:.3f} ({result.fit_seconds:.1f}s)"
        )
    return results


def _train_one(
    family: str,
    data: LabelledData,
    options: TrainOptions,
    sides: _Sides,
    ctx: FitContext,
    exposure: np.ndarray | None,
    fitted: dict[str, FamilyResult],
    log: Log,
) -> FamilyResult:
    features = data.feature_names
    X = sides.train[features]
    params = dict(options.family_params.get(family, {}))
    started = time.perf_counter()
    if family == "vote":
        members = sorted(fitted.values(), key=lambda r: -r.cv_auc)[: options.vote_members]
        params = {"members": ",".join(r.family for r in members)}
        pipeline = voting_ensemble({r.family: r.pipeline for r in members}, X, sides.y_train)
        # Soft voting averages the members' probabilities, so the vote's out-of-fold probability is
        # the average of theirs: no refit needed.
        oof = np.mean([r.oof_proba for r in members], axis=0)
        oof_by_repeat = (
            [np.mean(repeat, axis=0) for repeat in zip(*(r.oof_by_repeat for r in members), strict=True)]
            if sides.cross_validated
            else None
        )
        cv_seconds, fit_seconds = 0.0, time.perf_counter() - started
    else:
        if options.tune_trials and family in ("lr", "rf", "xgb", "lgbm", "ann"):
            params |= _tune(family, data, options, sides, ctx, log)
        fits = cross_fit(
            family, X, sides.y_train, sides.folds, data.feature_types, ctx, params, excluded=sides.outliers
        )
        pipeline, oof = fits.pipeline, fits.oof_proba
        oof_by_repeat = None
        if sides.cross_validated:
            oof_by_repeat = [oof] + [
                cross_fit(
                    family,
                    X,
                    sides.y_train,
                    folds,
                    data.feature_types,
                    ctx,
                    params,
                    excluded=sides.outliers,
                    refit=False,
                ).oof_proba
                for folds in sides.repeats[1:]
            ]
        if fits.rounds is not None:
            params["n_estimators"] = fits.rounds
        total = time.perf_counter() - started
        # The refit sees all rows and each of the k folds (k-1)/k of them, k fits' worth in all:
        # the refit's share is 1/(k x repeats + 1) x k of the time, 1/k with one repetition.
        fit_seconds = total / len(sides.folds) / max(1, len(sides.repeats))
        cv_seconds = total - fit_seconds
    calibrator = Calibrator(options.calibration).fit(oof, sides.y_train)
    oof_calibrated = calibrator.transform(oof)
    train_exposure = _exposure(sides.train, options)
    threshold, cv_cost = optimal_threshold(sides.y_train, oof_calibrated, options.cost, train_exposure)
    oof_row_cost = row_costs(sides.y_train, oof_calibrated, threshold, options.cost, train_exposure)
    if sides.cross_validated:
        proba = oof_calibrated  # the refit has seen every row: only out-of-fold figures are honest
    else:
        proba = calibrator.transform(pipeline.predict_proba(sides.holdout[features])[:, 1])
    metrics = classification_metrics(sides.y_holdout, proba, threshold, options.cost, exposure)
    intervals = bootstrap_intervals(
        sides.y_holdout,
        proba,
        threshold,
        options.cost,
        exposure,
        n_boot=options.bootstrap,
        seed=ctx.seed,
        groups=sides.holdout[data.entity_key].to_numpy(),
    )
    cv_summary = None
    if oof_by_repeat is not None:
        cv_summary = summarise(fold_scores(sides.y_train, oof_by_repeat, sides.repeats), len(sides.folds))
        for metric in ("roc_auc", "pr_auc"):
            metrics[metric] = cv_summary[metric]["mean"]
            intervals[metric] = tuple(cv_summary[metric]["ci95"])
    return FamilyResult(
        family=family,
        pipeline=pipeline,
        calibrator=calibrator,
        threshold=threshold,
        cv_cost=cv_cost,
        cv_auc=float(roc_auc_score(sides.y_train, oof)),
        metrics=metrics,
        intervals=intervals,
        params=params,
        fit_seconds=fit_seconds,
        cv_seconds=cv_seconds,
        oof_proba=oof,
        oof_row_cost=oof_row_cost,
        holdout_proba=proba,
        oof_by_repeat=oof_by_repeat,
        cv_summary=cv_summary,
    )


def _tune(
    family: str, data: LabelledData, options: TrainOptions, sides: _Sides, ctx: FitContext, log: Log
) -> dict[str, Any]:
    import mlflow

    def on_trial(number: int, params: dict[str, Any], scores: list[float]) -> None:
        with mlflow.start_run(run_name=f"{family} trial {number}", nested=True):
            mlflow.log_params({k: str(v) for k, v in params.items()})
            mlflow.log_metric("cv_auc", float(np.mean(scores)))
            for i, score in enumerate(scores):
                mlflow.log_metric("cv_auc_fold", score, step=i)

    result = tune_family(
        family,
        sides.train[data.feature_names],
        sides.y_train,
        sides.groups,
        data.feature_types,
        ctx,
        n_trials=options.tune_trials,
        folds=options.folds_for(sides.protocol),
        method=options.tune_method,
        timeout=options.tune_timeout,
        on_trial=on_trial,
    )
    mlflow.log_metric("tuning_best_cv_auc", result.best_cv_auc)
    log(f"{family}: {result.n_trials} trials, best CV AUC {result.best_cv_auc:.4f}")
    return result.params


def _artifact(
    data: LabelledData, options: TrainOptions, result: FamilyResult, sides: _Sides
) -> CreditRiskModel:
    spec = MODELS.get(options.model)
    default_service = spec.feature_service if spec else f"{options.model}_dataset"
    feature_service = data.manifest.get("feature_service") or default_service
    background = sides.train[data.feature_names].sample(
        n=min(200, len(sides.train)), random_state=options.seed
    )
    return CreditRiskModel(
        model_name=options.model,
        feature_service=str(feature_service),
        entity_key=data.entity_key,
        feature_names=data.feature_names,
        feature_types=data.feature_types,
        estimator=result.pipeline,
        calibrator=result.calibrator,
        threshold=result.threshold,
        cost_ratio=options.cost.effective_ratio,
        background=background,
        family=result.family,
        metadata={
            "calibration": options.calibration,
            "holdout_roc_auc": result.metrics["roc_auc"],
            "holdout_expected_cost": result.metrics["expected_cost"],
            "monotone": monotone_on(options),
        },
    )


def _log_family(result: FamilyResult, data: LabelledData, sides: _Sides, options: TrainOptions) -> None:
    """Params, metrics (with CI bounds), the family's plots and its SHAP summary."""
    import mlflow

    mlflow.log_params({k: str(v)[:250] for k, v in result.params.items()})
    mlflow.log_metrics({k: float(v) for k, v in result.metrics.items()})
    mlflow.log_metrics(
        {
            "cv_expected_cost": result.cv_cost,
            "cv_roc_auc": result.cv_auc,
            "fit_seconds": result.fit_seconds,
            "cv_seconds": result.cv_seconds,
        }
    )
    for name, (low, high) in result.intervals.items():
        mlflow.log_metrics({f"{name}_ci_low": low, f"{name}_ci_high": high})
    y, proba = sides.y_holdout, result.holdout_proba
    assert proba is not None
    for file_name, fig in (
        ("calibration.png", plots.calibration_figure(y, proba)),
        ("cost_curve.png", plots.cost_figure(y, proba, options.cost, result.threshold)),
    ):
        mlflow.log_figure(fig, f"plots/{file_name}")
        plots.close(fig)
    _log_shap(result, data, sides, options)


def _log_shap(result: FamilyResult, data: LabelledData, sides: _Sides, options: TrainOptions) -> None:
    import mlflow

    model = _artifact(data, options, result, sides)
    n = min(SHAP_ROWS.get(result.family, 200), len(sides.holdout))
    rows = sides.holdout.sample(n=n, random_state=options.seed)[data.feature_names]
    started = time.perf_counter()
    explanation = model.explain(rows)
    seconds = time.perf_counter() - started
    result.shap_seconds_per_1k = seconds / n * 1000
    phi = explanation.contributions.to_numpy()
    importance = mean_abs_importance(phi, data.feature_names)
    result.importance = {k: float(v) for k, v in importance.items()}
    mlflow.log_metric("shap_seconds_per_1k_rows", result.shap_seconds_per_1k)
    mlflow.log_dict(result.importance, "shap/mean_abs_shap_log_odds.json")
    fig = plots.shap_summary_figure(phi, rows, f"SHAP ({result.family}, log-odds of calibrated PD)")
    mlflow.log_figure(fig, "plots/shap_summary.png")
    plots.close(fig)


def _holdout_oracle_pd(
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


def _oracle_auc(
    truth: np.ndarray | None,
    sides: _Sides,
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


def _log_comparison(
    results: dict[str, FamilyResult],
    selected: str,
    sides: _Sides,
    oracle_auc: float | None,
    truth: np.ndarray | None,
) -> None:
    """The comparison table of families (markdown and CSV), combined ROC/PR plots, the oracle ratio."""
    import mlflow

    table = pd.DataFrame(
        {
            name: {k: r.metrics[k] for k in _TABLE_METRICS}
            | {"cv_expected_cost": r.cv_cost, "cv_roc_auc": r.cv_auc, "fit_seconds": r.fit_seconds}
            | _oracle_columns(r, oracle_auc)
            for name, r in results.items()
        }
    ).T
    table["selected"] = table.index == selected
    mlflow.log_text(table.to_markdown() if _has_tabulate() else table.to_csv(), "comparison.md")
    mlflow.log_text(table.to_csv(), "comparison.csv")
    # The same table as an MLflow table artefact: the UI shows it as a sortable grid.
    mlflow.log_table(table.reset_index(names="family"), "comparison_table.json")
    curves = {name: (sides.y_holdout, r.holdout_proba) for name, r in results.items()}
    oracle = truth if truth is not None and not np.isnan(truth).any() else None
    for file_name, fig in (
        ("roc.png", plots.roc_figure(curves, oracle)),
        ("pr.png", plots.pr_figure(curves)),
    ):
        mlflow.log_figure(fig, f"plots/{file_name}")
        plots.close(fig)
    best = results[selected].metrics
    mlflow.log_metrics({f"selected_{k}": float(best[k]) for k in _TABLE_METRICS})
    if oracle_auc:
        mlflow.log_metrics({"oracle_auc": oracle_auc} | _oracle_columns(results[selected], oracle_auc))


def _oracle_columns(result: FamilyResult, oracle_auc: float | None) -> dict[str, float]:
    if not oracle_auc:
        return {}
    low, high = result.intervals.get("auc_to_oracle", (np.nan, np.nan))
    return {
        "auc_to_oracle": result.metrics["roc_auc"] / oracle_auc,
        "auc_to_oracle_ci_low": low,
        "auc_to_oracle_ci_high": high,
    }


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def _register(
    model: CreditRiskModel,
    options: TrainOptions,
    sides: _Sides,
    exposure: np.ndarray | None,
    result: FamilyResult,
    data: LabelledData,
    protocol: Protocol,
    log: Log,
) -> PromotionDecision:
    from training.registry import log_model, register_cross_validated

    info = log_model(model, sides.holdout[model.feature_names])

    def cost(y: np.ndarray, proba: np.ndarray, threshold: float) -> float:
        return expected_cost(y, proba, threshold, options.cost, exposure)

    if sides.cross_validated:
        decision = register_cross_validated(
            info.model_uri,
            options.model,
            result.metrics["expected_cost"],
            str(data.manifest.get("fingerprint", "")),
            protocol.warnings,
        )
    else:
        decision = register_and_promote(
            info.model_uri, options.model, model, sides.holdout, sides.y_holdout, cost, protocol.warnings
        )
    verdict = "promoted to champion" if decision.promoted else "not promoted"
    log(f"registered {options.model} v{decision.version} as challenger; {verdict} ({decision.reason})")
    return decision


def _log_run_context(
    data: LabelledData, options: TrainOptions, split_info: dict[str, Any], settings: Settings
) -> None:
    import mlflow

    mlflow.log_params(
        {
            "model": options.model,
            "families": ",".join(options.families),
            "calibration": options.calibration,
            "cost_ratio": options.cost.effective_ratio,
            "exposure_col": options.exposure_col,
            "outliers": options.outliers,
            "monotone": monotone_on(options),
            "booster_weighting": options.booster_weighting,
            "tune_trials": options.tune_trials,
            "tune_method": options.tune_method,
            "protocol": options.protocol,
            "cv_folds": options.folds_for("cv" if options.protocol == "cv" else "holdout"),
            "cv_repeats": options.cv_repeats,
            "seed": options.seed,
            "label": data.label,
            "entity_key": data.entity_key,
            "n_features": len(data.feature_names),
        }
    )
    mlflow.log_params({f"split_{k}": v for k, v in split_info.items()})
    mlflow.log_dict(data.manifest, "training_set_manifest.json")
    mlflow.log_dict(data.feature_types, "feature_types.json")
    commit = git_commit(settings.project_dir)
    if commit:
        mlflow.set_tag("git_commit", commit)
        mlflow.set_tag("mlflow.source.git.commit", commit)


def git_commit(project_dir: Path) -> str | None:
    """The checkout's commit, or ``None`` outside a git work tree."""
    try:
        out = subprocess.run(
            ["git", "-C", str(project_dir), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def write_report(report: TrainingReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2, default=str))
