"""Load the definitions in ``feature_repo/`` for a given data dir, and apply them.

Feast's own loader (``feast apply``) imports the repo's modules from the working directory and
caches them for the life of the process. Here each load imports the modules afresh with
``CREDITRISK_DATA_DIR`` set to the settings' data dir, so the FileSources point at that data
dir's marts even when one process works with several data dirs (tests do).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from creditrisk.errors import ConfigurationError
from creditrisk.settings import Settings

#: The repo's modules, in dependency order (Feast imports them as top-level modules).
REPO_MODULES = (
    "mart_schemas",
    "entities",
    "data_sources",
    "feature_views",
    "on_demand_features",
    "feature_services",
)


@dataclass
class Definitions:
    """Every Feast object the repo defines, by kind."""

    entities: list = field(default_factory=list)
    data_sources: list = field(default_factory=list)
    feature_views: list = field(default_factory=list)
    on_demand_feature_views: list = field(default_factory=list)
    feature_services: list = field(default_factory=list)

    def all(self) -> list:
        return [
            *self.entities,
            *self.data_sources,
            *self.feature_views,
            *self.on_demand_feature_views,
            *self.feature_services,
        ]


@contextmanager
def _repo_import_context(settings: Settings) -> Iterator[None]:
    repo_dir = str(settings.feature_repo_dir)
    # The engine picks the sources' kind (FileSource, or SparkSource for CREDITRISK_ENGINE=spark).
    wanted = {"CREDITRISK_DATA_DIR": str(settings.data_root), "CREDITRISK_ENGINE": settings.engine}
    saved_env = {key: os.environ.get(key) for key in wanted}
    saved_modules = {name: sys.modules.pop(name) for name in REPO_MODULES if name in sys.modules}
    os.environ.update(wanted)
    sys.path.insert(0, repo_dir)
    try:
        yield
    finally:
        sys.path.remove(repo_dir)
        for name in REPO_MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved_modules)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_definitions(settings: Settings) -> Definitions:
    """Import ``feature_repo/`` for ``settings`` and collect its objects (each once)."""
    from feast import Entity, FeatureService, FeatureView
    from feast.data_source import DataSource
    from feast.on_demand_feature_view import OnDemandFeatureView

    if not Path(settings.feature_repo_dir).is_dir():
        raise ConfigurationError(f"feature repo not found: {settings.feature_repo_dir}")
    kinds = [
        (Entity, "entities"),
        (DataSource, "data_sources"),
        (OnDemandFeatureView, "on_demand_feature_views"),
        (FeatureView, "feature_views"),
        (FeatureService, "feature_services"),
    ]
    found = Definitions()
    seen: set[int] = set()
    with _repo_import_context(settings):
        for name in REPO_MODULES:
            module = importlib.import_module(name)
            for value in vars(module).values():
                if id(value) in seen:
                    continue
                for cls, bucket in kinds:
                    if isinstance(value, cls):
                        getattr(found, bucket).append(value)
                        seen.add(id(value))
                        break
    return found
