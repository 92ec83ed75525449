"""The FastAPI application: ``create_app(settings)`` builds it, the lifespan loads what it serves.

Nothing happens at import time. On startup the lifespan starts the prediction log writer,
loads the models once, and installs the SIGHUP reload handler; on shutdown it flushes the log.
Expected failures become status codes with a reason: 422 (bad input, naming the field),
503 (no model, online store down, log unwritable); anything else is a 500 without a trace.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from creditrisk.errors import CreditRiskError
from creditrisk.settings import Settings, get_settings
from serving.api.fast_lane import ScoreFastLane
from serving.api.routes import admin, health, push, score
from serving.api.routes import models as models_routes
from serving.api.routes.dashboard import install_monitoring
from serving.auth import ApiKeyVerifier
from serving.errors import ServiceUnavailableError
from serving.features import FeastOnlineSource, FeatureSource
from serving.metrics import MetricsMiddleware, ServingMetrics
from serving.model_holder import ModelHolder
from serving.prediction_log import LogUnavailableError, PredictionLog
from serving.redact import install_log_redaction, public_reason
from serving.reload import install_sighup, reload_models
from serving.security import RateLimiter, SecurityMiddleware, document_limits
from serving.state import ServingState

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    models: ModelHolder | None = None,
    features: FeatureSource | None = None,
) -> FastAPI:
    """Build the API. ``models``/``features`` replace the registry and Feast sources (tests, bench)."""
    settings = settings or get_settings()
    metrics = ServingMetrics()
    metrics.watch_stream()  # the online store's lag behind the stream, when one is configured

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = ServingState(
            settings=settings,
            models=models or ModelHolder(settings),
            features=features or FeastOnlineSource(settings),
            log=PredictionLog(settings.prediction_log_dir, flush_seconds=settings.log_flush_seconds),
            metrics=metrics,
            verifier=ApiKeyVerifier.from_setting(settings.api_keys),
            limiter=RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
        )
        try:
            state.log.start()
        except CreditRiskError as exc:
            state.log_error = str(exc)
            logger.error("prediction log unavailable, scoring will answer 503: %s", exc)
        reload_models(state)
        install_sighup(state)
        app.state.serving = state
        settle_interpreter()
        try:
            yield
        finally:
            state.log.close()

    app = FastAPI(
        title="creditrisk scoring API",
        version="1",
        description="Loan default and company bankruptcy scores with explanations.",
        lifespan=lifespan,
    )
    app.include_router(score.router)
    app.include_router(models_routes.router)
    app.include_router(admin.router)
    app.include_router(push.router)
    app.include_router(health.router)
    install_monitoring(app, settings, metrics)
    _add_exception_handlers(app)
    document_limits(app)
    # innermost of ours: inside the security limits and headers and the metrics, like the routes
    app.add_middleware(ScoreFastLane, routes=score.fast_lane_routes())
    app.add_middleware(
        SecurityMiddleware,
        max_body_bytes=settings.max_body_bytes,
        timeout_seconds=settings.request_timeout_seconds,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    install_log_redaction()
    return app


#: GIL hand-over interval while serving: the prediction log's writer thread chains and writes in
#: Python, and at the default 5 ms a request arriving mid-flush waited up to that long (the p99).
SWITCH_INTERVAL_SECONDS = 0.0005


def settle_interpreter() -> None:
    """After the models are loaded: move everything alive into the collector's permanent
    generation (``gc.freeze``), so a full collection during a request walks only what requests
    allocate, not the models, Feast and pandas (a long pause in the p99 tail otherwise); and
    hand the GIL over more often (``SWITCH_INTERVAL_SECONDS``)."""
    import gc
    import sys

    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


def _add_exception_handlers(app: FastAPI) -> None:
    unavailable_status = status.HTTP_503_SERVICE_UNAVAILABLE

    @app.exception_handler(ServiceUnavailableError)
    @app.exception_handler(LogUnavailableError)
    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": public_reason(str(exc))}, status_code=unavailable_status)

    @app.exception_handler(CreditRiskError)
    async def expected_failure(_: Request, exc: CreditRiskError) -> JSONResponse:
        return JSONResponse({"detail": public_reason(str(exc))}, status_code=unavailable_status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The trace goes to DEBUG only (serving.redact drops it above): a log line names the error.
        route = getattr(request.scope.get("route"), "name", "an unmatched route")
        logger.error("unhandled %s on %s %s", type(exc).__name__, request.method, route)
        logger.debug("trace of the unhandled error", exc_info=exc)
        return JSONResponse(
            {"detail": "internal error; the server log has the details"},
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
