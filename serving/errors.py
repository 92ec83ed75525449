"""Failures the API turns into a status code with a reason (never a 500 with a stack trace)."""

from __future__ import annotations

from creditrisk.errors import CreditRiskError


class ServiceUnavailableError(CreditRiskError):
    """Scoring cannot happen right now (no model, online store down, log unwritable): HTTP 503."""

    exit_code = 5


class ModelNotLoadedError(ServiceUnavailableError):
    """The requested model is not loaded (not registered, alias missing, bundle unreadable)."""


class FeatureStoreUnavailableError(ServiceUnavailableError):
    """The online (or offline) feature store could not be read."""
