"""Where the API gets features: the Feast online store through the feature layer's helpers.

The feature layer (``creditrisk.features``) owns the Feast repo and the lookup; this module
only shapes its answer for scoring: the model's feature columns in the model's order, which ids
were found, and when each feature view's value became known, with a stale flag past the view's
TTL. Any failure to reach the store is a :class:`FeatureStoreUnavailableError` (HTTP 503).
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
from serving.models import ServedModel

logger = logging.getLogger(__name__)

TIMESTAMP_SUFFIX = "__event_timestamp"
FOUND_COLUMN = "features_found"


@dataclass
class FeatureLookup:
    """Features for a list of ids, row i for id i."""

    frame: pd.DataFrame  # model.feature_names columns
    found: np.ndarray  # bool per row
    timestamps: dict[str, list[Any]]  # feature view -> per row, when its value became known (NaT: none)
    ttls: dict[str, timedelta | None]

    def freshness(self, row: int, now: datetime) -> dict[str, Any]:
        """Feature timestamps of one row and whether any view is older than its TTL."""
        stamps: dict[str, datetime | None] = {}
        stale: list[str] = []
        for view, values in self.timestamps.items():
            value = values[row]
            stamp = None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()
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
    """Online features through ``creditrisk.features.online_features`` (docs/contracts.md section 3).

    One ``FeatureStore`` is built on first use and kept (building one reads the registry); the
    TTL of each feature view is read once per feature service.
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
                        self._store = RegistrySnapshotStore(get_feature_store(self.settings))
                    except Exception as exc:
                        raise FeatureStoreUnavailableError(f"online store unreachable: {exc}") from exc
        return self._store

    def fetch(self, model: ServedModel, ids: list[str]) -> FeatureLookup:
        from creditrisk.features import online_features

        store = self.store()
        ttls = self.view_ttls(model)
        try:
            raw = online_features(self.settings, model.name, ids, store=store)
        except Exception as exc:
            raise FeatureStoreUnavailableError(f"online store unreachable: {exc}") from exc
        return shape_lookup(raw, model, ids, ttls)

    def view_ttls(self, model: ServedModel) -> dict[str, timedelta | None]:
        """TTL per stored feature view of the model's feature service, read once."""
        if model.feature_service not in self._ttls:
            self._ttls[model.feature_service] = feature_service_ttls(self.store(), model.feature_service)
        return self._ttls[model.feature_service]

    def ping(self) -> None:
        """Reach the online store with a real lookup of an id nobody has (readiness)."""
        from creditrisk.features import online_features
        from creditrisk.features.models import MODELS

        store = self.store()
        try:
            online_features(self.settings, next(iter(MODELS)), ["__readiness_probe__"], store=store)
        except Exception as exc:
            raise FeatureStoreUnavailableError(f"online store unreachable: {exc}") from exc


class RegistrySnapshotStore:
    """A ``FeatureStore`` whose registry look-ups are read once and then served from memory.

    ``FeatureStore.get_feature_service`` defaults to ``allow_cache=False``: every call re-reads
    the registry file, converts its protos again (with runtime type checks) and, by refreshing
    the registry, clears Feast's own per-service request-context cache, so the next
    ``get_online_features`` resolves every view again. Measured, that was over half of a
    single-loan lookup. Serving's registry does not change under it (a reload builds a new
    store), so the lookups are kept here and everything else is passed through.
    """

    def __init__(self, store: Any) -> None:
        self._store = store
        self._services: dict[str, Any] = {}
        self._on_demand: list[Any] | None = None

    def get_feature_service(self, name: str, allow_cache: bool = True) -> Any:
        if name not in self._services:
            self._services[name] = self._store.get_feature_service(name, allow_cache=True)
        return self._services[name]

    def list_on_demand_feature_views(self, *args: Any, **kwargs: Any) -> list[Any]:
        if self._on_demand is None:
            self._on_demand = self._store.list_on_demand_feature_views(*args, **kwargs)
        return self._on_demand

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


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


def shape_lookup(
    raw: pd.DataFrame, model: ServedModel, ids: list[str], ttls: dict[str, timedelta | None]
) -> FeatureLookup:
    """The feature layer's frame as a :class:`FeatureLookup` (rows in ``ids`` order)."""
    missing = [c for c in model.feature_names if c not in raw.columns]
    if missing:
        raise FeatureStoreUnavailableError(
            f"feature service {model.feature_service} does not provide {', '.join(missing)}"
        )
    frame = raw[model.feature_names]
    if not (isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1):
        frame = frame.reset_index(drop=True)
    timestamps = {
        column.removesuffix(TIMESTAMP_SUFFIX): pd.to_datetime(raw[column], utc=True).tolist()
        for column in raw.columns
        if column.endswith(TIMESTAMP_SUFFIX)
    }
    if FOUND_COLUMN in raw.columns:
        found = raw[FOUND_COLUMN].to_numpy(dtype=bool)
    else:
        found = frame.notna().any(axis=1).to_numpy()
    return FeatureLookup(frame=frame, found=found, timestamps=timestamps, ttls=ttls)


def now_utc() -> datetime:
    return datetime.now(UTC)
