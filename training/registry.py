"""MLflow tracking and registry: where runs go, how a model is logged, registered and promoted.

The tracking store is a local SQLite database and the artefact root a folder under the data dir
(``Settings.tracking_uri``, ``Settings.mlflow_artifacts_dir``) unless ``MLFLOW_TRACKING_URI`` names a
server. Nothing here runs at import time.

Promotion rule: a new version gets the alias ``challenger``; it also becomes ``champion`` only when
there is no champion yet, or when its expected business cost on *this run's holdout* is strictly
lower than the current champion's on the same rows (the champion is loaded and re-scored, at its own
threshold). A champion that cannot score the holdout (different features) is kept and the reason is
reported; promote by hand with ``mlflow`` if that is intended.

A cross-validated run (no out-of-time holdout) has no rows the champion has not possibly trained
on, so re-scoring it would flatter the champion. Its out-of-fold expected cost is compared with the
champion's own out-of-fold cost only when both were cross-validated on the same data (the dataset
fingerprint); otherwise the champion is kept and the reason says why.

Warnings of the run (a thin split, an AUC interval that includes chance) are written on the version
as the ``warnings`` tag, so whoever promotes by hand sees them in the registry.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from creditrisk.errors import ConfigurationError, CreditRiskError
from creditrisk.settings import Settings
from training.artifact import CreditRiskModel

CHAMPION = "champion"
CHALLENGER = "challenger"

#: The packages a logged model needs to load (pinned to what trained it; avoids MLflow's slow inference).
_RUNTIME_PACKAGES = ("mlflow", "scikit-learn", "xgboost-cpu", "lightgbm", "shap", "pandas", "numpy", "scipy")

CostFunction = Callable[[np.ndarray, np.ndarray, float], float]


def tracking_uri(settings: Settings) -> str:
    """``MLFLOW_TRACKING_URI`` wins, then ``CREDITRISK_MLFLOW_TRACKING_URI``, then SQLite in the data dir."""
    return os.environ.get("MLFLOW_TRACKING_URI") or settings.tracking_uri


def configure_tracking(settings: Settings) -> str:
    """Point MLflow at the project's store (creating the local folder when it is the default).

    ``mlflow.set_tracking_uri`` also writes ``MLFLOW_TRACKING_URI`` into the environment, where it
    would later read as the user's own choice and pin every other data dir to this store; the
    environment is put back as it was, so only a value the user set there ever wins.
    """
    import mlflow

    uri = tracking_uri(settings)
    if uri == settings.tracking_uri and uri.startswith("sqlite:"):
        settings.mlflow_dir.mkdir(parents=True, exist_ok=True)
        settings.mlflow_artifacts_dir.mkdir(parents=True, exist_ok=True)
    before = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before
    return uri


def ensure_experiment(name: str, settings: Settings) -> str:
    """The experiment's id, creating it with its artefacts under the data dir when tracking is local."""
    import mlflow

    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = None
    if tracking_uri(settings).startswith("sqlite:"):
        location = (settings.mlflow_artifacts_dir / name).resolve().as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


def runtime_requirements(include_torch: bool = False) -> list[str]:
    """Pinned pip requirements of the logged model, read from the running environment."""
    names = [*_RUNTIME_PACKAGES, "torch"] if include_torch else list(_RUNTIME_PACKAGES)
    pins = []
    for name in names:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return pins


def log_model(model: CreditRiskModel, input_example: pd.DataFrame) -> Any:
    """Log the artefact as an MLflow pyfunc with signature and input example, in the active run."""
    import mlflow
    from mlflow.models import infer_signature

    example = model.prepare(input_example.head(5))
    signature = infer_signature(example, model.predict_proba(example))
    return mlflow.pyfunc.log_model(
        name="model",
        python_model=model,
        signature=signature,
        input_example=example,
        pip_requirements=runtime_requirements(include_torch=model.family in ("ann", "ftt", "vote")),
        metadata={"python": platform.python_version(), "family": model.family, **model.metadata},
    )


@dataclass
class PromotionDecision:
    """What happened to a new version, and the costs that decided it."""

    name: str
    version: int
    promoted: bool
    challenger_cost: float
    champion_version: int | None
    champion_cost: float | None
    reason: str

    @property
    def current_champion(self) -> int | None:
        return self.version if self.promoted else self.champion_version


def should_promote(challenger_cost: float, champion_cost: float | None) -> bool:
    """The rule: promote when there is no champion, or the challenger's expected cost is strictly lower."""
    if champion_cost is None:
        return True
    return bool(challenger_cost < champion_cost)


def register_and_promote(
    model_uri: str,
    name: str,
    challenger: CreditRiskModel,
    holdout: pd.DataFrame,
    y_holdout: np.ndarray,
    cost: CostFunction,
    warnings: list[str] | None = None,
) -> PromotionDecision:
    """Register ``model_uri`` as a new version of ``name``, alias it challenger, promote it if it wins."""
    client, version = _register_challenger(model_uri, name, warnings)
    client.set_model_version_tag(name, str(version), "protocol", "holdout")
    challenger_cost = float(cost(y_holdout, challenger.predict_proba(holdout), challenger.threshold))
    client.set_model_version_tag(name, str(version), "holdout_expected_cost", f"{challenger_cost:.6g}")
    champion_version, champion_cost, reason = _champion_cost(client, name, holdout, y_holdout, cost)
    basis = "expected cost"
    return _decide(client, name, version, challenger_cost, champion_version, champion_cost, reason, basis)


def register_cross_validated(
    model_uri: str, name: str, cv_cost: float, fingerprint: str, warnings: list[str] | None = None
) -> PromotionDecision:
    """Register a cross-validated model; promote it on out-of-fold cost against a comparable champion."""
    from mlflow.exceptions import MlflowException

    client, version = _register_challenger(model_uri, name, warnings)
    for key, value in (
        ("protocol", "cv"),
        ("cv_expected_cost", f"{cv_cost:.6g}"),
        ("fingerprint", fingerprint),
    ):
        client.set_model_version_tag(name, str(version), key, value)
    try:
        champion = client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        champion = None
    champion_version = int(champion.version) if champion is not None else None
    champion_cost: float | None = None
    reason = ""
    if champion is not None:
        tags = champion.tags or {}
        if tags.get("protocol") != "cv" or tags.get("fingerprint") != fingerprint or not fingerprint:
            reason = (
                f"champion v{champion.version} kept: it was not cross-validated on this data, so the costs "
                "are not comparable; promote by hand if intended"
            )
        else:
            champion_cost = float(tags["cv_expected_cost"])
    basis = "out-of-fold expected cost (same data)"
    return _decide(client, name, version, cv_cost, champion_version, champion_cost, reason, basis)


def _decide(
    client: Any,
    name: str,
    version: int,
    challenger_cost: float,
    champion_version: int | None,
    champion_cost: float | None,
    reason: str,
    basis: str,
) -> PromotionDecision:
    """The rule applied: no champion promotes, a reason keeps the champion, else the lower cost wins."""
    if champion_version is None:
        promoted, reason = True, "no champion yet"
    elif reason:
        promoted = False
    else:
        promoted = should_promote(challenger_cost, champion_cost)
        verdict = "lower" if promoted else "not lower"
        reason = (
            f"{basis} {challenger_cost:.4g} {verdict} than champion v{champion_version}'s {champion_cost:.4g}"
        )
    if promoted:
        client.set_registered_model_alias(name, CHAMPION, str(version))
    return PromotionDecision(
        name, version, promoted, challenger_cost, champion_version, champion_cost, reason
    )


def _register_challenger(model_uri: str, name: str, warnings: list[str] | None) -> tuple[Any, int]:
    """A new version of ``name`` with the ``challenger`` alias and the run's warnings as a tag."""
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient()
    version = int(mlflow.register_model(model_uri, name).version)
    client.set_registered_model_alias(name, CHALLENGER, str(version))
    if warnings:
        client.set_model_version_tag(name, str(version), "warnings", " | ".join(warnings)[:5000])
    return client, version


def _champion_cost(
    client: Any, name: str, holdout: pd.DataFrame, y_holdout: np.ndarray, cost: CostFunction
) -> tuple[int | None, float | None, str]:
    """The current champion's version and expected cost on this holdout ('' reason when comparable)."""
    from mlflow.exceptions import MlflowException

    try:
        champion = client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None, None, ""
    model = load_model_uri(f"models:/{name}@{CHAMPION}")
    try:
        proba = model.predict_proba(holdout)
    except CreditRiskError as exc:
        return int(champion.version), None, f"champion kept: it cannot score this holdout ({exc})"
    return int(champion.version), float(cost(y_holdout, proba, model.threshold)), ""


def load_model_uri(uri: str) -> CreditRiskModel:
    import mlflow.pyfunc

    model = mlflow.pyfunc.load_model(uri).unwrap_python_model()
    if not isinstance(model, CreditRiskModel):
        raise ConfigurationError(f"{uri} is not a creditrisk model (got {type(model).__name__})")
    return model


def load_model(name: str, alias: str = CHAMPION, settings: Settings | None = None) -> CreditRiskModel:
    """The registered model ``name`` at ``alias`` (what serving calls); a clear error when there is none."""
    from mlflow.exceptions import MlflowException

    settings = settings or Settings()
    uri = configure_tracking(settings)
    try:
        return load_model_uri(f"models:/{name}@{alias}")
    except MlflowException as exc:
        raise ConfigurationError(
            f"no registered model '{name}' with alias '{alias}' in {uri}; train one with "
            f"`creditrisk train --model {name}`"
        ) from exc


def model_version_for_alias(name: str, alias: str) -> int:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return int(MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException as exc:
        raise ConfigurationError(f"no registered model '{name}' with alias '{alias}'") from exc
