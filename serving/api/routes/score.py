"""Scoring endpoints: by id (features from the online store) or with caller-supplied features.

A request for a few entities is scored on the event loop: it is a couple of milliseconds of
CPU-bound work in one process, and a hop to the thread pool and back costs more than it saves
(the GIL serialises the work anyway). Larger batches go to the thread pool so that health probes
and small requests are not held up behind them. The answer is encoded by
:mod:`serving.api.encoding` (the schema below stays the documented one). Plainly valid requests
to the two score-by-id routes are answered by :mod:`serving.api.fast_lane` with these same
functions, without FastAPI's per-request dependency and validation machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Response, status
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from creditrisk.model_specs import MODELS, model_for_route
from serving.api.deps import ApiKeyDep, RequestIdDep, StateDep
from serving.api.encoding import score_response
from serving.schemas import (
    CompanyScoreRequest,
    ErrorResponse,
    LoanScoreRequest,
    ScoreFeaturesRequest,
    ScoreResponse,
)
from serving.service import score_ids, score_rows
from serving.state import ServingState

#: Requests with at most this many entities are scored on the event loop (see the module doc).
INLINE_MAX_ENTITIES = 10

router = APIRouter(prefix="/v1", tags=["score"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or invalid API key"},
    503: {
        "model": ErrorResponse,
        "description": "Model not loaded, online store or prediction log unavailable",
    },
}


async def scored(
    score: Callable[[ServingState, str, list[Any], str], dict[str, Any]],
    state: ServingState,
    model: str,
    items: list[Any],
    request_id: str,
) -> Response:
    """Run ``score`` (on the loop or in the thread pool, by size) and encode its answer."""
    if len(items) > INLINE_MAX_ENTITIES:
        return score_response(await run_in_threadpool(score, state, model, items, request_id))
    response = score_response(score(state, model, items, request_id))
    # the records this request logged are chained once its answer is sent (see chain_pending);
    # a large batch's are left to the log's writer thread, off the event loop
    response.background = BackgroundTask(_chain_log, state, len(items))
    return response


async def _chain_log(state: ServingState, records: int) -> None:
    """Async, so Starlette runs it on the event loop after the body, not via the thread pool."""
    state.log.chain_pending(records)


@router.post("/loans/score", response_model=ScoreResponse, responses=_ERRORS)
async def score_loans(
    body: LoanScoreRequest, state: StateDep, _: ApiKeyDep, request_id: RequestIdDep
) -> Response:
    """Score loans by id with the loan default model (up to 1000 ids; unknown ids are ``not_found``)."""
    return await scored(score_ids, state, model_for_route("loans").name, body.loan_ids, request_id)


@router.post("/companies/score", response_model=ScoreResponse, responses=_ERRORS)
async def score_companies(
    body: CompanyScoreRequest, state: StateDep, _: ApiKeyDep, request_id: RequestIdDep
) -> Response:
    """Score companies by id with the bankruptcy model (up to 1000 ids)."""
    return await scored(score_ids, state, model_for_route("companies").name, body.company_ids, request_id)


@router.post(
    "/{model}/score-features",
    response_model=ScoreResponse,
    responses={**_ERRORS, 404: {"model": ErrorResponse, "description": "Unknown model"}},
)
async def score_features(
    body: ScoreFeaturesRequest,
    state: StateDep,
    _: ApiKeyDep,
    request_id: RequestIdDep,
    model: str = Path(description="Model name, e.g. loan_default"),
) -> Response:
    """Score caller-supplied features; the schema is the model's (``GET /v1/models``)."""
    known = set(MODELS) | {m.name for m in state.models.all()}
    if model not in known:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"unknown model '{model}'; have {sorted(known)}"
        )
    rows = [(row.id, row.features) for row in body.rows]
    return await scored(score_rows, state, model, rows, request_id)


def fast_lane_routes() -> dict[str, tuple[str, type[BaseModel], str, APIRoute]]:
    """The score-by-id routes :class:`serving.api.fast_lane.ScoreFastLane` may answer: path ->
    (model, body model, id field, the route), answered as the handlers above answer them."""
    bodies = {"loans": (LoanScoreRequest, "loan_ids"), "companies": (CompanyScoreRequest, "company_ids")}
    lanes = {}
    for api_route, (body, field) in bodies.items():
        path = f"{router.prefix}/{api_route}/score"
        route = next(r for r in router.routes if isinstance(r, APIRoute) and r.path == path)
        lanes[path] = (model_for_route(api_route).name, body, field, route)
    return lanes
