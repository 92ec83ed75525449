"""What a training run produced: each family's :class:`FamilyResult`, the run's :class:`TrainingReport`.

:meth:`TrainingReport.to_dict` is the ``--report-json`` document (docs/contracts.md) and
:func:`write_report` writes it; ``TABLE_METRICS`` are the columns of every comparison of families
(the CLI table, the MLflow comparison artefacts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from training.artifact import CreditRiskModel
from training.calibration import Calibrator
from training.protocol import Protocol
from training.registry import PromotionDecision

#: The holdout metrics a comparison of families shows, in its column order.
TABLE_METRICS = (
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
                    **{k: result.metrics[k] for k in TABLE_METRICS},
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


def write_report(report: TrainingReport, path: Path) -> None:
    """Write the ``--report-json`` document, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2, default=str))


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
