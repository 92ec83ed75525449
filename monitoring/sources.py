"""What drift is measured on: the registered model's training set, and recent traffic or marts.

- **Reference**: the training set of the registered version (its MLflow run logs
  ``training_set_manifest.json``, whose ``path`` is the saved point-in-time set or whose ``source``
  is the ``--dataset`` file). A version registered without a manifest falls back to the 200-row
  background sample its artefact carries, and says so.
- **Current, ``log``**: the prediction log's Parquet files (features as served, the probability
  and the decision), read with pyarrow; partitions outside the window are never opened.
- **Current, ``marts``**: a point-in-time slice of the marts, the model's training-set builder
  over the window's labelled observations, so realised AUC and calibration can be measured
  where the 12-month labels have matured.
- **Matured labels** for logged scores: the label mart row of the same entity observed at most
  ``LABEL_TOLERANCE`` before the decision (the label marts only hold complete horizons).

Only Parquet is read here; never the warehouse's ``.duckdb`` file.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from creditrisk.errors import ConfigurationError, DataError
from creditrisk.settings import Settings
from training.artifact import CreditRiskModel

#: A logged score and a label observation of the same entity are matched when the observation
#: was made at most this long before the score (one monthly reporting cycle plus publication lag).
LABEL_TOLERANCE = pd.Timedelta(days=45)
#: Reference rows scored for the reference score distribution (a seeded sample above this).
MAX_REFERENCE_SCORES = 20_000
_PROGRESS_ENV = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
LOG_COLUMNS = ["scored_at", "model_version", "entity_id", "features", "probability", "decision", "threshold"]


@dataclass
class Reference:
    """The registered version, its training frame and where the frame came from."""

    model: CreditRiskModel
    version: str
    run_id: str | None
    frame: pd.DataFrame
    description: str
    promised: dict[str, float]


@dataclass
class Current:
    """Recent rows to compare: features, the model's probabilities, and labels where matured."""

    frame: pd.DataFrame  # the model's features
    probability: np.ndarray
    decision: np.ndarray | None
    label: np.ndarray | None  # NaN where not matured
    source: str
    start: datetime
    end: datetime
    description: str


def load_reference(name: str, alias: str, settings: Settings) -> Reference:
    """The version at ``alias`` with its training set (see the module docstring)."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from training.registry import configure_tracking, load_model_uri

    configure_tracking(settings)
    client = MlflowClient()
    try:
        version = client.get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        raise ConfigurationError(
            f"no registered model '{name}' with alias '{alias}'; "
            f"train one with `creditrisk train --model {name}`"
        ) from exc
    model = load_model_uri(f"models:/{name}/{version.version}")
    frame, description = _training_frame(client, version.run_id, model)
    promised = {
        key: float(value)
        for key, value in (model.metadata or {}).items()
        if key.startswith("holdout_") and isinstance(value, int | float)
    }
    return Reference(model, str(version.version), version.run_id, frame, description, promised)


def _training_frame(client: Any, run_id: str | None, model: CreditRiskModel) -> tuple[pd.DataFrame, str]:
    manifest = _run_manifest(client, run_id) if run_id else None
    if manifest:
        path = _manifest_path(manifest)
        if path is not None and path.exists():
            frame = pd.read_parquet(path) if path.suffix != ".csv" else pd.read_csv(path)
            missing = [f for f in model.feature_names if f not in frame.columns]
            if not missing:
                return frame, f"training set {path} ({len(frame):,} rows)"
    frame = model.background.copy()
    return frame, (
        f"the model's {len(frame)}-row background sample of its training rows "
        "(no training-set manifest or file found for the registered run)"
    )


def _run_manifest(client: Any, run_id: str) -> dict[str, Any] | None:
    from mlflow.exceptions import MlflowException

    before = os.environ.get(_PROGRESS_ENV)
    os.environ[_PROGRESS_ENV] = "false"  # one small file: no progress bar on the console
    try:
        local = client.download_artifacts(run_id, "training_set_manifest.json")
    except (MlflowException, OSError):
        return None
    finally:
        if before is None:
            os.environ.pop(_PROGRESS_ENV, None)
        else:
            os.environ[_PROGRESS_ENV] = before
    return json.loads(Path(local).read_text())


def _manifest_path(manifest: dict[str, Any]) -> Path | None:
    if manifest.get("path"):
        return Path(manifest["path"]) / "training_set.parquet"
    if manifest.get("source"):
        return Path(manifest["source"])
    return None


def reference_scores(reference: Reference, seed: int = 0) -> np.ndarray:
    """The registered model's probabilities on (a seeded sample of) its training rows."""
    frame = reference.frame
    if len(frame) > MAX_REFERENCE_SCORES:
        frame = frame.sample(n=MAX_REFERENCE_SCORES, random_state=seed)
    return reference.model.predict_proba(frame[reference.model.feature_names])


# ------------------------------------------------------------------ the prediction log
def read_log(log_dir: Path, model: str, start: datetime, end: datetime) -> pd.DataFrame:
    """Logged records of ``model`` scored in ``[start, end]``, oldest first (empty frame if none).

    Only the ``date=YYYY-MM-DD`` partitions the window touches are opened.
    """
    files = [
        part
        for day in _days(start, end)
        for part in sorted((log_dir / f"date={day:%Y-%m-%d}").glob("part-*.parquet"))
    ]
    if not files:
        return pd.DataFrame(columns=LOG_COLUMNS)
    tables = [pq.read_table(f, columns=["model_name", *LOG_COLUMNS]) for f in files]
    table = pa.concat_tables(tables)
    frame = table.to_pandas()
    frame = frame[(frame["model_name"] == model) & frame["scored_at"].between(start, end)]
    return frame.drop(columns="model_name").sort_values("scored_at", kind="stable").reset_index(drop=True)


def _days(start: datetime, end: datetime) -> list[datetime]:
    first = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return [first + timedelta(days=i) for i in range((end.astimezone(UTC) - first).days + 1)]


def features_frame(features_json: pd.Series, feature_names: list[str]) -> pd.DataFrame:
    """The logged ``features`` JSON strings as one frame (parsed by Arrow's JSON reader in C++)."""
    if len(features_json) == 0:
        return pd.DataFrame(columns=feature_names)
    payload = ("\n".join(features_json.tolist()) + "\n").encode()
    table = pa_json.read_json(io.BytesIO(payload), read_options=pa_json.ReadOptions(block_size=1 << 24))
    frame = table.to_pandas()
    for name in feature_names:
        if name not in frame.columns:
            frame[name] = np.nan
    return frame[feature_names]


def current_from_log(
    settings: Settings, reference: Reference, start: datetime, end: datetime, label_mart: Path | None
) -> Current:
    """Logged traffic of the model in the window, with matured labels joined where there are any."""
    model = reference.model
    log = read_log(settings.prediction_log_dir, model.model_name, start, end)
    frame = features_frame(log["features"], model.feature_names)
    labels = matured_labels(log, label_mart, model) if label_mart is not None else None
    return Current(
        frame=frame,
        probability=log["probability"].to_numpy(dtype=float),
        decision=log["decision"].to_numpy(dtype=float),
        label=labels,
        source="log",
        start=start,
        end=end,
        description=f"prediction log {settings.prediction_log_dir} ({len(log):,} scores)",
    )


def matured_labels(log: pd.DataFrame, label_mart: Path, model: CreditRiskModel) -> np.ndarray | None:
    """Per logged score, the matured label of its entity's observation just before it (NaN if none)."""
    from creditrisk.model_specs import get_model_spec

    if not label_mart.exists() or log.empty:
        return None
    spec = get_model_spec(model.model_name)
    labels = pd.read_parquet(label_mart, columns=[spec.entity_key, "event_timestamp", spec.label_column])
    labels = labels.rename(columns={spec.entity_key: "entity_id", "event_timestamp": "observed_at"})
    labels["entity_id"] = labels["entity_id"].astype(str)
    labels["observed_at"] = pd.to_datetime(labels["observed_at"], utc=True).astype("datetime64[us, UTC]")
    left = log[["entity_id", "scored_at"]].reset_index(names="_row")
    left["scored_at"] = left["scored_at"].astype("datetime64[us, UTC]")
    joined = pd.merge_asof(
        left.sort_values("scored_at"),
        labels.sort_values("observed_at"),
        left_on="scored_at",
        right_on="observed_at",
        by="entity_id",
        direction="backward",
        tolerance=LABEL_TOLERANCE,
    ).sort_values("_row")
    return joined[spec.label_column].to_numpy(dtype=float)


# ------------------------------------------------------------------ a point-in-time slice of the marts
def current_from_marts(settings: Settings, reference: Reference, window: timedelta) -> Current:
    """The training-set builder over the last ``window`` of labelled observations, scored by the model."""
    from creditrisk.features.training_sets import build_training_set, read_labels
    from creditrisk.model_specs import get_model_spec

    model = reference.model
    spec = get_model_spec(model.model_name)
    labels = read_labels(spec, settings)
    if labels.empty:
        raise DataError(f"the label mart {spec.label_mart} has no observations")
    end = labels["event_timestamp"].max().to_pydatetime()
    start = end - window
    built = build_training_set(model.model_name, start, end, settings=settings)
    frame = built.frame[model.feature_names]
    return Current(
        frame=frame,
        probability=model.predict_proba(frame),
        decision=None,
        label=built.frame[spec.label_column].to_numpy(dtype=float),
        source="marts",
        start=start,
        end=end,
        description=f"point-in-time slice of the marts, observations {start:%Y-%m-%d} to {end:%Y-%m-%d} "
        f"({len(frame):,} rows, {built.path})",
    )
