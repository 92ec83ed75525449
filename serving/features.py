"""Where the API gets features: the Feast online store through the feature layer's helpers.

The feature layer (``creditrisk.features``) owns the Feast repo and the lookup
(``creditrisk.features.online.read_online``: the service resolved once, Feast's own online
read); this module only shapes its rows for scoring: the model's feature columns in the model's
order, which ids were found, and when each feature view's value became known, with a stale flag
past the view's TTL. Any failure to reach the store is a :class:`FeatureStoreUnavailableError`
(HTTP 503).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd

from creditrisk.settings import Settings
from serving.errors import FeatureStoreUnavailableError
from serving.model_holder import ServedModel

logger = logging.getLogger(__name__)


@dataclass
class FeatureLookup:
    """Features for a list of ids, row i for id i."""

    frame: pd.DataFrame  # model.feature_names columns
    found: np.ndarray  # bool per row
    timestamps: dict[str, list[datetime | None]]  # feature view -> per row, when its value became known
    ttls: dict[str, timedelta | None]
    #: the model's features per row as the store served them (plain Python values, None if absent)
    records: list[dict[str, Any]] | None = None
    #: the frame's values as one object matrix (what the compiled explainers read)
    matrix: np.ndarray | None = None

    def freshness(self, row: int, now: datetime) -> dict[str, Any]:
        """Feature timestamps of one row and whether any view is older than its TTL."""
        stamps: dict[str, datetime | None] = {}
        stale: list[str] = []
        for view, values in self.timestamps.items():
            stamp = values[row]
            stamps[view] = stamp
            ttl = self.ttls.get(view)
            if stamp is not None and ttl and now - stamp > ttl:
                stale.append(view)
        return {
            "feature_timestamps": stamps,
            "ttl_seconds": {v: (t.total_seconds() if t else None) for v, t in self.ttls.items()},
            "stale": bool(stale),
            "stale_views": stale,
        }


class FeatureSource(Protocol):
    def fetch(self, model: ServedModel, ids: list[str]) -> FeatureLookup: ...

    def ping(self) -> None: ...


class FeastOnlineSource:
    """Online features through ``creditrisk.features.online.read_online`` (docs/contracts.md section 3).

    One ``FeatureStore`` is built on first use and kept (building one reads the registry); the
    feature layer resolves each feature service once per store, and the TTL of each feature view
    is read once per feature service here.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Any = None
        self._ttls: dict[str, dict[str, timedelta | None]] = {}
        self._lock = threading.Lock()

    def store(self) -> Any:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    from creditrisk.features import get_feature_store
                    from creditrisk.features.store import require_applied

                    try:
                        require_applied(self.settings)
                        self._store = get_feature_store(self.settings)
                    except Exception as exc:
                        raise FeatureStoreUnavailableError(f"online store unreachable: {exc}") from exc
        return self._store

    def fetch(self, model: ServedModel, ids: list[str]) -> FeatureLookup:
        from creditrisk.features.online import read_online

        store = self.store()
        ttls = self.view_ttls(model)
        try:
            rows = read_online(store, model.name, ids)
        except Exception as exc:
            raise FeatureStoreUnavailableError(f"online store unreachable: {exc}") from exc
        return shape_lookup(rows, model, ttls)

    def view_ttls(self, model: ServedModel) -> dict[str, timedelta | None]:
        """TTL per stored feature view of the model's feature service, read once."""
        if model.feature_service not in self._ttls:
            self._ttls[model.feature_service] = feature_service_ttls(self.store(), model.feature_service)
        return self._ttls[model.feature_service]

    def ping(self) -> None:
        """Reach the online store with a real lookup of an id nobody has (readiness)."""
        from creditrisk.features.online import read_online
        from creditrisk.model_specs import MODELS

        store = self.store()
        try:
            read_online(store, next(iter(MODELS)), ["__readiness_probe__"])
        except Exception as exc:
            raise FeatureStoreUnavailableError(f"online store unreachable: {exc}") from exc


def feature_service_ttls(store: Any, service: str) -> dict[str, timedelta | None]:
    """TTL of every stored feature view in ``service`` (the feature layer's layout of it)."""
    from creditrisk.features.online import service_layout

    try:
        layout = service_layout(store, service)
    except Exception as exc:
        raise FeatureStoreUnavailableError(f"feature registry unreadable: {exc}") from exc
    return {
        view: timedelta(seconds=seconds) if seconds else None for view, seconds in layout.ttl_seconds.items()
    }


def shape_lookup(rows: Any, model: ServedModel, ttls: dict[str, timedelta | None]) -> FeatureLookup:
    """The feature layer's :class:`~creditrisk.features.online.OnlineRows` as a :class:`FeatureLookup`.

    The frame the model gets is built from the store's Python values in one object block (a
    typed frame per column costs about a millisecond for 60 columns); the model casts its numeric
    features itself, so the scores are the same (``tests/serving/test_service.py``).
    """
    missing = [c for c in model.feature_names if c not in rows.columns]
    if missing:
        raise FeatureStoreUnavailableError(
            f"feature service {model.feature_service} does not provide {', '.join(missing)}"
        )
    n = len(rows.ids)
    names = model.feature_names
    columns = [rows.columns[name] for name in names]
    matrix = np.empty((n, len(names)), dtype=object)
    for j, values in enumerate(columns):
        matrix[:, j] = values
    records = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    # dtype=object: pandas would otherwise try every column for dates, which cost more than the
    # lookup (docs/serving.md, Speed);
    # the model casts its numeric features itself and has no date features
    frame = pd.DataFrame(matrix, columns=model.feature_index, copy=False, dtype=object)
    timestamps = {
        view: [
            None if gone else datetime.fromtimestamp(int(second), UTC)
            for second, gone in zip(seconds.tolist(), rows.missing[view].tolist(), strict=True)
        ]
        for view, seconds in rows.seconds.items()
    }
    return FeatureLookup(
        frame=frame,
        found=np.asarray(rows.found, dtype=bool),
        timestamps=timestamps,
        ttls=ttls,
        records=records,
        matrix=matrix,
    )


def now_utc() -> datetime:
    return datetime.now(UTC)
