"""The one list of models: for each, its Feast service, entity key, labels and API route.

Every layer reads it: the feature layer builds training sets and online lookups from it, training
takes its label and key from it, the analysis report its label, serving its routes and the CLI its
choices. A model trained on a feature service is therefore served with the same service, and adding
a model is one entry here (docs/architecture.md says what else a new model needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from creditrisk.errors import ConfigurationError


@dataclass(frozen=True)
class ModelSpec:
    """One model: the Feast side (service, key, label mart) and the API side (route)."""

    name: str
    feature_service: str
    entity_key: str
    label_mart: str
    label_column: str
    #: Label-table columns kept in the training frame (evaluation joins ground truth on them).
    label_extra_columns: tuple[str, ...]
    #: The API path segment of the model's entities (``/v1/<route>/score``).
    api_route: str


MODELS: dict[str, ModelSpec] = {
    "loan_default": ModelSpec(
        name="loan_default",
        feature_service="loan_default_v1",
        entity_key="loan_id",
        label_mart="lbl_loan_default_12m",
        label_column="default_12m",
        label_extra_columns=("observation_month",),
        api_route="loans",
    ),
    "company_bankruptcy": ModelSpec(
        name="company_bankruptcy",
        feature_service="company_bankruptcy_v1",
        entity_key="company_id",
        label_mart="lbl_company_bankruptcy_12m",
        label_column="bankruptcy_12m",
        label_extra_columns=("period_end_date",),
        api_route="companies",
    ),
}

#: Bookkeeping columns of tables that are not marts: the true PD of the generator's loan panels.
EXTRA_BOOKKEEPING_COLUMNS = frozenset({"true_pd"})

#: The request-time input every on-demand feature view reads: the moment the decision is made.
#: Training sets fill it with the observation's ``event_timestamp``; online lookups with "now"
#: unless the caller passes another time.
REQUEST_TIME_FIELD = "as_of"


@cache
def bookkeeping_columns() -> frozenset[str]:
    """Columns that describe an observation rather than the entity's risk; never features.

    The mart columns whose YAML says ``meta: {role: bookkeeping}`` (Feast's created timestamp, the
    label marts' extra columns, the month or period a row reports) and
    :data:`EXTRA_BOOKKEEPING_COLUMNS`. Read on first use, not at import: every layer imports this
    module, and most (serving, the CLI) never need the YAML.
    """
    from creditrisk.mart_columns import columns_with_role  # reads YAML: only when used

    return columns_with_role("bookkeeping") | EXTRA_BOOKKEEPING_COLUMNS


def get_model_spec(model: str) -> ModelSpec:
    """The spec for ``model``, or a clear error naming the known models."""
    try:
        return MODELS[model]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ConfigurationError(f"unknown model '{model}'; known models: {known}") from None


def model_for_route(route: str) -> ModelSpec:
    """The model whose entities live under ``/v1/<route>``."""
    for spec in MODELS.values():
        if spec.api_route == route:
            return spec
    raise ConfigurationError(f"no model serves '/v1/{route}'")
