"""Online features for a batch of ids, through a model's feature service.

The frame has one row per requested id, in request order (duplicates kept), with:

- the entity key column, then every feature of the service (plain names, as in training sets);
- ``<view>__event_timestamp`` for each stored feature view in the service: when the returned
  values became known (UTC), NaT when the view had nothing for the id. (On-demand features are
  computed at the request time ``as_of``.)
- ``features_found``: True when at least one stored view returned values for the id. An unknown
  id comes back as a row with every feature null (NaN/None) and ``features_found`` False.
"""

from __future__ import annotations

import weakref
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from creditrisk.errors import DataError
from creditrisk.features.models import REQUEST_TIME_FIELD, get_model_spec
from creditrisk.features.store import get_feature_store, require_applied
from creditrisk.settings import Settings

#: Per FeatureStore: service name -> (service object, layout). A store re-reads its registry at
#: most every REGISTRY_CACHE_TTL_SECONDS anyway; re-deriving the layout per call costs more than
#: the lookup itself.
_SERVICES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TIMESTAMP = pa.timestamp("us", tz="UTC")


def _cached_service(store, service_name: str):
    cache = _SERVICES.setdefault(store, {})
    if service_name not in cache:
        cache[service_name] = (store.get_feature_service(service_name), service_layout(store, service_name))
    return cache[service_name]


def service_layout(store, service_name: str) -> tuple[list[str], dict[str, list[str]], set[str]]:
    """Feature names in service order, stored views -> their features, and on-demand view names."""
    service = store.get_feature_service(service_name)
    odfv_names = {v.name for v in store.list_on_demand_feature_views()}
    names: list[str] = []
    by_view: dict[str, list[str]] = {}
    for projection in service.feature_view_projections:
        features = [f.name for f in projection.features]
        names += features
        if projection.name not in odfv_names:
            by_view[projection.name] = features
    ondemand = {p.name for p in service.feature_view_projections if p.name in odfv_names}
    return names, by_view, ondemand


def online_features(
    settings: Settings,
    model: str,
    ids: list[str],
    as_of: datetime | None = None,
    store=None,
) -> pd.DataFrame:
    """Features of ``model``'s service for ``ids`` from the online store (see module doc).

    Pass a long-lived ``store`` (``get_feature_store(settings)`` once, at startup) for low
    latency; without one, each call creates a store and reads the registry.
    """
    spec = get_model_spec(model)
    if not ids:
        raise DataError("no ids given")
    if store is None:
        require_applied(settings)
        store = get_feature_store(settings)
    as_of = (as_of or datetime.now(UTC)).astimezone(UTC)
    service, (names, by_view, _) = _cached_service(store, spec.feature_service)
    rows = [{spec.entity_key: str(i), REQUEST_TIME_FIELD: as_of} for i in ids]
    response = store.get_online_features(features=service, entity_rows=rows)
    raw = response.to_dict(include_event_timestamps=True)
    columns: dict[str, object] = {spec.entity_key: [str(i) for i in ids]}
    columns.update({name: raw[name] for name in names})
    found = np.zeros(len(ids), dtype=bool)
    for view, features in by_view.items():
        seconds = np.asarray(raw[f"{features[0]}__ts"], dtype="int64")
        missing = seconds <= 0  # Feast reports "no value" as the epoch
        columns[f"{view}__event_timestamp"] = pa.array(seconds * 1_000_000, _TIMESTAMP, mask=missing)
        found |= ~missing
    columns["features_found"] = found
    # Arrow builds the ~60 typed columns in C; pandas' dict-of-lists constructor costs ~10x more.
    return pa.Table.from_pydict(columns).to_pandas(split_blocks=True)
