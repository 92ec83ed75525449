"""What a score request does, between the route and the model: check, fetch, score, log, count.

Order matters: the model and the prediction log are checked before any work, so a request
that cannot be logged is refused (503) rather than answered unlogged.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import numpy as np

from serving.features import FeatureLookup
from serving.prediction_log import PredictionRecord
from serving.scoring import EntityScore, score_frame
from serving.state import ServingState
from serving.validation import rows_to_frame


def score_ids(state: ServingState, model_name: str, ids: list[str], request_id: str) -> dict[str, Any]:
    """Online features for ``ids``, then the model; unknown ids come back ``not_found``."""
    started = time.perf_counter()
    model = state.models.get(model_name)
    state.log.check()
    lookup = state.features.fetch(model, ids)
    scores = score_frame(
        model, ids, lookup.frame, lookup.found, state.settings.explain_top_k, lookup.records, lookup.matrix
    )
    return _finish(state, model, scores, request_id, started, lookup)


def score_rows(
    state: ServingState, model_name: str, rows: list[tuple[str, dict[str, Any]]], request_id: str
) -> dict[str, Any]:
    """Score caller-supplied features (validated against the model's schema first: 422 otherwise)."""
    started = time.perf_counter()
    model = state.models.get(model_name)
    frame = rows_to_frame(model, [features for _, features in rows])
    state.log.check()
    ids = [entity_id for entity_id, _ in rows]
    scores = score_frame(model, ids, frame, np.ones(len(ids), dtype=bool), state.settings.explain_top_k)
    return _finish(state, model, scores, request_id, started, None)


def _finish(
    state: ServingState,
    model: Any,
    scores: list[EntityScore],
    request_id: str,
    started: float,
    lookup: FeatureLookup | None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    latency_ms = (time.perf_counter() - started) * 1000
    ref = {"name": model.name, "version": model.version}
    results = []
    records = []
    statuses: Counter[str] = Counter()
    decisions: Counter[str] = Counter()
    score_histogram = state.metrics.scores.labels(model.name)
    for row, score in enumerate(scores):
        # every field of EntityResult, in its order: the routes encode this dict as it is
        item: dict[str, Any] = {
            "id": score.entity_id,
            "status": score.status,
            "risk": score.risk,
            "probability": score.probability,
            "threshold": score.threshold,
            "explanation": score.explanation,
            "model": ref,
            "freshness": None,
        }
        statuses[score.status] += 1
        if score.status == "scored":
            if lookup is not None:
                item["freshness"] = lookup.freshness(row, now)
            score_histogram.observe(score.probability)
            decisions[str(score.risk)] += 1
            records.append(
                PredictionRecord(
                    request_id=request_id,
                    scored_at=now,
                    model_name=model.name,
                    model_version=model.version,
                    entity_id=score.entity_id,
                    features=score.features,
                    probability=score.probability,
                    decision=score.risk,
                    threshold=score.threshold,
                    latency_ms=latency_ms,
                )
            )
        results.append(item)
    state.log.append(records)
    # one labelled child per status and decision per request, not one look-up per entity
    for status, count in statuses.items():
        state.metrics.scored.labels(model.name, status).inc(count)
    for risk, count in decisions.items():
        state.metrics.decisions.labels(model.name, risk).inc(count)
    return {"request_id": request_id, "model": ref, "results": results}
