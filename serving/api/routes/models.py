"""What is being served: model names, versions, thresholds and input schemas."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from serving.api.deps import ApiKeyDep, StateDep
from serving.schemas import ModelsResponse

router = APIRouter(prefix="/v1/models", tags=["models"])


@router.get("", response_model=ModelsResponse)
def list_models(state: StateDep, _: ApiKeyDep) -> Any:
    """Loaded models with their feature schema, and configured models that are not loaded (why)."""
    return {"models": [m.describe() for m in state.models.all()], "unavailable": state.models.missing()}
