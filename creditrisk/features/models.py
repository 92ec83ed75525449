"""Which feature service, label mart, label column and key each model uses.

Training (``training.datasets``) and serving (``creditrisk.features.online``) both look a
model up here, so the feature service a model was trained on is the one it is served with.
"""

from __future__ import annotations

from dataclasses import dataclass

from creditrisk.errors import ConfigurationError


@dataclass(frozen=True)
class ModelSpec:
    """The Feast side of one model: its service, its entity key and where its labels live."""

    name: str
    feature_service: str
    entity_key: str
    label_mart: str
    label_column: str
    #: Label-table columns kept in the training frame (evaluation joins ground truth on them).
    label_extra_columns: tuple[str, ...]


MODELS: dict[str, ModelSpec] = {
    "loan_default": ModelSpec(
        name="loan_default",
        feature_service="loan_default_v1",
        entity_key="loan_id",
        label_mart="lbl_loan_default_12m",
        label_column="default_12m",
        label_extra_columns=("observation_month",),
    ),
    "company_bankruptcy": ModelSpec(
        name="company_bankruptcy",
        feature_service="company_bankruptcy_v1",
        entity_key="company_id",
        label_mart="lbl_company_bankruptcy_12m",
        label_column="bankruptcy_12m",
        label_extra_columns=("period_end_date",),
    ),
}

#: The request-time input every on-demand feature view reads: the moment the decision is made.
#: Training sets fill it with the observation's ``event_timestamp``; online lookups with "now"
#: unless the caller passes another time.
REQUEST_TIME_FIELD = "as_of"


def get_model_spec(model: str) -> ModelSpec:
    """The spec for ``model``, or a clear error naming the known models."""
    try:
        return MODELS[model]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ConfigurationError(f"unknown model '{model}'; known models: {known}") from None
