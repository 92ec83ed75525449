"""Historical retrieval never sees the future: cases built to leak if it did."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from feast_crafted import ts

from creditrisk.errors import DataError
from creditrisk.features.store import get_feature_store
from creditrisk.features.training_sets import build_training_set, read_training_set
from creditrisk.settings import Settings


def historical(settings: Settings, service: str, key: str, rows: list[tuple[str, str]]) -> pd.DataFrame:
    store = get_feature_store(settings)
    entity_df = pd.DataFrame({key: [r[0] for r in rows], "event_timestamp": [ts(r[1]) for r in rows]})
    entity_df["as_of"] = entity_df["event_timestamp"]
    entity_df["row"] = range(len(entity_df))
    out = store.get_historical_features(entity_df=entity_df, features=store.get_feature_service(service))
    return out.to_df().sort_values("row").reset_index(drop=True)


def test_a_value_published_one_second_later_is_not_seen(crafted_settings: Settings) -> None:
    got = historical(
        crafted_settings,
        "loan_default_v1",
        "loan_id",
        [("L1", "2020-04-15 23:59:59"), ("L1", "2020-04-16 00:00:00"), ("L1", "2020-03-15 23:59:59")],
    )
    assert got["current_upb_usd"].tolist()[:2] == [100.0, 90.0]
    assert math.isnan(got["current_upb_usd"][2])  # before the first report: nothing
    assert got["orig_credit_score"].tolist() == [720.0, 720.0, 720.0]


def test_a_restatement_is_not_seen_before_its_filing_date(crafted_settings: Settings) -> None:
    got = historical(
        crafted_settings,
        "company_bankruptcy_v1",
        "company_id",
        [("C1", "2020-02-15"), ("C1", "2020-05-31 23:59:59"), ("C1", "2020-06-01"), ("C1", "2020-02-14")],
    )
    values = got["current_ratio"].tolist()
    assert values[:3] == [1.5, 1.5, 0.8]
    assert math.isnan(values[3])


def test_ttl_expiry_yields_null(crafted_settings: Settings) -> None:
    loans = historical(
        crafted_settings,
        "loan_default_v1",
        "loan_id",
        [("L2", "2020-05-30"), ("L2", "2020-05-30 00:00:01")],
    )
    assert loans["current_upb_usd"][0] == 500.0
    assert math.isnan(loans["current_upb_usd"][1])
    assert loans["orig_credit_score"].tolist() == [650.0, 650.0]  # origination: effectively static
    companies = historical(
        crafted_settings, "company_bankruptcy_v1", "company_id", [("C2", "2020-07-11"), ("C2", "2020-07-12")]
    )
    assert not math.isnan(companies["current_ratio"][0])
    assert math.isnan(companies["current_ratio"][1])


def test_the_latest_created_version_wins_at_equal_event_time(crafted_settings: Settings) -> None:
    got = historical(crafted_settings, "loan_default_v1", "loan_id", [("L3", "2020-04-01")])
    assert got["current_upb_usd"].tolist() == [333.0]


def test_on_demand_features_age_values_to_the_request_time(crafted_settings: Settings) -> None:
    got = historical(
        crafted_settings, "loan_default_v1", "loan_id", [("L1", "2020-04-16"), ("L1", "2020-05-15")]
    )
    # Report for March (loan age 2) is the latest on both dates; May 15 is two months later.
    assert got["performance_report_age_months"].tolist() == [1.0, 2.0]
    assert got["loan_age_at_request_months"].tolist() == [3.0, 4.0]
    company = historical(crafted_settings, "company_bankruptcy_v1", "company_id", [("C1", "2020-02-15")])
    assert company["statement_age_days"][0] == pytest.approx(46.0)
    assert company["company_age_at_request_years"][0] == pytest.approx(10.0 + 46.0 / 365.25)


def test_training_set_keeps_duplicates_order_and_label_columns(crafted_settings: Settings) -> None:
    built = build_training_set("loan_default", settings=crafted_settings)
    frame = built.frame
    assert frame.columns[:4].tolist() == ["loan_id", "event_timestamp", "observation_month", "default_12m"]
    assert frame["loan_id"].tolist() == ["L1", "L1", "L1", "L2"]  # label-table order, duplicates kept
    assert frame["current_upb_usd"].tolist() == [100.0, 90.0, 90.0, 500.0]
    assert str(frame["event_timestamp"].dt.tz) == "UTC"
    assert "as_of" not in frame.columns and "reporting_month" not in frame.columns
    assert built.feature_names == frame.columns[4:].tolist()
    manifest = built.manifest
    assert manifest["feature_service"] == "loan_default_v1"
    assert manifest["rows"] == 4 and manifest["label_rate"] == pytest.approx(0.5)
    assert built.path == crafted_settings.datasets_dir / "loan_default" / manifest["dataset_id"]
    assert json.loads((built.path / "manifest.json").read_text())["frame_sha256"] == manifest["frame_sha256"]
    again = read_training_set(built.path)
    pd.testing.assert_frame_equal(again.frame, frame)


def test_training_set_is_reproducible_and_range_filtered(crafted_settings: Settings) -> None:
    first = build_training_set("company_bankruptcy", settings=crafted_settings)
    second = build_training_set("company_bankruptcy", settings=crafted_settings)
    assert first.manifest["dataset_id"] == second.manifest["dataset_id"]
    assert first.manifest["frame_sha256"] == second.manifest["frame_sha256"]
    assert first.frame["period_end_date"].tolist() == [
        pd.Timestamp("2019-12-31").date(),
        pd.Timestamp("2019-09-30").date(),
    ]
    assert first.frame["current_ratio"][0] == 1.5  # the original, not the later restatement
    ranged = build_training_set(
        "company_bankruptcy", start="2020-02-01", end="2020-03-01", settings=crafted_settings
    )
    assert ranged.frame["company_id"].tolist() == ["C1"]
    assert ranged.manifest["dataset_id"] != first.manifest["dataset_id"]


def test_bad_requests_get_clear_errors(crafted_settings: Settings, tmp_path) -> None:
    with pytest.raises(DataError, match="no labelled observations"):
        build_training_set("loan_default", start="2030-01-01", settings=crafted_settings)
    with pytest.raises(DataError, match="after end"):
        build_training_set("loan_default", start="2021-01-01", end="2020-01-01", settings=crafted_settings)
    from creditrisk.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="unknown model"):
        build_training_set("nope", settings=crafted_settings)
    with pytest.raises(ConfigurationError, match="features apply"):
        build_training_set("loan_default", settings=Settings(data_dir=tmp_path / "empty"))
