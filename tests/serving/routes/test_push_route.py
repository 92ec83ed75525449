"""POST /v1/features/{view}/push against the real app, Feast online store and MLflow models:
a pushed delinquency changes the next score, and bad rows are refused naming the field."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from serving_world import ServingWorld

from creditrisk.features import apply_definitions, online_features
from creditrisk.settings import Settings
from serving.auth import digest_key
from serving.main import create_app

PUSH_KEY = "crk_test_push_key"
PLAIN_KEY = "crk_test_plain_key"
VIEW = "loan_monthly_performance"


@pytest.fixture(scope="module")
def push_settings(world: ServingWorld, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the world's marts and online store (pushes must not change other tests' world)."""
    root = tmp_path_factory.mktemp("push") / "data"
    for part in ("marts", "feast"):
        shutil.copytree(world.settings.data_root / part, root / part)
    keys = f"{digest_key(PUSH_KEY)}:push,{digest_key(PLAIN_KEY)}"
    settings = world.settings.model_copy(update={"data_dir": root, "api_keys": keys})
    apply_definitions(settings)  # the copy's sources point at the copy's marts
    return settings


@pytest.fixture
def push_client(world: ServingWorld, push_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(push_settings, models=world.holder), raise_server_exceptions=False) as client:
        yield client


def latest_row(settings: Settings, loan: str) -> dict[str, Any]:
    """The loan's latest performance row from the mart, as JSON values."""
    mart = pd.read_parquet(settings.marts_dir / "feat_loan_monthly_performance.parquet")
    row = mart[mart.loan_id == loan].sort_values("event_timestamp").iloc[-1].to_dict()
    out = {}
    for name, value in row.items():
        if name == "created_timestamp":
            continue
        if isinstance(value, pd.Timestamp):
            value = value.isoformat().replace("+00:00", "Z")
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value != value:  # NaN
            value = None
        elif hasattr(value, "item"):
            value = value.item()
        out[name] = value
    return out


def _score(client: TestClient, loan: str) -> dict[str, Any]:
    response = client.post("/v1/loans/score", json={"loan_ids": [loan]}, headers={"X-API-Key": PLAIN_KEY})
    assert response.status_code == 200, response.text
    return response.json()["results"][0]


def _push(client: TestClient, rows: list[dict], key: str = PUSH_KEY, **extra: Any):
    return client.post(f"/v1/features/{VIEW}/push", json={"rows": rows, **extra}, headers={"X-API-Key": key})


def test_a_pushed_delinquency_changes_the_next_score(
    world: ServingWorld, push_settings: Settings, push_client: TestClient
) -> None:
    loan = world.loans[3]
    before = _score(push_client, loan)
    pushed_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    row = latest_row(push_settings, loan)
    row.update(
        event_timestamp=pushed_at.isoformat().replace("+00:00", "Z"),
        delinquency_status=6,
        loan_age_months=row["loan_age_months"] + 1,
    )
    response = _push(push_client, [row])
    assert response.status_code == 200, response.text
    assert response.json()["online_written"] == 1
    after = _score(push_client, loan)
    stamp = after["freshness"]["feature_timestamps"][VIEW]
    assert datetime.fromisoformat(stamp.replace("Z", "+00:00")) == pushed_at
    assert before["freshness"]["feature_timestamps"][VIEW] != stamp
    # The score is the model's answer on the pushed state, which differs from the batch state.
    features = online_features(push_settings, "loan_default", [loan])
    assert features["delinquency_status"].iloc[0] == 6
    model = world.holder.get("loan_default")
    expected = model.artifact.predict_proba(features[model.feature_names])[0]
    assert after["probability"] == pytest.approx(expected, abs=1e-9)
    assert after["probability"] != pytest.approx(before["probability"], abs=1e-6)

    # An older row (yesterday's report arriving late) does not replace the pushed one.
    late = {**row, "event_timestamp": (pushed_at - timedelta(hours=1)).isoformat(), "delinquency_status": 0}
    late["event_timestamp"] = late["event_timestamp"].replace("+00:00", "Z")
    response = _push(push_client, [late])
    assert response.json()["online_skipped"] == 1
    assert _score(push_client, loan)["probability"] == pytest.approx(after["probability"])

    metrics = push_client.get("/metrics").text
    assert f'creditrisk_feature_rows_pushed_total{{view="{VIEW}"}} 1.0' in metrics


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"delinquency_status": "three"}, "delinquency_status", "integer"),
        ({"current_upb_usd": [1]}, "current_upb_usd", "number"),
        ({"event_timestamp": "2024-01-01T00:00:00"}, "event_timestamp", "time zone"),
        ({"event_timestamp": "2024-01-01T00:00:00+02:00"}, "event_timestamp", "not UTC"),
        ({"event_timestamp": "2999-01-01T00:00:00Z"}, "event_timestamp", "future"),
        ({"reporting_month": "May"}, "reporting_month", "date"),
        ({"bogus_feature": 1}, "bogus_feature", "not a column"),
        ({"loan_id": ""}, "loan_id", "non-empty"),
        ({"delinquency_status": 2**70}, "delinquency_status", "64-bit"),
    ],
)
def test_invalid_rows_are_422_naming_the_field(
    world: ServingWorld,
    push_settings: Settings,
    push_client: TestClient,
    change: dict,
    field: str,
    reason: str,
) -> None:
    row = {**latest_row(push_settings, world.loans[5]), **change}
    response = _push(push_client, [row, row])
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "rows", 0, field]
    assert reason in error["msg"]


def test_a_missing_field_is_422_and_nothing_is_written(
    world: ServingWorld, push_settings: Settings, push_client: TestClient
) -> None:
    good = latest_row(push_settings, world.loans[6])
    bad = {k: v for k, v in good.items() if k != "months_delinquent_6m"}
    response = _push(push_client, [good, bad])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "rows", 1, "months_delinquent_6m"]


def test_push_needs_the_push_scope_and_a_known_view(world: ServingWorld, push_client: TestClient) -> None:
    row = {"loan_id": world.loans[0]}
    assert _push(push_client, [row], key="").status_code == 401
    assert _push(push_client, [row], key=PLAIN_KEY).status_code == 403
    response = push_client.post(
        "/v1/features/nope/push", json={"rows": [row]}, headers={"X-API-Key": PUSH_KEY}
    )
    assert response.status_code == 404
    assert _push(push_client, []).status_code == 422
    assert _push(push_client, [row] * 1001).status_code == 422
