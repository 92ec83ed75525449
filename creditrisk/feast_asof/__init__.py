"""Feast offline store doing point-in-time joins with DuckDB ASOF joins (see ``store.py``).

The ``offline_store`` blocks for ``feature_store.yaml`` live here so the code that renders the
Feast configuration can pick one by the ``CREDITRISK_OFFLINE_STORE`` setting without importing
the store (and Feast) itself.
"""

from __future__ import annotations

from typing import Any

#: ``offline_store.type`` for ``feature_store.yaml``: Feast imports the class by this path.
STORE_TYPE = "creditrisk.feast_asof.store.AsofDuckDBOfflineStore"

#: ``offline_store:`` block per ``CREDITRISK_OFFLINE_STORE`` value.
OFFLINE_STORE_CONFIGS: dict[str, dict[str, Any]] = {
    "asof": {"type": STORE_TYPE},
    "duckdb": {"type": "duckdb"},
}

#: ``materialization:`` block to use with the ASOF store: materialisation then asks the store
#: for the latest row per key (one DuckDB aggregate) instead of pulling every row in the window
#: into pandas and deduplicating there. The written values are the same either way (tested).
MATERIALIZATION_CONFIG: dict[str, Any] = {"pull_latest_features": True}

#: ``batch_engine.type``: Feast's local materialisation engine with a vectorised online write
#: (``engine.py``); the rows it writes are the ones Feast's own write produces (tested).
ENGINE_TYPE = "creditrisk.feast_asof.engine.AsofComputeEngine"

#: ``batch_engine:`` block to use with the ASOF store.
BATCH_ENGINE_CONFIG: dict[str, Any] = {"type": ENGINE_TYPE}


def offline_store_config(name: str) -> dict[str, Any]:
    """The ``offline_store`` block for a setting value (``asof`` or ``duckdb``)."""
    from creditrisk.feast_asof.errors import AsofStoreError

    try:
        return dict(OFFLINE_STORE_CONFIGS[name])
    except KeyError:
        known = ", ".join(sorted(OFFLINE_STORE_CONFIGS))
        raise AsofStoreError(f"unknown offline store '{name}'; known: {known}") from None
