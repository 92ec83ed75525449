"""The resolved-once online reader returns exactly what Feast's ``get_online_features`` returns.

Both run against the same real online store (SQLite, and Redis from ``make redis``), for both
feature services, with ids the store knows, does not know, knows in one view only, and repeats;
the request time carries microseconds, which Feast's protobuf round trip drops before the
on-demand views see it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from creditrisk.features.materialize import materialize
from creditrisk.features.online_reader import TIMESTAMP_POSTFIX, OnlineReader
from creditrisk.features.store import get_feature_store
from creditrisk.model_specs import get_model_spec
from creditrisk.settings import Settings

CASES = [
    ("loan_default", ["L1", "nope", "L2", "L3", "L1"], datetime(2020, 5, 20, 12, 30, 5, 999_999, tzinfo=UTC)),
    ("loan_default", ["L2"], datetime(2020, 3, 15, tzinfo=UTC)),  # before the performance report
    ("loan_default", ["nope"], datetime(2020, 6, 15, tzinfo=UTC)),
    ("company_bankruptcy", ["C2", "C1", "nope", "C2"], datetime(2020, 6, 2, 8, 0, 0, 250_000, tzinfo=UTC)),
]


def assert_reader_equals_feast(settings: Settings, model: str, ids: list[str], as_of: datetime) -> None:
    spec = get_model_spec(model)
    store = get_feature_store(settings)
    service = store.get_feature_service(spec.feature_service)
    expected = store.get_online_features(
        features=service, entity_rows=[{spec.entity_key: i, "as_of": as_of} for i in ids]
    ).to_dict(include_event_timestamps=True)
    reader = OnlineReader(store, spec.feature_service)
    # the prepared fetch, not the per-view fallback, is what is compared
    assert type(reader._fetch).__name__ in {"_SqliteFetch", "_RedisFetch"}
    got = reader.read(ids, {"as_of": as_of})
    features = [f.name for projection in service.feature_view_projections for f in projection.features]
    assert [k for k in got if not k.endswith(TIMESTAMP_POSTFIX)] == features
    for name, values in got.items():
        assert values == expected[name], name
    # every stored feature carries its timestamps (on-demand outputs have none of their own)
    assert sum(k.endswith(TIMESTAMP_POSTFIX) for k in got) > 30


@pytest.mark.parametrize(("model", "ids", "as_of"), CASES)
def test_reader_equals_feast_on_sqlite(
    materialized_settings: Settings, model: str, ids: list[str], as_of: datetime
) -> None:
    assert_reader_equals_feast(materialized_settings, model, ids, as_of)


def test_reader_equals_feast_on_redis(redis_copy) -> None:
    settings = redis_copy(8)
    end = datetime(2021, 1, 1, tzinfo=UTC)
    materialize(settings, views=["loan_origination", "company_financials"], end=end)
    for model, ids, as_of in CASES:
        assert_reader_equals_feast(settings, model, ids, as_of)  # loans known in one view only
    materialize(settings, views=["loan_monthly_performance"], end=end)
    for model, ids, as_of in CASES:
        assert_reader_equals_feast(settings, model, ids, as_of)


def test_reader_needs_the_request_time(materialized_settings: Settings) -> None:
    reader = OnlineReader(get_feature_store(materialized_settings), "loan_default_v1")
    with pytest.raises(ValueError, match="as_of"):
        reader.read(["L1"])
