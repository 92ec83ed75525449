"""The retraining trigger: measure drift, train a challenger only when it crossed a threshold.

``retrain(model, settings, options)``:

1. with ``if_drift`` (``creditrisk retrain --if-drift``), computes the drift report of the
   champion (:func:`monitoring.drift.drift_report`) and writes it; no check at ``drift`` status
   means nothing is trained;
2. otherwise builds a fresh point-in-time training set (``training.labelled_data.load_training_set``, every
   labelled observation up to now) and calls ``training.train.train_model``, whose registry step
   makes the new version the challenger and promotes it only if its expected cost on this run's
   holdout (the most recent observations) is strictly lower than the champion's on the same rows;
3. records the decision as an MLflow run (``retrain decision`` in the model's experiment: the
   outcome, the triggers, the drift figures, the drift report files, the training run and the
   versions) and tags the new model version with what triggered it.

The outcome doubles as the CLI's exit code, so a scheduled CI job can branch on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from creditrisk.settings import Settings
from monitoring.drift import DriftOptions, DriftReport, drift_report
from monitoring.report import WrittenReport, write_drift_report

Log = Callable[[str], None]


class Outcome(IntEnum):
    """What happened; the value is ``creditrisk retrain``'s exit code (errors keep 1-5)."""

    NO_DRIFT = 0
    RETRAINED_KEPT = 10
    PROMOTED = 11

    @property
    def label(self) -> str:
        return {0: "no drift", 10: "retrained, champion kept", 11: "retrained, challenger promoted"}[
            self.value
        ]


@dataclass(frozen=True)
class RetrainOptions:
    if_drift: bool = True
    drift: DriftOptions = field(default_factory=DriftOptions)
    families: tuple[str, ...] | None = None  # None: train_model's default set
    start: str | None = None
    end: str | None = None
    seed: int = 42
    bootstrap: int = 200
    min_holdout_events: int = 30


@dataclass
class RetrainDecision:
    model: str
    outcome: Outcome
    reason: str
    triggers: list[str]
    drift: DriftReport | None = None
    report_files: WrittenReport | None = None
    version: int | None = None
    champion_version: int | None = None
    training_run_id: str | None = None
    decision_run_id: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "outcome": self.outcome.name.lower(),
            "exit_code": int(self.outcome),
            "reason": self.reason,
            "triggers": self.triggers,
            "new_version": self.version,
            "champion_version": self.champion_version,
            "training_run_id": self.training_run_id,
            "decision_run_id": self.decision_run_id,
            "drift_report": str(self.report_files.html) if self.report_files else None,
        }


def _silent(_: str) -> None:
    return None


def retrain(model: str, settings: Settings, options: RetrainOptions, log: Log = _silent) -> RetrainDecision:
    """See the module docstring."""
    report, files, found = None, None, ["retrain requested without --if-drift"]
    if options.if_drift:
        source, alias = options.drift.source, options.drift.alias
        log(f"drift: comparing recent {source} rows with {model}@{alias}'s training set")
        report = drift_report(model, settings, options.drift)
        files = write_drift_report(report, settings.reports_dir)
        found = report.triggers
        log(f"drift: status {report.status}, {len(found)} trigger(s); report {files.html}")
        if not found:
            decision = RetrainDecision(
                model, Outcome.NO_DRIFT, f"no check reached drift (status {report.status})", [], report, files
            )
            decision.champion_version = int(report.version)
            decision.decision_run_id = record_decision(decision, settings, options)
            return decision
    decision = _train_challenger(model, settings, options, found, log)
    decision.drift, decision.report_files = report, files
    decision.decision_run_id = record_decision(decision, settings, options)
    return decision


def _train_challenger(
    model: str, settings: Settings, options: RetrainOptions, found: list[str], log: Log
) -> RetrainDecision:
    from training.labelled_data import load_training_set
    from training.options import TrainOptions
    from training.train import train_model

    log("retrain: building a fresh point-in-time training set")
    data = load_training_set(model, options.start, options.end, settings)
    train_options = TrainOptions(
        model=model,
        seed=options.seed,
        bootstrap=options.bootstrap,
        min_holdout_positive_entities=options.min_holdout_events,
    )
    if options.families:
        train_options.families = tuple(options.families)
    training = train_model(data, train_options, settings, log)
    promotion = training.promotion
    if promotion is None:  # train_model registers by default; kept for a clear message if not
        return RetrainDecision(model, Outcome.RETRAINED_KEPT, "trained but not registered", found)
    outcome = Outcome.PROMOTED if promotion.promoted else Outcome.RETRAINED_KEPT
    decision = RetrainDecision(
        model,
        outcome,
        promotion.reason,
        found,
        version=promotion.version,
        champion_version=promotion.current_champion,
        training_run_id=training.run_id,
    )
    _tag_version(model, promotion.version, found)
    return decision


def _tag_version(model: str, version: int, found: list[str]) -> None:
    from mlflow import MlflowClient

    client = MlflowClient()
    client.set_model_version_tag(model, str(version), "retrain_trigger", "; ".join(found)[:5000] or "manual")


def record_decision(decision: RetrainDecision, settings: Settings, options: RetrainOptions) -> str:
    """One MLflow run per decision, in the model's experiment; returns its run id."""
    import mlflow

    from training.registry import configure_tracking, ensure_experiment

    configure_tracking(settings)
    experiment_id = ensure_experiment(decision.model, settings)
    with mlflow.start_run(experiment_id=experiment_id, run_name="retrain decision") as run:
        mlflow.set_tags(
            {
                "creditrisk.retrain.outcome": decision.outcome.name.lower(),
                "creditrisk.retrain.exit_code": str(int(decision.outcome)),
                "creditrisk.retrain.reason": decision.reason[:5000],
                "creditrisk.retrain.triggers": "; ".join(decision.triggers)[:5000],
                "creditrisk.retrain.training_run_id": decision.training_run_id or "",
            }
        )
        drift = options.drift
        mlflow.log_params(
            {
                "if_drift": options.if_drift,
                "window_days": drift.window.total_seconds() / 86400,
                "source": drift.source,
                "psi_warn": drift.psi_warn,
                "psi_alert": drift.psi_alert,
                "auc_drop": drift.auc_drop,
                "new_version": decision.version,
                "champion_version": decision.champion_version,
            }
        )
        report = decision.drift
        if report is not None:
            metrics = {
                "score_psi": report.score.psi,
                "max_feature_psi": report.max_feature_psi,
                "features_drifting": float(sum(f.status == "drift" for f in report.features)),
                "current_rows": float(report.current["rows"]),
            }
            if report.performance is not None and report.performance.auc is not None:
                metrics["realised_auc"] = report.performance.auc
            mlflow.log_metrics(metrics)
        if decision.report_files is not None:
            mlflow.log_artifact(str(decision.report_files.json), "drift")
            mlflow.log_artifact(str(decision.report_files.html), "drift")
        mlflow.log_dict(decision.summary(), "decision.json")
        return run.info.run_id
