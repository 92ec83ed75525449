"""The Feast ``FeatureStore`` for a data dir, and ``apply`` of the repo's definitions."""

from __future__ import annotations

from dataclasses import dataclass

from creditrisk.errors import ConfigurationError
from creditrisk.features.config import build_repo_config
from creditrisk.features.repo import Definitions, load_definitions
from creditrisk.settings import Settings


def get_feature_store(settings: Settings):
    """A ``feast.FeatureStore`` configured from ``settings`` (registry under the data dir)."""
    from feast import FeatureStore

    settings.feast_dir.mkdir(parents=True, exist_ok=True)
    return FeatureStore(config=build_repo_config(settings))


def require_applied(settings: Settings) -> None:
    """Fail clearly when ``creditrisk features apply`` has not run for this data dir."""
    registry = settings.feast_dir / "registry.db"
    if not registry.exists():
        raise ConfigurationError(f"no Feast registry at {registry}; run `creditrisk features apply` first")


@dataclass
class ApplyResult:
    definitions: Definitions
    deleted: list[str]


def apply_definitions(settings: Settings) -> ApplyResult:
    """Register the repo's definitions, delete registered objects the repo no longer defines,
    and create the online-store tables.

    Missing marts are not an error here (definitions can be applied before dbt ran); reading
    them is, with a message naming the file.
    """
    store = get_feature_store(settings)
    definitions = load_definitions(settings)
    stale = _stale_objects(store, definitions)
    store.apply(definitions.all(), objects_to_delete=stale, partial=False)
    return ApplyResult(definitions=definitions, deleted=[obj.name for obj in stale])


def _stale_objects(store, definitions: Definitions) -> list:
    """Registered feature views, on-demand views and services the repo no longer defines."""
    project = store.project
    keep = {obj.name for obj in definitions.all()}
    registry = store.registry
    registered = [
        *registry.list_feature_views(project),
        *registry.list_on_demand_feature_views(project),
        *registry.list_feature_services(project),
    ]
    return [obj for obj in registered if obj.name not in keep]
