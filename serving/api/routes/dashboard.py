"""``/dashboard``: the read-only risk dashboard, behind the same API keys as ``/v1``.

A script can send ``X-API-Key`` as usual; a browser signs in once at ``/dashboard/login`` with a
key and gets a signed session cookie (``monitoring.dashboard.session``). Pages are rendered by
``monitoring.dashboard.pages`` from the prediction log, the last drift report and the registry;
the explanation of an entity's latest score is recomputed here from the features the log holds,
with the loaded model and the API's own scoring code (so it equals what the API answered when
that version is the one loaded). Handlers are plain ``def``: they read files and may call the
online store, so FastAPI runs them in its thread pool, off the event loop that scores requests.

Every HTML answer carries a Content-Security-Policy that allows scripts and styles from this
origin only (no inline script); the full drift report, a self-contained file with inline
scripts, is served in a sandbox (an opaque origin without cookies or API access).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditrisk.errors import CreditRiskError
from creditrisk.settings import Settings
from monitoring.dashboard import pages
from monitoring.dashboard.data import PortfolioCache, entity_records, segments_of
from monitoring.dashboard.session import COOKIE, COOKIE_PATH, SessionSigner
from monitoring.dashboard.versions import registry_versions
from monitoring.metrics import DriftCollector
from monitoring.report import read_drift_json, report_paths
from serving.api.deps import StateDep
from serving.auth import API_KEY_HEADER
from serving.metrics import ServingMetrics
from serving.state import ServingState

router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=False)

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
REPORT_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; sandbox allow-scripts; frame-ancestors 'none'"
)
STATIC_TYPES = {
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "plotly.min.js": "text/javascript; charset=utf-8",
}
TOP_CONTRIBUTIONS = 10


@dataclass
class DashboardState:
    signer: SessionSigner
    portfolios: PortfolioCache


def _dashboard(request: Request) -> DashboardState:
    return request.app.state.dashboard


def _html(body: str, code: int = status.HTTP_200_OK, csp: str = PAGE_CSP) -> HTMLResponse:
    return HTMLResponse(body, status_code=code, headers={"Content-Security-Policy": csp})


# ------------------------------------------------------------------ access
def _authorise(request: Request, state: ServingState) -> str:
    """The caller's key id, from ``X-API-Key`` or the session cookie; 303 to the sign-in page if neither."""
    key = request.headers.get(API_KEY_HEADER)
    key_id: str | None = None
    if key:
        principal = state.verifier.verify(key)
        if principal is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="invalid API key")
        key_id = principal.key_id
    else:
        session = _dashboard(request).signer.verify(request.cookies.get(COOKIE))
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            location = f"{pages.BASE}/login?" + urlencode({"next": target})
            raise HTTPException(
                status.HTTP_303_SEE_OTHER, detail="sign in first", headers={"Location": location}
            )
        key_id = session.key_id
    wait = state.limiter.retry_after(key_id)  # the API's per-key rate limit covers the dashboard too
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"rate limit of this API key exceeded; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    return key_id


def _safe_next(target: str | None) -> str:
    """Only a dashboard path may follow sign-in (no open redirect to another site)."""
    if target and target.startswith(pages.BASE) and not target.startswith("//") and "\\" not in target:
        return target
    return pages.BASE


@router.get("/login")
def get_login(next: str = pages.BASE) -> HTMLResponse:
    return _html(pages.login_page(next_url=_safe_next(next)))


@router.post("/login")
async def post_login(request: Request, state: StateDep) -> Response:
    """Check the form's key with the API's verifier and exchange it for a session cookie."""
    form = parse_qs((await request.body()).decode("utf-8", errors="replace"))
    key = (form.get("key") or [""])[0].strip()
    target = _safe_next((form.get("next") or [pages.BASE])[0])
    principal = state.verifier.verify(key)
    if principal is None:
        return _html(pages.login_page("That key is not accepted by this service.", target), 401)
    token = _dashboard(request).signer.issue(principal.key_id, principal.scopes)
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        token,
        max_age=_dashboard(request).signer.lifetime,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def post_logout() -> Response:
    response = RedirectResponse(f"{pages.BASE}/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


@cache
def _static(name: str) -> bytes:
    if name == "plotly.min.js":
        from plotly.offline import get_plotlyjs

        return get_plotlyjs().encode()
    if name == "dashboard.css":
        return pages.DASHBOARD_CSS.encode()
    return (Path(pages.__file__).parent / "static" / name).read_bytes()


@router.get("/static/{name}")
def get_static(name: str) -> Response:
    """The page's stylesheet and scripts (public: library code and CSS, nothing about the data)."""
    if name not in STATIC_TYPES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such file")
    return Response(_static(name), media_type=STATIC_TYPES[name], headers={"Cache-Control": "max-age=3600"})


# ------------------------------------------------------------------ pages
def _models(state: ServingState) -> list[str]:
    return [n.strip() for n in state.settings.serve_models.split(",") if n.strip()]


def _model(state: ServingState, model: str | None) -> str:
    names = _models(state)
    chosen = model or (names[0] if names else "")
    if chosen not in names:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"unknown model '{chosen}'; served: {', '.join(names)}"
        )
    return chosen


def _served_version(state: ServingState, model: str) -> str | None:
    try:
        return state.models.get(model).version
    except CreditRiskError:
        return None


@router.get("")
def get_portfolio(
    request: Request,
    state: StateDep,
    model: str | None = None,
    days: Annotated[float, Query(gt=0, le=3660)] = 30,
) -> HTMLResponse:
    """Portfolio risk over time, by segment, drift panel and model versions."""
    _authorise(request, state)
    name = _model(state, model)
    portfolio = _dashboard(request).portfolios.get(name, days)
    body = pages.portfolio_page(
        portfolio,
        _models(state),
        days,
        read_drift_json(state.settings.reports_dir, name),
        registry_versions(name, state.settings),
        _served_version(state, name),
        segments_of(name),
    )
    return _html(body)


@router.get("/segment")
def get_segment(
    request: Request,
    state: StateDep,
    model: str,
    by: str,
    value: str,
    days: Annotated[float, Query(gt=0, le=3660)] = 30,
) -> HTMLResponse:
    """The entities of one segment value, riskiest first, each linking to its page."""
    _authorise(request, state)
    name = _model(state, model)
    if by not in segments_of(name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"'{by}' is not a segment of {name}")
    portfolio = _dashboard(request).portfolios.get(name, days)
    entities = portfolio.segment_entities(by, value) if not portfolio.empty else portfolio.latest
    return _html(pages.segment_page(name, by, value, entities, _models(state)))


@router.get("/entity")
def get_entity(
    request: Request,
    state: StateDep,
    model: str,
    id: Annotated[str, Query(min_length=1, max_length=64)],
) -> HTMLResponse:
    """One entity: score history, the latest score's SHAP contributions, freshness, feature values."""
    _authorise(request, state)
    name = _model(state, model)
    records = entity_records(state.settings.prediction_log_dir, name, id)
    if records.empty:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no logged score of {name} for '{id}'")
    body = pages.entity_page(
        name, id, records, _explain(state, name, id, records), _freshness(state, name, id), _models(state)
    )
    return _html(body)


@router.get("/drift-report")
def get_drift_report(request: Request, state: StateDep, model: str) -> HTMLResponse:
    """The full drift report written by ``creditrisk monitor drift``, in a sandbox."""
    _authorise(request, state)
    name = _model(state, model)
    path = report_paths(state.settings.reports_dir, name).html
    if not path.exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no drift report for {name} yet")
    return _html(path.read_text(encoding="utf-8"), csp=REPORT_CSP)


def _explain(state: ServingState, name: str, entity_id: str, records: Any) -> dict[str, Any]:
    """SHAP contributions of the latest logged score, recomputed from its logged features."""
    from serving.scoring import score_frame
    from serving.validation import rows_to_frame

    try:
        model = state.models.get(name)
    except CreditRiskError as exc:
        return {"error": f"model not loaded: {exc}"}
    last = records.iloc[-1]
    features = {k: last["features"].get(k) for k in model.feature_names}
    try:
        frame = rows_to_frame(model, [features])
    except Exception as exc:  # the logged row no longer fits the loaded model's schema
        return {
            "error": f"the loaded model v{model.version} cannot read the logged features "
            f"({type(exc).__name__})"
        }
    scored = score_frame(model, [entity_id], frame, np.ones(1, dtype=bool), TOP_CONTRIBUTIONS)[0]
    explanation = scored.explanation or {}
    top = explanation.get("top_contributions", [])
    same = str(last["model_version"]) == str(model.version)
    note = (
        f"The latest score (v{last['model_version']}) explained by the same version."
        if same
        else f"The latest score came from v{last['model_version']}; explained by the loaded v{model.version}."
    )
    return {
        "features": [c["feature"] for c in top],
        "values": [c["value"] for c in top],
        "contributions": [c["contribution"] for c in top],
        "base_value": explanation.get("base_value", float("nan")),
        "other": explanation.get("other_contributions", 0.0),
        "note": note,
    }


def _freshness(state: ServingState, name: str, entity_id: str) -> dict[str, Any]:
    """When each feature view's online value became known, against its TTL (a read, not a score)."""
    try:
        model = state.models.get(name)
        lookup = state.features.fetch(model, [entity_id])
    except CreditRiskError as exc:
        return {"error": f"online store not available: {exc}"}
    if not bool(lookup.found[0]):
        return {"error": "the online store has no features for this entity now"}
    fresh = lookup.freshness(0, datetime.now(UTC))
    fresh["feature_timestamps"] = {
        view: (stamp.strftime("%Y-%m-%d %H:%M") if stamp else None)
        for view, stamp in fresh["feature_timestamps"].items()
    }
    return fresh


def install_monitoring(app: Any, settings: Settings, metrics: ServingMetrics) -> None:
    """Mount the dashboard (router, session signer, portfolio cache) and the drift gauges on /metrics."""
    app.include_router(router)
    app.state.dashboard = DashboardState(SessionSigner(), PortfolioCache(settings.prediction_log_dir))
    served = [n.strip() for n in settings.serve_models.split(",") if n.strip()]
    metrics.registry.register(DriftCollector(settings.reports_dir, lambda: served))
