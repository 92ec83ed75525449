"""What is being served: model names, versions, thresholds and input schemas."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from serving.api.deps import ApiKeyDep, StateDep
from serving.redact import public_reason
from serving.schemas import ErrorResponse, ModelsResponse

router = APIRouter(prefix="/v1/models", tags=["models"])


@router.get("", response_model=ModelsResponse, responses={401: {"model": ErrorResponse}})
def list_models(state: StateDep, _: ApiKeyDep) -> Any:
    """Loaded models with their feature schema, and configured models that are not loaded (why)."""
    models = [{**m.describe(), "source": public_reason(m.source)} for m in state.models.all()]
    missing = {public_reason(name): public_reason(why) for name, why in state.models.missing().items()}
    return {"models": models, "unavailable": missing}
