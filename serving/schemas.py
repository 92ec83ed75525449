"""Request and response bodies of the HTTP API (pydantic; FastAPI turns violations into 422)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_IDS = 1000

#: Ids are taken as sent, with at least one non-blank character (the fuzzer found that stripping
#: blanks made a documented-valid id like "\r" a 422: the schema and the check now say the same).
EntityId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"\S")]
FeatureValue = float | int | str | bool | None


class LoanScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    loan_ids: list[EntityId] = Field(min_length=1, max_length=MAX_IDS, description="Loan ids to score.")


class CompanyScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company_ids: list[EntityId] = Field(min_length=1, max_length=MAX_IDS, description="Company ids to score.")


class FeatureRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: EntityId = Field(description="The entity id this row is for (echoed in the result).")
    features: dict[str, FeatureValue] = Field(
        description="Every feature the model uses, by name; types as in GET /v1/models."
    )


class ScoreFeaturesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: list[FeatureRow] = Field(min_length=1, max_length=MAX_IDS)


class Contribution(BaseModel):
    feature: str
    value: FeatureValue = Field(description="The feature's value for this entity.")
    contribution: float = Field(description="SHAP contribution in the explanation's output space.")


class Explanation(BaseModel):
    output_space: Literal["probability", "log_odds"]
    base_value: float
    output_value: float = Field(
        description="Model output in output_space = base_value + top contributions + other_contributions."
    )
    top_contributions: list[Contribution]
    other_contributions: float = Field(description="Sum of the contributions not listed.")


class Freshness(BaseModel):
    feature_timestamps: dict[str, datetime | None] = Field(
        description="Per feature view, when the served value became known (UTC)."
    )
    ttl_seconds: dict[str, float | None]
    stale: bool = Field(description="True when any view's value is older than its TTL.")
    stale_views: list[str]


class ModelRef(BaseModel):
    name: str
    version: str


class EntityResult(BaseModel):
    id: str
    status: Literal["scored", "not_found"]
    risk: int | None = Field(default=None, description="1 = high risk at the threshold, 0 = low.")
    probability: float | None = Field(default=None, description="Calibrated probability of the bad event.")
    threshold: float | None = None
    explanation: Explanation | None = None
    model: ModelRef
    freshness: Freshness | None = None


class ScoreResponse(BaseModel):
    request_id: str
    model: ModelRef
    results: list[EntityResult]


class ModelInfo(BaseModel):
    name: str
    version: str
    source: str
    feature_service: str
    entity_key: str
    features: list[str]
    feature_types: dict[str, str]
    threshold: float
    cost_ratio: float
    loaded_at: datetime


class ModelsResponse(BaseModel):
    models: list[ModelInfo]
    unavailable: dict[str, str] = Field(description="Configured models not loaded, with the reason.")


class HealthResponse(BaseModel):
    status: Literal["ok"]


class ReadyResponse(BaseModel):
    ready: bool
    checks: dict[str, str]


class ReloadResponse(BaseModel):
    models: list[ModelRef]
    unavailable: dict[str, str]


class ErrorResponse(BaseModel):
    detail: str
