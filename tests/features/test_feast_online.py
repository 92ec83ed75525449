"""Materialisation and online lookups: no silently skipped history; online equals offline."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from feast_crafted import ts

from creditrisk.errors import DataError
from creditrisk.features import online_features
from creditrisk.features.materialize import materialize
from creditrisk.features.store import apply_definitions, get_feature_store
from creditrisk.settings import Settings

AS_OF = ts("2020-05-20")


def offline_at(settings: Settings, model: str, key: str, ids: list[str], when: pd.Timestamp) -> pd.DataFrame:
    service = {"loan_default": "loan_default_v1", "company_bankruptcy": "company_bankruptcy_v1"}[model]
    store = get_feature_store(settings)
    entity_df = pd.DataFrame({key: ids, "event_timestamp": [when] * len(ids), "as_of": [when] * len(ids)})
    entity_df["row"] = range(len(ids))
    frame = store.get_historical_features(entity_df=entity_df, features=store.get_feature_service(service))
    return frame.to_df().sort_values("row").reset_index(drop=True)


def test_first_materialization_does_not_skip_old_history(materialized_settings: Settings) -> None:
    # Every event is years older than now - ttl, which materialize-incremental would skip.
    got = online_features(materialized_settings, "loan_default", ["L1", "L2"], as_of=AS_OF.to_pydatetime())
    assert got["current_upb_usd"].tolist() == [80.0, 500.0]
    assert got["orig_credit_score"].tolist() == [720.0, 650.0]


def test_later_runs_continue_where_the_last_one_ended(materialized_settings: Settings) -> None:
    runs = materialize(materialized_settings, end=ts("2021-06-01").to_pydatetime())
    assert {r.start for r in runs} == {ts("2021-01-01").to_pydatetime()}
    again = materialize(materialized_settings, end=ts("2021-06-01").to_pydatetime())
    assert {r.skipped for r in again} == {"already up to date"}


@pytest.mark.parametrize(
    ("model", "key", "ids", "when"),
    [
        # Just after each mart's last event, while every entity is still within its view's TTL.
        ("loan_default", "loan_id", ["L3", "L1", "L2", "L1"], "2020-05-20"),
        # L2 and L3 are past the performance TTL here: null online as offline.
        ("loan_default", "loan_id", ["L3", "L1", "L2"], "2020-06-15"),
        ("company_bankruptcy", "company_id", ["C2", "C1"], "2020-06-02"),
    ],
)
def test_online_values_equal_the_latest_offline_values(
    materialized_settings: Settings, model: str, key: str, ids: list[str], when: str
) -> None:
    online = online_features(materialized_settings, model, ids, as_of=ts(when).to_pydatetime())
    offline = offline_at(materialized_settings, model, key, ids, ts(when))
    assert online[key].tolist() == ids  # request order, duplicates kept
    features = [c for c in online.columns if c != key and "__" not in c and c != "features_found"]
    assert len(features) > 30
    for name in features:
        left = pd.Series(online[name].tolist(), name=name)
        right = pd.Series(offline[name].tolist(), name=name)
        if pd.api.types.is_numeric_dtype(right):
            pd.testing.assert_series_equal(left.astype("float64"), right.astype("float64"), check_names=False)
        else:
            assert left.tolist() == right.tolist(), name


def test_missing_ids_and_freshness(materialized_settings: Settings) -> None:
    got = online_features(
        materialized_settings, "company_bankruptcy", ["C1", "nope"], as_of=ts("2020-06-02").to_pydatetime()
    )
    assert got["features_found"].tolist() == [True, False]
    assert got["current_ratio"][0] == 0.8  # the restatement is the latest version
    assert got["company_financials__event_timestamp"][0] == ts("2020-06-01")
    assert pd.isna(got["company_financials__event_timestamp"][1])
    stored = [c for c in got.columns if c not in {"company_id", "features_found"} and "__" not in c]
    assert got.loc[1, stored].isna().all()


def test_online_values_past_ttl_or_after_as_of_are_null(materialized_settings: Settings) -> None:
    def lookup(when: str) -> pd.DataFrame:
        return online_features(materialized_settings, "loan_default", ["L2"], as_of=ts(when).to_pydatetime())

    fresh, stale, early = lookup("2020-05-30"), lookup("2020-05-30 00:00:01"), lookup("2020-03-15")
    assert fresh["current_upb_usd"][0] == 500.0 and fresh["loan_age_at_request_months"][0] == 4.0
    assert pd.isna(stale["current_upb_usd"][0]) and pd.isna(stale["loan_age_at_request_months"][0])
    assert stale["loan_monthly_performance__event_timestamp"][0] == ts("2020-03-16")  # how stale
    assert stale["orig_credit_score"][0] == 650.0 and bool(stale["features_found"][0])
    # The store's value was published after as_of: not known then, so not returned.
    assert pd.isna(early["current_upb_usd"][0]) and early["orig_credit_score"][0] == 650.0


def test_materialize_names_a_missing_mart(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    apply_definitions(settings)
    with pytest.raises(DataError, match=r"feat_company_financials\.parquet"):
        materialize(settings, views=["company_financials"])
    with pytest.raises(DataError, match="unknown feature views"):
        materialize(settings, views=["nope"])


def test_redis_online_store_equals_sqlite(
    materialized_settings: Settings, redis_url: str, redis_copy
) -> None:
    import redis

    host, port = redis_url.split(":")
    settings = redis_copy(7)
    materialize(settings, end=datetime(2021, 1, 1, tzinfo=UTC))
    assert redis.Redis(host=host, port=int(port), db=7).dbsize() > 0
    for model, ids in [("loan_default", ["L1", "L2", "L3", "nope"]), ("company_bankruptcy", ["C1", "C2"])]:
        from_redis = online_features(settings, model, ids, as_of=AS_OF.to_pydatetime())
        from_sqlite = online_features(materialized_settings, model, ids, as_of=AS_OF.to_pydatetime())
        pd.testing.assert_frame_equal(from_redis, from_sqlite)
