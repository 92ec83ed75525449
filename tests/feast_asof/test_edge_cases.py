"""Fixed cases built to catch each way a point-in-time join goes wrong, run against both stores.

Each case writes sources where the right answer is known, checks the ASOF store's answer
against that expectation (so a shared bug cannot hide), and checks it equals the built-in
store's answer row for row, dtypes included.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from twin_repo import (
    BASE_TIME,
    CUSTOMER_COLUMNS,
    CUSTOMER_TTL,
    TwinStores,
    assert_same_result,
    both_results,
    write_parquet,
)

from creditrisk.feast_asof.retrieval_job import AsofRetrievalJob

H = timedelta(hours=1)


def ts(hours: float) -> pd.Timestamp:
    return pd.Timestamp(BASE_TIME + hours * H)


def created_series(hours: list[float | None]) -> pd.Series:
    return pd.Series([ts(h) if h is not None else pd.NaT for h in hours], dtype="datetime64[ns, UTC]")


def customer_rows(rows: list[tuple]) -> pd.DataFrame:
    """(customer_id, event hour, created hour or None, amount, count) rows."""
    return pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
            "event_timestamp": pd.Series([ts(r[1]) for r in rows], dtype="datetime64[ns, UTC]"),
            "created": pd.Series(
                [ts(r[2]) if r[2] is not None else pd.NaT for r in rows], dtype="datetime64[ns, UTC]"
            ),
            "amt_src": pd.Series([r[3] for r in rows], dtype="float64"),
            "txn_count": pd.Series([r[4] for r in rows], dtype="Int64"),
        }
    )


def merchant_rows(rows: list[tuple]) -> pd.DataFrame:
    """(merchant_id, hour, risk, category) rows."""
    return pd.DataFrame(
        {
            "merchant_id": pd.Series([r[0] for r in rows], dtype="object"),
            "ts": pd.Series([ts(r[1]) for r in rows], dtype="datetime64[ns, UTC]"),
            "risk": pd.Series([r[2] for r in rows], dtype="float64"),
            "category": pd.Series([r[3] for r in rows], dtype="object"),
        }
    )


def pair_rows(rows: list[tuple]) -> pd.DataFrame:
    """(customer_id, merchant_id, event hour, created hour, amount) rows."""
    return pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
            "merchant_id": pd.Series([r[1] for r in rows], dtype="object"),
            "event_timestamp": pd.Series([ts(r[2]) for r in rows], dtype="datetime64[ns, UTC]"),
            "created": pd.Series(
                [ts(r[3]) if r[3] is not None else pd.NaT for r in rows], dtype="datetime64[ns, UTC]"
            ),
            "pair_amount": pd.Series([r[4] for r in rows], dtype="float64"),
        }
    )


def entities(rows: list[tuple]) -> pd.DataFrame:
    """(customer_id, merchant_id, hour, request_amount) entity rows."""
    return pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
            "merchant_id": pd.Series([r[1] for r in rows], dtype="object"),
            "event_timestamp": pd.Series([ts(r[2]) for r in rows], dtype="datetime64[ns, UTC]"),
            "request_amount": pd.Series([r[3] for r in rows], dtype="float64"),
        }
    )


DEFAULT_MERCHANTS = merchant_rows([("m1", 0, 0.5, "food"), ("m2", 5, None, None)])
DEFAULT_PAIRS = pair_rows([(1, "m1", 0, 0, 7.0)])


def run_case(
    stores: TwinStores, customer: pd.DataFrame, entity_df: pd.DataFrame, **write_kwargs
) -> pd.DataFrame:
    stores.write_sources(customer, DEFAULT_MERCHANTS, DEFAULT_PAIRS, **write_kwargs)
    expected, actual = both_results(stores, entity_df)
    assert_same_result(expected, actual)
    return actual


def test_ttl_boundary_is_inclusive_and_one_microsecond_past_is_null(twin_stores: TwinStores) -> None:
    ttl_hours = CUSTOMER_TTL / H
    customer = customer_rows([(1, 0, 0, 10.0, 1)])
    entity_df = entities([(1, "m1", ttl_hours, 0.0), (1, "m1", ttl_hours + 1e-6 / 3600 * 1, 0.0)])
    entity_df.loc[1, "event_timestamp"] = ts(0) + CUSTOMER_TTL + pd.Timedelta(microseconds=1)
    result = run_case(twin_stores, customer, entity_df)
    assert result["amount"].tolist()[0] == 10.0
    assert np.isnan(result["amount"].tolist()[1])


def test_feature_at_exactly_entity_time_is_visible_and_later_is_not(twin_stores: TwinStores) -> None:
    customer = customer_rows([(1, 3, 3, 1.0, 1), (1, 3.5, 3.5, 2.0, 2)])
    entity_df = entities([(1, "m1", 3, 0.0), (1, "m1", 3.25, 0.0), (1, "m1", 2.99, 0.0)])
    result = run_case(twin_stores, customer, entity_df)
    assert result["amount"].tolist()[:2] == [1.0, 1.0]
    assert np.isnan(result["amount"].tolist()[2])


def test_equal_event_times_are_broken_by_latest_created(twin_stores: TwinStores) -> None:
    customer = customer_rows(
        [(1, 2, 2, 1.0, 1), (1, 2, 9, 2.0, 2), (1, 2, 5, 3.0, 3), (1, 2, None, 4.0, 4), (2, 2, None, 5.0, 5)]
    )
    entity_df = entities([(1, "m1", 4, 0.0), (2, "m1", 4, 0.0)])
    result = run_case(twin_stores, customer, entity_df)
    # The restatement created at hour 9 wins even though it was created after the entity time:
    # Feast only filters on created time when asked (filter_by_created_timestamp).
    assert result["amount"].tolist() == [2.0, 5.0]


def test_null_feature_values_of_the_latest_row_win_over_older_values(twin_stores: TwinStores) -> None:
    customer = customer_rows([(1, 0, 0, 1.0, 1), (1, 1, 1, None, None)])
    entity_df = entities([(1, "m1", 2, 0.0)])
    result = run_case(twin_stores, customer, entity_df)
    assert np.isnan(result.loc[0, "amount"])
    assert np.isnan(result.loc[0, "txn_count"])


def test_duplicate_entity_rows_are_all_kept_in_order(twin_stores: TwinStores) -> None:
    customer = customer_rows([(1, 0, 0, 1.0, 1), (2, 0, 0, 2.0, 2)])
    rows = [(2, "m1", 3, 1.0), (1, "m1", 3, 5.0), (2, "m1", 3, 1.0), (1, "m2", 3, 5.0), (2, "m1", 3, 1.0)]
    entity_df = entities(rows)
    result = run_case(twin_stores, customer, entity_df)
    assert len(result) == 5
    pd.testing.assert_frame_equal(
        result[entity_df.columns.tolist()],
        entity_df.assign(event_timestamp=entity_df["event_timestamp"].astype("datetime64[us, UTC]")),
    )
    assert result["amount"].tolist() == [2.0, 1.0, 2.0, 1.0, 2.0]


def test_entity_times_before_any_feature_row_and_unknown_keys_get_nulls(twin_stores: TwinStores) -> None:
    customer = customer_rows([(1, 10, 10, 1.0, 1)])
    entity_df = entities([(1, "m1", 5, 0.0), (99, "zz", 20, 0.0), (1, "m1", 11, 0.0)])
    result = run_case(twin_stores, customer, entity_df)
    assert np.isnan(result.loc[0, "amount"]) and np.isnan(result.loc[1, "amount"])
    assert result.loc[1, "category"] is None and np.isnan(result.loc[1, "risk"])
    assert result.loc[2, "amount"] == 1.0


@pytest.mark.parametrize("unit", ["ns", "us", "ms"])
def test_parquet_timestamp_unit_does_not_change_the_answer(twin_stores: TwinStores, unit: str) -> None:
    customer = customer_rows([(1, 0, 0, 1.0, 1), (1, 2, 2, 2.0, 2)])
    entity_df = entities([(1, "m1", 1.5, 0.0), (1, "m1", 2, 0.0)])
    result = run_case(twin_stores, customer, entity_df, customer_unit=unit, merchant_unit=unit)
    assert result["amount"].tolist() == [1.0, 2.0]
    assert str(result["event_timestamp"].dtype) == "datetime64[us, UTC]"


@pytest.mark.parametrize("zone", [None, "UTC", "America/New_York", "Asia/Kolkata"])
def test_entity_timestamps_naive_or_in_any_zone_mean_the_same_instant(
    twin_stores: TwinStores, zone: str | None
) -> None:
    customer = customer_rows([(1, 0, 0, 1.0, 1), (1, 2, 2, 2.0, 2)])
    entity_df = entities([(1, "m1", 1.5, 0.0), (1, "m1", 2, 0.0)])
    stamps = entity_df["event_timestamp"].dt.tz_convert("UTC")
    entity_df["event_timestamp"] = stamps.dt.tz_localize(None) if zone is None else stamps.dt.tz_convert(zone)
    result = run_case(twin_stores, customer, entity_df)
    assert result["amount"].tolist() == [1.0, 2.0]
    assert str(result["event_timestamp"].dtype) == "datetime64[us, UTC]"


def test_full_feature_names_and_a_subset_of_views(twin_stores: TwinStores) -> None:
    twin_stores.write_sources(customer_rows([(1, 0, 0, 1.0, 1)]), DEFAULT_MERCHANTS, DEFAULT_PAIRS)
    entity_df = entities([(1, "m1", 3, 2.0), (1, "m2", 6, 2.0)])
    features = ["merchant_risk:category", "customer_stats:amount", "amount_ratio:amount_share"]
    expected, actual = both_results(twin_stores, entity_df, features, full_feature_names=True)
    assert_same_result(expected, actual)
    # On-demand inputs are fetched too (Feast adds them to the request); on-demand features come last.
    assert {"merchant_risk__category", "customer_stats__amount"} <= set(actual.columns)
    assert actual.columns[-1] == "amount_ratio__amount_share"
    assert actual["amount_ratio__amount_share"].tolist() == [1.0 / 3.0, 1.0 / 3.0]


def test_pair_view_joins_on_both_keys_with_its_own_ttl(twin_stores: TwinStores) -> None:
    pairs = pair_rows([(1, "m1", 0, 0, 7.0), (1, "m2", 1, None, 8.0), (2, "m1", 2, 2, 9.0)])
    twin_stores.write_sources(customer_rows([(1, 0, 0, 1.0, 1)]), DEFAULT_MERCHANTS, pairs)
    entity_df = entities([(1, "m1", 6, 0.0), (1, "m1", 6.5, 0.0), (1, "m2", 2, 0.0), (2, "m2", 3, 0.0)])
    expected, actual = both_results(twin_stores, entity_df)
    assert_same_result(expected, actual)
    assert actual["pair_amount"].tolist()[:3] == [7.0, None, 8.0] or (
        actual["pair_amount"].tolist()[0] == 7.0
        and np.isnan(actual["pair_amount"].tolist()[1])
        and actual["pair_amount"].tolist()[2] == 8.0
    )


def test_filter_by_created_timestamp_falls_back_to_builtin_semantics(twin_stores: TwinStores) -> None:
    customer = customer_rows([(1, 2, 2, 1.0, 1), (1, 2, 9, 2.0, 2)])
    twin_stores.write_sources(customer, DEFAULT_MERCHANTS, DEFAULT_PAIRS)
    entity_df = entities([(1, "m1", 4, 0.0), (1, "m1", 10, 0.0)])
    expected, actual = both_results(
        twin_stores, entity_df, ["customer_stats:amount"], filter_by_created_timestamp=True
    )
    assert_same_result(expected, actual)
    assert sorted(actual["amount"].tolist()) == [1.0, 2.0]


def test_to_sql_shows_an_asof_join(twin_stores: TwinStores) -> None:
    twin_stores.write_sources(customer_rows([(1, 0, 0, 1.0, 1)]), DEFAULT_MERCHANTS, DEFAULT_PAIRS)
    job = twin_stores.asof.get_historical_features(
        entity_df=entities([(1, "m1", 3, 0.0)]), features=["customer_stats:amount"]
    )
    assert "ASOF LEFT JOIN" in job.to_sql()


def test_null_entity_times_and_keys_match_nothing(twin_stores: TwinStores) -> None:
    # DuckDB's sort-merge ASOF join would give a null entity time the key's latest row.
    customer = customer_rows([(1, 0, 0, 1.0, 1), (1, 2, 2, 2.0, 2)])
    entity_df = entities([(1, "m1", 1.5, 0.0), (1, "m1", 2, 0.0), (1, None, 3, 0.0)])
    entity_df.loc[1, "event_timestamp"] = pd.NaT
    result = run_case(twin_stores, customer, entity_df)
    assert result["amount"].tolist()[0] == 1.0 and np.isnan(result["amount"].tolist()[1])
    assert result["amount"].tolist()[2] == 2.0 and np.isnan(result["risk"].tolist()[2])


def test_entity_times_given_as_strings_are_parsed_like_builtin(twin_stores: TwinStores) -> None:
    customer = customer_rows([(1, 0, 0, 1.0, 1), (1, 2, 2, 2.0, 2)])
    entity_df = entities([(1, "m1", 1.5, 0.0), (1, "m1", 2, 0.0)])
    entity_df["event_timestamp"] = entity_df["event_timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    result = run_case(twin_stores, customer, entity_df)
    assert result["amount"].tolist() == [1.0, 2.0]


def test_source_with_a_column_named_like_duckdb_row_numbers_uses_builtin(twin_stores: TwinStores) -> None:
    """A real ``file_row_number`` column would shadow DuckDB's row numbering: built-in path."""
    customer = customer_rows([(1, 0, 0, 1.0, 1)])
    twin_stores.write_sources(customer, DEFAULT_MERCHANTS, DEFAULT_PAIRS)
    write_parquet(customer[CUSTOMER_COLUMNS].assign(file_row_number=[7]), twin_stores.customer_path, "ns")
    entity_df = entities([(1, "m1", 3, 0.0)])
    job = twin_stores.asof.get_historical_features(entity_df=entity_df, features=["customer_stats:amount"])
    assert not isinstance(job, AsofRetrievalJob)
    expected, actual = both_results(twin_stores, entity_df, ["customer_stats:amount"])
    assert_same_result(expected, actual)
    assert actual["amount"].tolist() == [1.0]


def test_to_df_numbers_rows_from_zero_like_builtin_whatever_the_entity_index(twin_stores: TwinStores) -> None:
    """``to_df`` skips Feast's ``reset_index`` copy; the index must still be 0..n-1, as built-in's."""
    twin_stores.write_sources(customer_rows([(1, 0, 0, 1.0, 1)]), DEFAULT_MERCHANTS, DEFAULT_PAIRS)
    entity_df = entities([(1, "m1", 3, 0.0), (1, "m1", 4, 0.0), (2, "m2", 5, 0.0)]).set_axis([30, 10, 20])
    features = ["customer_stats:amount", "merchant_risk:risk"]
    job = twin_stores.asof.get_historical_features(entity_df=entity_df, features=features)
    frame = job.to_df()
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.equals(pd.RangeIndex(3))
    builtin = twin_stores.builtin.get_historical_features(entity_df=entity_df, features=features).to_df()
    pd.testing.assert_index_equal(frame.index, builtin.index, exact=True)
    pd.testing.assert_frame_equal(frame, job.to_arrow().to_pandas())
