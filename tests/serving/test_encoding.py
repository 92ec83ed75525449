"""The score routes' own JSON encoding and lookup shaping change nothing a caller can see.

The routes write the payload with the standard library instead of validating it through
``ScoreResponse``; the answers must still validate against that schema and equal pydantic's
serialisation of the same data. The model gets the online rows as one object block instead of a
typed frame; its scores and contributions must equal those on the feature layer's typed frame,
on the fast explain path and on the general one.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient
from serving_world import STALE_LOAN, ServingWorld

from creditrisk.features import online_features
from serving.api.encoding import encode_payload
from serving.api.routes.score import INLINE_MAX_ENTITIES
from serving.features import FeastOnlineSource
from serving.schemas import ScoreResponse


@pytest.mark.parametrize("n_known", [1, INLINE_MAX_ENTITIES + 2])  # on the event loop / in the thread pool
def test_answers_equal_pydantics_serialisation_of_the_schema(
    world: ServingWorld, client: TestClient, auth: dict[str, str], n_known: int
) -> None:
    ids = [*world.loans[:n_known], "F99Q9999999", STALE_LOAN]
    response = client.post("/v1/loans/score", json={"loan_ids": ids}, headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == ScoreResponse.model_validate_json(response.content).model_dump(mode="json")
    assert [r["status"] for r in body["results"]] == ["scored"] * n_known + ["not_found", "scored"]
    stamp = body["results"][0]["freshness"]["feature_timestamps"]["loan_origination"]
    assert stamp.endswith("Z")


def test_encoding_of_datetimes_and_values_json_cannot_carry() -> None:
    payload = {
        "request_id": "r",
        "model": {"name": "m", "version": "1"},
        "results": [
            {
                "id": "a",
                "status": "scored",
                "risk": 0,
                "probability": 0.25,
                "threshold": 0.5,
                "explanation": None,
                "model": {"name": "m", "version": "1"},
                "freshness": {
                    "feature_timestamps": {"v": datetime(2024, 5, 1, 3, 4, 5, 120_000, tzinfo=UTC)},
                    "ttl_seconds": {"v": None},
                    "stale": False,
                    "stale_views": [],
                },
            }
        ],
    }
    fast = encode_payload(payload)
    assert fast == ScoreResponse.model_validate(payload).model_dump_json().encode()
    payload["results"][0]["threshold"] = float("nan")  # not JSON: pydantic's serialisation decides
    assert encode_payload(payload) == ScoreResponse.model_validate(payload).model_dump_json().encode()


@pytest.mark.parametrize("path", ["fast", "general"])
def test_the_object_block_scores_like_the_typed_frame(world: ServingWorld, path: str) -> None:
    served = world.holder.get("loan_default")
    model = copy.copy(served)
    model.artifact = copy.deepcopy(served.artifact)
    if path == "general":
        model.artifact._cache["fast"] = None
    else:
        assert model.artifact._fast_explainer() is not None
    ids = [*world.loans[:5], "F99Q9999999", STALE_LOAN, world.loans[0]]
    lookup = FeastOnlineSource(world.settings).fetch(model, ids)
    typed = online_features(world.settings, "loan_default", ids)
    assert lookup.found.tolist() == typed["features_found"].tolist()
    rows = np.flatnonzero(lookup.found)
    got = model.artifact.explain(lookup.frame.iloc[rows])
    expected = model.artifact.explain(typed[model.feature_names].iloc[rows])
    np.testing.assert_allclose(
        got.contributions.to_numpy(), expected.contributions.to_numpy(), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(got.base_value, expected.base_value, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        model.artifact.predict_proba(lookup.frame.iloc[rows]),
        model.artifact.predict_proba(typed[model.feature_names].iloc[rows]),
        rtol=0,
        atol=1e-12,
    )
    for view, stamps in lookup.timestamps.items():
        column = typed[f"{view}__event_timestamp"]
        assert stamps == [
            None if value is None or value != value else value.to_pydatetime() for value in column
        ]
