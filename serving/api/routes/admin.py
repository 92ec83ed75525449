"""Admin operations (API key with the ``admin`` scope)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from serving.api.deps import AdminDep, StateDep
from serving.redact import public_reason
from serving.reload import reload_models
from serving.schemas import ErrorResponse, ReloadResponse

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post(
    "/reload",
    response_model=ReloadResponse,
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)
def reload(state: StateDep, _: AdminDep) -> Any:
    """Reload the models from the registry alias (or bundles) without stopping: in-flight requests
    finish on the old models, the next ones get the new."""
    reload_models(state)
    missing = state.models.missing().items()
    return {
        "models": [{"name": m.name, "version": m.version} for m in state.models.all()],
        "unavailable": {public_reason(name): public_reason(why) for name, why in missing},
    }
