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

from datetime import UTC, datetime

import pandas as pd

from creditrisk.errors import DataError
from creditrisk.features.models import REQUEST_TIME_FIELD, get_model_spec
from creditrisk.features.store import get_feature_store, require_applied
from creditrisk.settings import Settings


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
    """Features of ``model``'s service for ``ids`` from the online store (see module doc)."""
    spec = get_model_spec(model)
    if not ids:
        raise DataError("no ids given")
    if store is None:
        require_applied(settings)
        store = get_feature_store(settings)
    as_of = (as_of or datetime.now(UTC)).astimezone(UTC)
    names, by_view, _ = service_layout(store, spec.feature_service)
    rows = [{spec.entity_key: str(i), REQUEST_TIME_FIELD: as_of} for i in ids]
    response = store.get_online_features(
        features=store.get_feature_service(spec.feature_service), entity_rows=rows
    )
    raw = response.to_dict(include_event_timestamps=True)
    frame = pd.DataFrame({spec.entity_key: [str(i) for i in ids]})
    for name in names:
        frame[name] = raw[name]
    found = pd.Series(False, index=frame.index)
    for view, features in by_view.items():
        seconds = pd.Series(raw[f"{features[0]}__ts"], dtype="float64") if features else None
        stamp = pd.to_datetime(seconds.where(seconds > 0), unit="s", utc=True)
        frame[f"{view}__event_timestamp"] = stamp
        found |= stamp.notna()
    frame["features_found"] = found
    return frame
