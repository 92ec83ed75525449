"""Online features for a batch of ids, through a model's feature service.

The frame has one row per requested id, in request order (duplicates kept), with:

- the entity key column, then every feature of the service (plain names, as in training sets);
- ``<view>__event_timestamp`` for each stored feature view in the service: when the stored
  value became known (UTC), NaT when the online store has nothing for the id;
- ``features_found``: True when at least one stored view delivered values for the id.

A view's features (and the on-demand features computed from it) are null when the store has
nothing for the id, when the stored value is older than the view's TTL at ``as_of``, or when it
became known after ``as_of`` -- the same rule as a training set at that time, which Feast's own
online read does not apply. An unknown id is therefore a row with every feature null and
``features_found`` False; a known but stale one keeps its ``__event_timestamp`` (how stale).

The values come from :class:`~creditrisk.features.online_reader.OnlineReader`, which returns what
Feast's ``get_online_features`` returns for the service but resolves the service once per store
instead of once per call; :func:`read_online` gives the rows without building a frame (serving).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from creditrisk.errors import DataError
from creditrisk.features.online_reader import TIMESTAMP_POSTFIX, OnlineReader
from creditrisk.features.store import get_feature_store, require_applied
from creditrisk.model_specs import REQUEST_TIME_FIELD, get_model_spec
from creditrisk.settings import Settings

_TIMESTAMP = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class ServiceLayout:
    """What a feature service returns, grouped the way freshness and TTLs need it."""

    features: list[str]
    #: stored feature view -> its features in the service
    stored: dict[str, list[str]]
    #: stored feature view -> TTL in seconds (None = no TTL)
    ttl_seconds: dict[str, float | None]
    #: on-demand view -> (its features in the service, the stored views it reads)
    on_demand: dict[str, tuple[list[str], list[str]]]


def service_layout(store, service_name: str) -> ServiceLayout:
    service = store.get_feature_service(service_name)
    odfvs = {v.name: v for v in store.list_on_demand_feature_views()}
    features: list[str] = []
    stored: dict[str, list[str]] = {}
    ttl: dict[str, float | None] = {}
    on_demand: dict[str, tuple[list[str], list[str]]] = {}
    for projection in service.feature_view_projections:
        names = [f.name for f in projection.features]
        features += names
        if projection.name in odfvs:
            sources = list(odfvs[projection.name].source_feature_view_projections)
            on_demand[projection.name] = (names, sources)
        else:
            stored[projection.name] = names
            view_ttl = store.get_feature_view(projection.name).ttl
            ttl[projection.name] = view_ttl.total_seconds() if view_ttl else None
    return ServiceLayout(features, stored, ttl, on_demand)


#: Per FeatureStore: service name -> (layout, reader). A store re-reads its registry at most every
#: REGISTRY_CACHE_TTL_SECONDS anyway; re-resolving the service per call costs more than the
#: lookup itself. The reader holds the store's config and online store, not the store.
_SERVICES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cached_service(store, service_name: str) -> tuple[ServiceLayout, OnlineReader]:
    cache = _SERVICES.setdefault(store, {})
    if service_name not in cache:
        cache[service_name] = (service_layout(store, service_name), OnlineReader(store, service_name))
    return cache[service_name]


def _null_where(values: list, mask: list[bool]) -> list:
    return [None if hide else value for value, hide in zip(values, mask, strict=True)]


@dataclass
class OnlineRows:
    """One row per requested id: the service's features as Python values (null where not
    visible at ``as_of``), per stored view when its value became known, and which ids were found.

    What :func:`online_features` turns into a frame; a server can use it without pandas.
    """

    entity_key: str
    ids: list[str]
    features: list[str]
    columns: dict[str, list]
    #: stored view -> epoch seconds of its value per row (meaningless where ``missing``)
    seconds: dict[str, np.ndarray]
    #: stored view -> True where the online store has nothing for the row
    missing: dict[str, np.ndarray]
    found: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        columns: dict[str, object] = {
            self.entity_key: self.ids,
            **{n: self.columns[n] for n in self.features},
        }
        for view, seconds in self.seconds.items():
            columns[f"{view}__event_timestamp"] = pa.array(
                seconds * 1_000_000, _TIMESTAMP, mask=self.missing[view]
            )
        columns["features_found"] = self.found
        # Arrow builds the ~60 typed columns in C; pandas' dict-of-lists constructor is much slower
        # (docs/measurements.md, "Feature store").
        return pa.Table.from_pydict(columns).to_pandas(split_blocks=True)


def read_online(store, model: str, ids: list[str], as_of: datetime | None = None) -> OnlineRows:
    """The rows of :func:`online_features` before they become a frame (see the module doc)."""
    spec = get_model_spec(model)
    if not ids:
        raise DataError("no ids given")
    as_of = (as_of or datetime.now(UTC)).astimezone(UTC)
    layout, reader = _cached_service(store, spec.feature_service)
    keys = [str(i) for i in ids]
    raw = reader.read(keys, {REQUEST_TIME_FIELD: as_of})

    now = as_of.timestamp()
    n = len(ids)
    columns: dict[str, list] = {}
    seconds_by_view: dict[str, np.ndarray] = {}
    missing_by_view: dict[str, np.ndarray] = {}
    hidden: dict[str, list[bool]] = {}
    # Plain Python per row and one check per view (not per feature): a request is a few ids and
    # some sixty features, where a numpy call per feature cost more than the lookup.
    for view, names in layout.stored.items():
        seconds = raw[names[0] + TIMESTAMP_POSTFIX]
        ttl = layout.ttl_seconds[view]
        # Feast reports "no value" as the epoch; past the TTL or after as_of is not visible either
        hide = [s <= 0 or s > now or (bool(ttl) and now - s > ttl) for s in seconds]
        hidden[view] = hide
        seconds_by_view[view] = np.asarray(seconds, dtype="int64")
        missing_by_view[view] = np.asarray([s <= 0 for s in seconds], dtype=bool)
        for name in names:
            columns[name] = _null_where(raw[name], hide) if any(hide) else raw[name]
    for names, sources in layout.on_demand.values():
        mask = [any(hidden[source][row] for source in sources if source in hidden) for row in range(n)]
        for name in names:
            columns[name] = _null_where(raw[name], mask) if any(mask) else raw[name]
    found = np.asarray([not all(hide[row] for hide in hidden.values()) for row in range(n)], dtype=bool)
    return OnlineRows(
        spec.entity_key, keys, layout.features, columns, seconds_by_view, missing_by_view, found
    )


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
    get_model_spec(model)
    if not ids:
        raise DataError("no ids given")
    if store is None:
        require_applied(settings)
        store = get_feature_store(settings)
    return read_online(store, model, ids, as_of).to_frame()
