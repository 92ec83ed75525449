"""Scoring endpoints: by id (features from the online store) or with caller-supplied features."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Path, status

from serving.api.deps import ApiKeyDep, RequestIdDep, StateDep
from serving.models import ENTITY_MODELS
from serving.schemas import (
    CompanyScoreRequest,
    ErrorResponse,
    LoanScoreRequest,
    ScoreFeaturesRequest,
    ScoreResponse,
)
from serving.service import score_ids, score_rows

router = APIRouter(prefix="/v1", tags=["score"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or invalid API key"},
    503: {
        "model": ErrorResponse,
        "description": "Model not loaded, online store or prediction log unavailable",
    },
}


@router.post("/loans/score", response_model=ScoreResponse, responses=_ERRORS)
def score_loans(body: LoanScoreRequest, state: StateDep, _: ApiKeyDep, request_id: RequestIdDep) -> Any:
    """Score loans by id with the loan default model (up to 1000 ids; unknown ids are ``not_found``)."""
    return score_ids(state, ENTITY_MODELS["loans"], body.loan_ids, request_id)


@router.post("/companies/score", response_model=ScoreResponse, responses=_ERRORS)
def score_companies(
    body: CompanyScoreRequest, state: StateDep, _: ApiKeyDep, request_id: RequestIdDep
) -> Any:
    """Score companies by id with the bankruptcy model (up to 1000 ids)."""
    return score_ids(state, ENTITY_MODELS["companies"], body.company_ids, request_id)


@router.post("/{model}/score-features", response_model=ScoreResponse, responses=_ERRORS)
def score_features(
    body: ScoreFeaturesRequest,
    state: StateDep,
    _: ApiKeyDep,
    request_id: RequestIdDep,
    model: str = Path(description="Model name, e.g. loan_default"),
) -> Any:
    """Score caller-supplied features; the schema is the model's (``GET /v1/models``)."""
    known = set(ENTITY_MODELS.values()) | {m.name for m in state.models.all()}
    if model not in known:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"unknown model '{model}'; have {sorted(known)}"
        )
    return score_rows(state, model, [(row.id, row.features) for row in body.rows], request_id)
