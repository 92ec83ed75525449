"""Drift figures as Prometheus gauges, read from the last drift report at scrape time.

The API registers one :class:`DriftCollector` in its registry; each scrape of ``/metrics`` reads
``reports/drift_<model>.json`` of every served model (a few kilobytes) and exposes what
``creditrisk monitor drift`` last measured. Nothing is computed in the API process, and a model
without a report simply has no drift series.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from monitoring.report import read_drift_json

STATUS_VALUE = {"stable": 0, "warning": 1, "drift": 2}


class DriftCollector(Collector):
    """Gauges ``creditrisk_drift_*`` from the drift JSON of each model ``models()`` names."""

    def __init__(self, reports_dir: Path, models: Callable[[], list[str]]) -> None:
        self.reports_dir = reports_dir
        self.models = models

    def collect(self) -> Iterator[GaugeMetricFamily]:
        status = GaugeMetricFamily(
            "creditrisk_drift_status", "Last drift report: 0 stable, 1 warning, 2 drift", labels=["model"]
        )
        score = GaugeMetricFamily(
            "creditrisk_drift_score_psi", "PSI of the score distribution", labels=["model"]
        )
        feature = GaugeMetricFamily(
            "creditrisk_drift_feature_psi", "PSI per feature", labels=["model", "feature"]
        )
        missing = GaugeMetricFamily(
            "creditrisk_drift_feature_missing_share",
            "Share missing in current traffic",
            labels=["model", "feature"],
        )
        auc = GaugeMetricFamily(
            "creditrisk_drift_realised_auc", "AUC on matured labels (when there are enough)", labels=["model"]
        )
        rows = GaugeMetricFamily(
            "creditrisk_drift_current_rows", "Rows the last report compared", labels=["model"]
        )
        age = GaugeMetricFamily(
            "creditrisk_drift_report_age_seconds", "Seconds since the last drift report", labels=["model"]
        )
        now = datetime.now(UTC)
        for model in self.models():
            report = read_drift_json(self.reports_dir, model)
            if not report:
                continue
            status.add_metric([model], STATUS_VALUE.get(report.get("status", ""), -1))
            score.add_metric([model], _number(report["score"]["psi"]))
            rows.add_metric([model], float(report["current"]["rows"]))
            for item in report["features"]:
                feature.add_metric([model, item["name"]], _number(item["psi"]))
                missing.add_metric([model, item["name"]], _number(item["missing_current"]))
            perf = report.get("performance") or {}
            if perf.get("auc") is not None:
                auc.add_metric([model], float(perf["auc"]))
            generated = datetime.fromisoformat(report["generated_at"])
            age.add_metric([model], (now - generated).total_seconds())
        yield from (status, score, feature, missing, auc, rows, age)


def _number(value: float | None) -> float:
    return float("nan") if value is None else float(value)
