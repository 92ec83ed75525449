"""Exceptions the library raises; the CLI turns each into one clear line and an exit code."""

from __future__ import annotations


class CreditRiskError(Exception):
    """Base class: an expected failure with a message meant for the user."""

    exit_code: int = 1


class ConfigurationError(CreditRiskError):
    """Settings or files are missing or inconsistent."""

    exit_code = 2


class DataError(CreditRiskError):
    """Input data is absent, malformed or fails a contract."""

    exit_code = 3


class PipelineStepError(CreditRiskError):
    """A pipeline step (dbt, Feast, training, ...) failed; the message says which and why."""

    exit_code = 4
