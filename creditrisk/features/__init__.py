"""Feast on the dbt marts: configuration, apply, materialisation and online lookups.

Public API (used by training and serving)::

    from creditrisk.features import get_feature_store, online_features
"""

from __future__ import annotations

from creditrisk.features.materialize import materialize
from creditrisk.features.online import online_features
from creditrisk.features.store import apply_definitions, get_feature_store
from creditrisk.model_specs import MODELS, ModelSpec, get_model_spec

__all__ = [
    "MODELS",
    "ModelSpec",
    "apply_definitions",
    "get_feature_store",
    "get_model_spec",
    "materialize",
    "online_features",
]
