"""The served models: loaded once, swapped atomically on reload so requests never wait.

A :class:`ServedModel` wraps the training layer's ``CreditRiskModel`` (docs/contracts.md
section 4) with what serving needs per request precomputed at load time: the feature order,
the per-feature validators, the version. :class:`ModelHolder` keeps the current set in one
dict that :meth:`ModelHolder.reload` replaces in a single assignment after every new model has
loaded; a request that already took a model finishes with it, the next one gets the new one.
Models are loaded with the training layer's own helpers (registry alias or encrypted bundle).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditrisk.settings import Settings
from serving.errors import ModelNotLoadedError

logger = logging.getLogger(__name__)


@dataclass
class ServedModel:
    """One loaded model and what serving precomputes from it."""

    artifact: Any
    version: str
    source: str
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        art = self.artifact
        self.name: str = art.model_name
        self.feature_service: str = art.feature_service
        self.entity_key: str = art.entity_key
        self.feature_names: list[str] = list(art.feature_names)
        #: the frame's columns, built once rather than an Index per request
        self.feature_index = pd.Index(self.feature_names)
        self.feature_types: dict[str, str] = dict(art.feature_types)
        self.threshold: float = float(art.threshold)
        self.cost_ratio: float = float(art.cost_ratio)
        single_thread_inference(art)
        self.proba_from_explanation = explanation_gives_probability(art)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "feature_service": self.feature_service,
            "entity_key": self.entity_key,
            "features": self.feature_names,
            "feature_types": self.feature_types,
            "threshold": self.threshold,
            "cost_ratio": self.cost_ratio,
            "loaded_at": self.loaded_at,
        }


def single_thread_inference(artifact: Any) -> None:
    """Score one request on one thread: for a single row, thread start-up costs more than the
    trees (a 2-thread LightGBM predict of one row measured twice as slow as 1 thread)."""
    estimator = getattr(artifact, "estimator", None)
    members = [getattr(m, "estimator", m) for m in getattr(estimator, "estimators_", None) or []]
    pipelines = [estimator, *members]
    for pipeline in pipelines:
        steps = getattr(pipeline, "named_steps", {}) or {}
        for step in steps.values():
            if type(step).__name__ in _THREADED and "n_jobs" in step.get_params():
                step.set_params(n_jobs=1)


_THREADED = {"LGBMClassifier", "XGBClassifier", "RandomForestClassifier"}


def explanation_gives_probability(artifact: Any) -> bool:
    """Whether ``explain`` alone yields the calibrated probability (its output in log-odds or
    probability space), checked on the model's own background rows at load time.

    When it does, serving skips the second pass through the model that ``predict_proba`` would
    cost; when it does not (or cannot be checked), serving calls ``predict_proba`` as well.
    """
    sample = getattr(artifact, "background", None)
    if not isinstance(sample, pd.DataFrame) or sample.empty:
        return False
    rows = sample.head(20)
    try:
        explanation = artifact.explain(rows)
        expected = np.asarray(artifact.predict_proba(rows), dtype=float)
    except Exception:
        return False
    derived = probability_from_output(explanation)
    return derived is not None and bool(np.allclose(derived, expected, rtol=0, atol=1e-9))


def probability_from_output(explanation: Any) -> np.ndarray | None:
    """``base + sum(contributions)`` mapped to a probability, or None for an unknown space."""
    return output_probability(
        explanation.base_value, explanation.contributions.to_numpy(dtype=float), explanation.output_space
    )


def output_probability(base_value: Any, contributions: np.ndarray, output_space: str) -> np.ndarray | None:
    """The probability ``base + sum(contributions)`` stands for in ``output_space`` (None: unknown)."""
    output = np.asarray(base_value, dtype=float).reshape(-1) + contributions.sum(axis=1)
    if output_space == "log_odds":
        return 1.0 / (1.0 + np.exp(-output))
    if output_space == "probability":
        return output
    return None


Loader = Callable[[Settings], tuple[dict[str, ServedModel], dict[str, str]]]


def load_configured_models(settings: Settings) -> tuple[dict[str, ServedModel], dict[str, str]]:
    """Load every model the settings name: bundles when given, else the registry alias.

    Returns the loaded models and, per model that failed, the reason (the API still starts and
    answers 503 for that model, naming the reason).
    """
    bundles = [Path(p.strip()) for p in settings.model_bundles.split(",") if p.strip()]
    if bundles:
        return _load_bundles(bundles, settings)
    models: dict[str, ServedModel] = {}
    errors: dict[str, str] = {}
    for name in (n.strip() for n in settings.serve_models.split(",") if n.strip()):
        try:
            models[name] = load_registry_model(name, settings.model_alias, settings)
        except Exception as exc:  # any loader failure is a per-model 503, not a crash
            errors[name] = f"cannot load models:/{name}@{settings.model_alias}: {exc}"
            logger.warning(errors[name])
    return models, errors


def load_served_model(name: str, settings: Settings, alias: str | None = None) -> ServedModel:
    """One model for batch scoring: from the configured bundles when set, else the registry alias."""
    bundles = [Path(p.strip()) for p in settings.model_bundles.split(",") if p.strip()]
    if bundles and alias is None:
        models, errors = _load_bundles(bundles, settings)
        if name in models:
            return models[name]
        raise ModelNotLoadedError(
            f"no bundle in CREDITRISK_MODEL_BUNDLES holds '{name}' ({errors or 'none'})"
        )
    try:
        return load_registry_model(name, alias or settings.model_alias, settings)
    except ModelNotLoadedError:
        raise
    except Exception as exc:
        raise ModelNotLoadedError(
            f"cannot load models:/{name}@{alias or settings.model_alias}: {exc}"
        ) from exc


def load_registry_model(name: str, alias: str, settings: Settings) -> ServedModel:
    """The model registered as ``name`` under ``alias``, through the training layer's loader."""
    from training.registry import load_model, model_version_for_alias

    artifact = load_model(name, alias, settings)  # also points MLflow at the project's store
    version = model_version_for_alias(name, alias)
    return ServedModel(artifact=artifact, version=str(version), source=f"models:/{name}@{alias}")


def _load_bundles(paths: list[Path], settings: Settings) -> tuple[dict[str, ServedModel], dict[str, str]]:
    import tempfile

    from training.bundle import load_bundle, open_bundle

    models: dict[str, ServedModel] = {}
    errors: dict[str, str] = {}
    for path in paths:
        try:
            artifact = load_bundle(path, settings)
            with tempfile.TemporaryDirectory() as tmp:
                version = open_bundle(path, Path(tmp), settings)["version"]
            served = ServedModel(artifact=artifact, version=str(version), source=f"bundle:{path}")
            models[served.name] = served
        except Exception as exc:
            errors[str(path)] = f"cannot load bundle {path}: {exc}"
            logger.warning(errors[str(path)])
    return models, errors


class ModelHolder:
    """The current models, replaced as a whole on reload (see the module docstring)."""

    def __init__(self, settings: Settings, loader: Loader = load_configured_models) -> None:
        self._settings = settings
        self._loader = loader
        self._models: dict[str, ServedModel] = {}
        self.errors: dict[str, str] = {}
        self._reload_lock = threading.Lock()
        self.reloads = 0

    def load(self) -> None:
        """Load (or reload) every model; old models stay in service until the new set is ready."""
        with self._reload_lock:
            models, errors = self._loader(self._settings)
            # A model that failed to reload keeps serving its previous version.
            for name, old in self._models.items():
                if name not in models and name in errors:
                    models[name] = old
                    errors[name] = f"{errors[name]} (still serving version {old.version})"
            self._models = models  # one assignment: requests see the old or the new set, never a mix
            self.errors = errors
            self.reloads += 1

    def get(self, name: str) -> ServedModel:
        model = self._models.get(name)
        if model is None:
            reason = self.errors.get(name) or "; ".join(
                [f"model '{name}' is not loaded", *self.errors.values()]
            )
            raise ModelNotLoadedError(reason)
        return model

    def all(self) -> list[ServedModel]:
        return list(self._models.values())

    def missing(self) -> dict[str, str]:
        """Configured models not loaded, with the reason."""
        wanted = [n.strip() for n in self._settings.serve_models.split(",") if n.strip()]
        if self._settings.model_bundles.strip():
            wanted = []
        out = {name: self.errors.get(name, "not loaded") for name in wanted if name not in self._models}
        out.update({k: v for k, v in self.errors.items() if k not in self._models and k not in out})
        return out
