"""Everything the API holds for its lifetime, built in the app's lifespan (never at import)."""

from __future__ import annotations

from dataclasses import dataclass

from creditrisk.settings import Settings
from serving.auth import ApiKeyVerifier
from serving.features import FeatureSource
from serving.metrics import ServingMetrics
from serving.model_holder import ModelHolder
from serving.prediction_log import PredictionLog
from serving.security import RateLimiter


@dataclass
class ServingState:
    settings: Settings
    models: ModelHolder
    features: FeatureSource
    log: PredictionLog
    metrics: ServingMetrics
    verifier: ApiKeyVerifier
    limiter: RateLimiter
    log_error: str | None = None  # why the log could not start, if it could not
