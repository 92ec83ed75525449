"""Drift and decay of a registered model: per-feature, score and realised-performance checks.

``compare(reference_frame, current_frame, ...)`` is the pure computation (what the benchmark
times); ``drift_report(model, settings, options)`` loads the registered version's training set
and the recent traffic (:mod:`monitoring.sources`) and calls it.

Status per check: ``stable`` below ``psi_warn`` (0.1 by default), ``warning`` from there,
``drift`` at ``psi_alert`` (0.25) or above. Realised performance is ``drift`` when the AUC on
matured labels is ``auc_drop`` (0.05) or more below what the holdout promised, with at least
``min_labelled`` matured labels of both classes. The report's status is the worst of its checks,
and every ``drift`` check is listed in ``triggers`` (what ``creditrisk retrain --if-drift`` acts on).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from creditrisk.errors import DataError
from creditrisk.settings import Settings
from monitoring import stats

STATUSES = ("stable", "warning", "drift")
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class DriftOptions:
    """What ``creditrisk monitor drift`` can set."""

    window: timedelta = timedelta(days=30)
    source: str = "log"  # log | marts
    alias: str = "champion"
    psi_warn: float = 0.1
    psi_alert: float = 0.25
    auc_drop: float = 0.05
    min_rows: int = 50
    min_labelled: int = 50
    bins: int = 10
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.source not in ("log", "marts"):
            raise DataError(f"--source must be log or marts, not {self.source!r}")
        if not 0 < self.psi_warn <= self.psi_alert:
            raise DataError("thresholds must satisfy 0 < --psi-warn <= --psi-alert")
        if self.window <= timedelta(0):
            raise DataError("--window must be positive")

    def status(self, value: float) -> str:
        if not np.isfinite(value) or value < self.psi_warn:
            return "stable"
        return "warning" if value < self.psi_alert else "drift"


@dataclass
class FeatureDrift:
    name: str
    kind: str  # numeric | categorical
    psi: float
    status: str
    missing_reference: float
    missing_current: float
    #: PSI of the missing/present split (a feature that stops arriving drifts here)
    missing_psi: float = 0.0
    ks: float | None = None
    ks_p_value: float | None = None
    chi2: float | None = None
    chi2_p_value: float | None = None
    bins: list[str] = field(default_factory=list)
    reference_share: list[float] = field(default_factory=list)
    current_share: list[float] = field(default_factory=list)


@dataclass
class ScoreDrift:
    psi: float
    status: str
    ks: float
    mean_reference: float
    mean_current: float
    flagged_reference: float
    flagged_current: float
    bins: list[str]
    reference_share: list[float]
    current_share: list[float]


@dataclass
class Performance:
    """Realised discrimination and calibration on matured labels, against the holdout's promise."""

    labelled: int
    positives: int
    auc: float | None
    promised_auc: float | None
    auc_drop: float | None
    mean_predicted: float
    observed_rate: float
    ece: float
    status: str
    note: str
    calibration: list[dict[str, float]] = field(default_factory=list)


@dataclass
class DriftReport:
    model: str
    version: str
    alias: str
    status: str
    triggers: list[str]
    thresholds: dict[str, float]
    reference: dict[str, Any]
    current: dict[str, Any]
    score: ScoreDrift
    features: list[FeatureDrift]
    performance: Performance | None
    generated_at: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))

    @property
    def max_feature_psi(self) -> float:
        return max((f.psi for f in self.features), default=0.0)


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


# ------------------------------------------------------------------ the computation
def feature_drift(reference: pd.Series, current: pd.Series, kind: str, options: DriftOptions) -> FeatureDrift:
    """PSI (+ KS for numbers, chi-square for categories) and missing shares of one feature."""
    missing_ref, missing_cur = stats.missing_share(reference), stats.missing_share(current)
    if kind == "categorical":
        bins = stats.categorical_bins(reference)
        cur_share = stats.current_shares(bins, current)
        value = stats.psi(bins.reference_share, cur_share)
        chi2, chi2_p = stats.chi_square(bins, current, int(reference.notna().sum()))
        extra: dict[str, Any] = {"chi2": chi2, "chi2_p_value": chi2_p}
    else:
        ref, cur = _sorted_values(reference), _sorted_values(current)
        bins = stats.sorted_bins(ref, options.bins)
        cur_share = stats.sorted_shares(bins.edges, cur)
        value = stats.psi(bins.reference_share, cur_share)
        ks, ks_p = stats.ks_sorted(ref, cur)
        extra = {"ks": ks, "ks_p_value": ks_p}
    if missing_ref == 1.0 or missing_cur == 1.0:
        value = 0.0  # no values on one side: nothing to compare; the missing-share check speaks
    missing_value = _missing_psi(missing_ref, missing_cur)
    return FeatureDrift(
        name=str(reference.name),
        kind=kind,
        psi=value,
        status=options.status(max(value, missing_value)),
        missing_reference=missing_ref,
        missing_current=missing_cur,
        missing_psi=missing_value,
        bins=bins.labels,
        reference_share=bins.reference_share.tolist(),
        current_share=cur_share.tolist(),
        **extra,
    )


def _sorted_values(series: pd.Series) -> np.ndarray:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    return np.sort(values[~np.isnan(values)])


def _missing_psi(reference: float, current: float) -> float:
    """PSI of the two-bin split missing / present, so a feature that stops arriving is flagged."""
    if not (np.isfinite(reference) and np.isfinite(current)):
        return 0.0
    return stats.psi(np.array([reference, 1 - reference]), np.array([current, 1 - current]))


def score_drift(
    reference: np.ndarray, current: np.ndarray, threshold: float, options: DriftOptions
) -> ScoreDrift:
    bins = stats.numeric_bins(reference, options.bins)
    cur_share = stats.current_shares(bins, current)
    value = stats.psi(bins.reference_share, cur_share)
    ks, _ = stats.ks_test(reference, current)
    return ScoreDrift(
        psi=value,
        status=options.status(value),
        ks=ks,
        mean_reference=float(np.mean(reference)) if len(reference) else float("nan"),
        mean_current=float(np.mean(current)) if len(current) else float("nan"),
        flagged_reference=float(np.mean(reference >= threshold)) if len(reference) else float("nan"),
        flagged_current=float(np.mean(current >= threshold)) if len(current) else float("nan"),
        bins=bins.labels,
        reference_share=bins.reference_share.tolist(),
        current_share=cur_share.tolist(),
    )


def performance(
    probability: np.ndarray, label: np.ndarray | None, promised_auc: float | None, options: DriftOptions
) -> Performance | None:
    """Realised AUC and calibration where labels matured (``None`` when no label has)."""
    if label is None:
        return None
    mask = ~np.isnan(label)
    if not mask.any():
        return None
    y, p = label[mask].astype(int), probability[mask]
    positives = int(y.sum())
    enough = mask.sum() >= options.min_labelled and 0 < positives < len(y)
    auc = float(roc_auc_score(y, p)) if 0 < positives < len(y) else None
    drop = promised_auc - auc if auc is not None and promised_auc is not None else None
    status, note = "stable", ""
    if not enough:
        note = f"{int(mask.sum())} matured labels ({positives} positive): too few to judge decay"
    elif drop is not None and drop >= options.auc_drop:
        status = "drift"
        note = f"realised AUC {auc:.3f} is {drop:.3f} below the holdout's {promised_auc:.3f}"
    curve, ece = _calibration(y, p)
    return Performance(
        labelled=int(mask.sum()),
        positives=positives,
        auc=auc,
        promised_auc=promised_auc,
        auc_drop=drop,
        mean_predicted=float(p.mean()),
        observed_rate=float(y.mean()),
        ece=ece,
        status=status,
        note=note,
        calibration=curve,
    )


def _calibration(y: np.ndarray, p: np.ndarray) -> tuple[list[dict[str, float]], float]:
    """Observed rate against mean prediction per decile of the prediction, and the ECE."""
    order = np.argsort(p, kind="stable")
    curve, ece = [], 0.0
    for chunk in np.array_split(order, min(CALIBRATION_BINS, len(order))):
        if len(chunk) == 0:
            continue
        predicted, observed = float(p[chunk].mean()), float(y[chunk].mean())
        curve.append({"predicted": predicted, "observed": observed, "rows": len(chunk)})
        ece += len(chunk) / len(p) * abs(predicted - observed)
    return curve, float(ece)


def compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    feature_types: dict[str, str],
    options: DriftOptions,
) -> list[FeatureDrift]:
    """Every feature's drift, worst first (by PSI or the missing share's PSI)."""
    results = [
        feature_drift(reference[name], current[name], "categorical" if kind == "str" else "numeric", options)
        for name, kind in feature_types.items()
    ]
    return sorted(results, key=lambda r: -max(r.psi, r.missing_psi))


def triggers(
    features: list[FeatureDrift], score: ScoreDrift, perf: Performance | None, options: DriftOptions
) -> list[str]:
    found = [_feature_trigger(f) for f in features if f.status == "drift"]
    if score.status == "drift":
        found.insert(0, f"score distribution: PSI {score.psi:.3f}")
    if perf is not None and perf.status == "drift":
        found.insert(0, f"performance: {perf.note}")
    return found


def _feature_trigger(feature: FeatureDrift) -> str:
    if feature.missing_psi > feature.psi:
        return (
            f"feature {feature.name}: missing {feature.missing_reference:.1%} in training, "
            f"{feature.missing_current:.1%} now"
        )
    return f"feature {feature.name}: PSI {feature.psi:.3f}"


def overall_status(features: list[FeatureDrift], score: ScoreDrift, perf: Performance | None) -> str:
    checks = [f.status for f in features] + [score.status] + ([perf.status] if perf else [])
    return max(checks, key=STATUSES.index, default="stable")


# ------------------------------------------------------------------ orchestration
def drift_report(model: str, settings: Settings, options: DriftOptions | None = None) -> DriftReport:
    """Compare the registered version's training set with recent traffic (see the module docstring)."""
    from creditrisk.model_specs import get_model_spec
    from monitoring import sources

    options = options or DriftOptions()
    started = time.perf_counter()
    spec = get_model_spec(model)
    reference = sources.load_reference(model, options.alias, settings)
    if options.source == "marts":
        current = sources.current_from_marts(settings, reference, options.window)
    else:
        end = options.end or datetime.now(UTC)
        label_mart = settings.marts_dir / f"{spec.label_mart}.parquet"
        current = sources.current_from_log(settings, reference, end - options.window, end, label_mart)
    if len(current.frame) < options.min_rows:
        raise DataError(
            f"only {len(current.frame)} {model} rows in {current.description} between "
            f"{current.start:%Y-%m-%d %H:%M} and {current.end:%Y-%m-%d %H:%M}; need at least "
            f"{options.min_rows} (--min-rows) to measure drift"
        )
    fitted = reference.model
    features = compare(reference.frame, current.frame, fitted.feature_types, options)
    ref_scores = sources.reference_scores(reference)
    score = score_drift(ref_scores, current.probability, fitted.threshold, options)
    perf = performance(current.probability, current.label, reference.promised.get("holdout_roc_auc"), options)
    return DriftReport(
        model=model,
        version=reference.version,
        alias=options.alias,
        status=overall_status(features, score, perf),
        triggers=triggers(features, score, perf, options),
        thresholds={
            "psi_warn": options.psi_warn,
            "psi_alert": options.psi_alert,
            "auc_drop": options.auc_drop,
            "min_labelled": options.min_labelled,
        },
        reference={
            "description": reference.description,
            "rows": len(reference.frame),
            "run_id": reference.run_id,
            "promised": reference.promised,
            "threshold": fitted.threshold,
            "family": fitted.family,
        },
        current={
            "source": current.source,
            "description": current.description,
            "rows": len(current.frame),
            "start": current.start.isoformat(),
            "end": current.end.isoformat(),
            "window_days": options.window.total_seconds() / 86400,
        },
        score=score,
        features=features,
        performance=perf,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=time.perf_counter() - started,
    )


def parse_window(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w`` or a number of days."""
    text = text.strip().lower()
    units = {"d": 1.0, "w": 7.0, "h": 1 / 24}
    try:
        if text and text[-1] in units:
            return timedelta(days=float(text[:-1]) * units[text[-1]])
        return timedelta(days=float(text))
    except ValueError:
        raise DataError(f"--window must look like 30d, 12h or 2w, not {text!r}") from None
