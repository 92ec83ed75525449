"""Registered versions of a model with their aliases and what triggered them, for the dashboard."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pandas as pd

from creditrisk.settings import Settings

_CACHE: dict[tuple[str, str], tuple[float, pd.DataFrame]] = {}
MAX_AGE = 30.0


def registry_versions(model: str, settings: Settings) -> pd.DataFrame:
    """version, aliases, created, holdout cost, retrain trigger; empty when MLflow has none.

    Cached for ``MAX_AGE`` seconds: each dashboard view would otherwise query the registry.
    """
    key = (model, settings.tracking_uri)
    hit = _CACHE.get(key)
    if hit and time.monotonic() - hit[0] < MAX_AGE:
        return hit[1]
    frame = _query(model, settings)
    _CACHE[key] = (time.monotonic(), frame)
    return frame


def _query(model: str, settings: Settings) -> pd.DataFrame:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from training.registry import configure_tracking

    configure_tracking(settings)
    try:
        versions = MlflowClient().search_model_versions(f"name = '{model}'")
    except MlflowException:
        return pd.DataFrame(columns=["version", "aliases", "created", "holdout cost", "retrain trigger"])
    rows = [
        {
            "version": int(v.version),
            "aliases": ", ".join(sorted(v.aliases or [])),
            "created": datetime.fromtimestamp(v.creation_timestamp / 1000, UTC).strftime("%Y-%m-%d %H:%M"),
            "holdout cost": (v.tags or {}).get("holdout_expected_cost", ""),
            "retrain trigger": (v.tags or {}).get("retrain_trigger", ""),
        }
        for v in versions
    ]
    columns = ["version", "aliases", "created", "holdout cost", "retrain trigger"]
    return pd.DataFrame(rows, columns=columns).sort_values("version", ascending=False).reset_index(drop=True)
