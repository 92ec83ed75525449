"""Liveness, readiness and Prometheus metrics (no API key: probes and scrapers call these)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from serving.api.deps import StateDep
from serving.errors import ServiceUnavailableError
from serving.prediction_log import LogUnavailableError
from serving.redact import public_reason
from serving.schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse)
async def get_health() -> Any:
    """The process is up (answered on the event loop, so a busy thread pool never delays it)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyResponse, responses={503: {"model": ReadyResponse}})
def get_readiness(state: StateDep) -> Any:
    """Ready when every configured model is loaded, the online store answers and the log is writable."""
    checks: dict[str, str] = {}
    missing = state.models.missing()
    checks["models"] = "ok" if not missing else "; ".join(f"{k}: {v}" for k, v in missing.items())
    try:
        state.features.ping()
        checks["online_store"] = "ok"
    except ServiceUnavailableError as exc:
        checks["online_store"] = str(exc)
    try:
        if state.log_error:
            raise LogUnavailableError(state.log_error)
        state.log.check()
        checks["prediction_log"] = "ok"
    except LogUnavailableError as exc:
        checks["prediction_log"] = str(exc)
    ready = all(v == "ok" for v in checks.values())
    code = status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE
    public = {name: public_reason(reason) for name, reason in checks.items()}  # unauthenticated
    return JSONResponse({"ready": ready, "checks": public}, status_code=code)


@router.get("/metrics", include_in_schema=False)
def get_metrics(state: StateDep) -> Response:
    """Prometheus exposition: request counts and latencies, score distribution, model versions."""
    state.metrics.log_pending.set(state.log.pending)
    body, content_type = state.metrics.render()
    return Response(body, media_type=content_type)
