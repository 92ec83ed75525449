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

This module is the sequence; its parts live where their names say: the options in
:mod:`training.options`, the protocol and the two sides in :mod:`training.sides`, the result types
and the ``--report-json`` document in :mod:`training.results`, everything written to MLflow in
:mod:`training.tracking`, the generator's truth in :mod:`training.oracle`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from creditrisk.errors import DataError
from creditrisk.model_specs import MODELS
from creditrisk.settings import Settings
from training import tracking
from training.artifact import CreditRiskModel
from training.calibration import Calibrator
from training.crossfit import cross_fit
from training.evaluate import (
    bootstrap_intervals,
    classification_metrics,
    expected_cost,
    optimal_threshold,
    row_costs,
)
from training.families import FitContext, monotone_directions, voting_ensemble
from training.labelled_data import LabelledData
from training.options import DEFAULT_FAMILIES, FAMILIES, MONOTONE_FAMILIES, Log, TrainOptions, monotone_on
from training.oracle import holdout_oracle_auc, holdout_true_pd
from training.protocol import Protocol, fold_scores, summarise
from training.registry import PromotionDecision, register_and_promote
from training.results import FamilyResult, TrainingReport
from training.selection import select_family
from training.sides import Sides, choose_protocol, cv_sides, holdout_sides
from training.tune import tune_family


def _silent(_: str) -> None:
    return None


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
    _check_options(data, options)
    _families(options, log)
    protocol, split = choose_protocol(data, options, log)
    if split is not None:
        sides, split_info = holdout_sides(data, split, options, log)
    else:
        sides, split_info = cv_sides(data, options, protocol, log)
    split_info["protocol"] = protocol.name
    y_all = sides.y_train
    ctx = FitContext(
        n_positive=int(y_all.sum()),
        n_negative=int(len(y_all) - y_all.sum()),
        seed=options.seed,
        booster_weighting=options.booster_weighting,
        monotone=monotone_directions(data.feature_names, data.feature_types) if monotone_on(options) else {},
    )
    exposure = _exposure(sides.holdout, options)
    with tracking.training_run(options.model, settings) as run:
        tracking.log_run_context(data, options, split_info, protocol, settings)
        results = _train_families(data, options, sides, ctx, exposure, log)
        selected = select_family(results, sides.groups, seed=options.seed)
        _warn_if_no_better_than_chance(results[selected], protocol, log)
        truth = holdout_true_pd(sides.holdout, data, settings, log)
        oracle_auc = holdout_oracle_auc(truth, sides, data, results, options, log)
        tracking.log_comparison(results, selected, sides, oracle_auc, truth)
        model = _artifact(data, options, results[selected], sides)
        promotion = None
        if protocol.warnings:
            tracking.tag_run("warnings", " | ".join(protocol.warnings)[:5000])
        if options.register:
            promotion = _register(model, options, sides, exposure, results[selected], data, protocol, log)
        tracking.tag_run("selected_family", selected)
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


def _exposure(frame: pd.DataFrame, options: TrainOptions) -> np.ndarray | None:
    return frame[options.exposure_col].to_numpy(dtype=float) if options.exposure_col else None


def _train_families(
    data: LabelledData,
    options: TrainOptions,
    sides: Sides,
    ctx: FitContext,
    exposure: np.ndarray | None,
    log: Log,
) -> dict[str, FamilyResult]:
    results: dict[str, FamilyResult] = {}
    ordered = [f for f in FAMILIES if f in _families(options, _silent)]  # said once, at the start
    for family in ordered:
        if family == "vote" and len([r for r in results if r != "vote"]) < 2:
            log("vote: needs at least two other families; skipped")
            continue
        log(f"{family}: training")
        with tracking.family_run(family):
            result = _train_one(family, data, options, sides, ctx, exposure, results, log)
            tracking.log_family(result, _artifact(data, options, result, sides), data, sides, options)
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
    sides: Sides,
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
    family: str, data: LabelledData, options: TrainOptions, sides: Sides, ctx: FitContext, log: Log
) -> dict[str, Any]:
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
        on_trial=tracking.trial_logger(family),
    )
    tracking.log_tuning(result.best_cv_auc)
    log(f"{family}: {result.n_trials} trials, best CV AUC {result.best_cv_auc:.4f}")
    return result.params


def _artifact(
    data: LabelledData, options: TrainOptions, result: FamilyResult, sides: Sides
) -> CreditRiskModel:
    """The artefact serving would load for ``result`` (built for every family's SHAP summary and for
    the selected family's registration)."""
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


def _register(
    model: CreditRiskModel,
    options: TrainOptions,
    sides: Sides,
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
