"""Pushing fresh feature rows (API key with the ``push`` or ``admin`` scope).

The rows go through :func:`creditrisk.features.push.push_rows`: validated against the view's
mart (a bad value is a 422 naming the row and field), written online only where newer than the
stored row, and appended offline too when ``offline`` is true. The next score of the entity
reads the pushed values; its ``feature_timestamps`` show the pushed event time.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from creditrisk.errors import DataError
from serving.api.deps import ApiKeyDep, StateDep
from serving.auth import PUSH_SCOPES, Principal
from serving.errors import FeatureStoreUnavailableError
from serving.schemas import ErrorResponse

#: Rows per request; a bigger backlog belongs on the stream (``creditrisk stream``).
MAX_PUSH_ROWS = 1000

router = APIRouter(prefix="/v1/features", tags=["features"])


async def require_push(principal: ApiKeyDep) -> Principal:
    """403 unless the key's digest carries the ``push`` (or ``admin``) scope."""
    if not principal.scopes & PUSH_SCOPES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="this endpoint needs an API key with the push or admin scope"
        )
    return principal


PushDep = Annotated[Principal, Depends(require_push)]


class PushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_PUSH_ROWS,
        description="Rows with every column of the view's mart; timestamps ISO-8601 in UTC (Z).",
    )
    offline: bool = Field(default=False, description="Also append the rows to the offline store.")


class PushResponse(BaseModel):
    view: str
    received: int
    online_written: int
    online_skipped: int = Field(description="Rows not newer than the online store's row for their entity.")
    offline_written: int
    latest_event_timestamp: str | None


@router.post(
    "/{view}/push",
    response_model=PushResponse,
    responses={
        401: {"model": ErrorResponse},
        403: {"model": ErrorResponse},
        404: {"model": ErrorResponse},
        503: {"model": ErrorResponse},
    },
)
def push_features(
    body: PushRequest,
    state: StateDep,
    _: PushDep,
    view: str = Path(description="loan_monthly_performance or company_financials", max_length=64),
) -> Any:
    """Push rows into a feature view's online store (and offline store with ``offline``)."""
    from creditrisk.features.push import PUSH_TARGETS, push_rows
    from creditrisk.features.push_schema import PushValidationError

    if view not in PUSH_TARGETS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"unknown push view; one of {sorted(PUSH_TARGETS)}"
        )
    store_of = getattr(state.features, "store", None)
    if store_of is None:
        raise FeatureStoreUnavailableError("this server's feature source does not accept pushes")
    store = store_of()
    try:
        result = push_rows(store, view, body.rows, offline=body.offline)
    except PushValidationError as exc:
        loc = ["body", "rows", exc.row, exc.field]
        return JSONResponse(
            {"detail": [{"loc": loc, "msg": exc.reason, "type": "value_error"}]},
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    except DataError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_422_UNPROCESSABLE_ENTITY)
    except Exception as exc:
        raise FeatureStoreUnavailableError(f"feature store write failed: {type(exc).__name__}") from exc
    state.metrics.observe_push(view, result.online_written, result.latest_event)
    return result.as_dict()
