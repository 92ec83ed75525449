"""Generated data -> dbt -> Feast -> training sets and online lookups, checked by an oracle.

The oracle is an independent pandas as-of join on the marts (latest row at or before the
observation time, later ``created_timestamp`` first, dropped past the view's TTL): Feast's
training sets must equal it value for value.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from creditrisk.features import online_features
from creditrisk.features.materialize import materialize
from creditrisk.features.store import apply_definitions
from creditrisk.features.training_sets import build_training_set
from creditrisk.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from creditrisk.datagen import GeneratorConfig, generate
    from creditrisk.warehouse import build

    settings = Settings(data_dir=tmp_path_factory.mktemp("feast_e2e") / "data")
    generate(GeneratorConfig(loans=150, companies=30, months=30, seed=11), settings, show_progress=False)
    build(settings)
    apply_definitions(settings)
    materialize(settings)
    return settings


def oracle(labels: pd.DataFrame, mart: pd.DataFrame, key: str, columns: list[str], ttl: timedelta):
    """Value of ``columns`` as of each label row, computed without Feast."""
    mart = mart.sort_values(["event_timestamp", "created_timestamp"]).drop_duplicates(
        [key, "event_timestamp"], keep="last"
    )
    left = labels[[key, "event_timestamp"]].reset_index().sort_values("event_timestamp")
    right = mart[[key, "event_timestamp", *columns]].rename(columns={"event_timestamp": "feature_time"})
    joined = pd.merge_asof(
        left, right.sort_values("feature_time"), left_on="event_timestamp", right_on="feature_time", by=key
    )
    expired = joined["feature_time"].isna() | (joined["event_timestamp"] - joined["feature_time"] > ttl)
    joined.loc[expired, columns] = None
    return joined.set_index("index").sort_index()[columns]


@pytest.mark.parametrize(
    ("model", "mart", "columns", "ttl"),
    [
        (
            "loan_default",
            "feat_loan_monthly_performance",
            ["current_upb_usd", "months_delinquent_12m", "rate_incentive_pct"],
            timedelta(days=75),
        ),
        ("loan_default", "feat_loan_origination", ["orig_credit_score", "channel"], timedelta(days=41 * 365)),
        (
            "company_bankruptcy",
            "feat_company_financials",
            ["current_ratio", "altman_z_score", "sector"],
            timedelta(days=183),
        ),
    ],
)
def test_training_sets_equal_an_independent_as_of_join(
    pipeline: Settings, model: str, mart: str, columns: list[str], ttl: timedelta
) -> None:
    built = build_training_set(model, settings=pipeline)
    key = built.manifest["entity_key"]
    labels = pd.read_parquet(pipeline.marts_dir / f"{_label_mart(model)}.parquet")
    assert len(built.frame) == len(labels) > 0
    assert built.frame[key].tolist() == labels[key].tolist()
    assert built.manifest["label_rate"] == pytest.approx(labels[built.manifest["label"]].mean())
    expected = oracle(labels, pd.read_parquet(pipeline.marts_dir / f"{mart}.parquet"), key, columns, ttl)
    for column in columns:
        got = built.frame[column].reset_index(drop=True)
        want = expected[column].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(got):
            pd.testing.assert_series_equal(got.astype("float64"), want.astype("float64"), check_names=False)
        else:
            assert got.where(got.notna(), None).tolist() == want.where(want.notna(), None).tolist()


def _label_mart(model: str) -> str:
    return {"loan_default": "lbl_loan_default_12m", "company_bankruptcy": "lbl_company_bankruptcy_12m"}[model]


def test_online_lookups_return_each_loans_latest_report(pipeline: Settings) -> None:
    perf = pd.read_parquet(pipeline.marts_dir / "feat_loan_monthly_performance.parquet")
    latest = perf.sort_values(["event_timestamp", "created_timestamp"]).groupby("loan_id").tail(1)
    as_of = perf["event_timestamp"].max() + pd.Timedelta(days=1)
    recent = latest[latest["event_timestamp"] > as_of - pd.Timedelta(days=75)]  # within the TTL
    ids = recent["loan_id"].head(25).tolist()
    assert ids
    got = online_features(pipeline, "loan_default", ids, as_of=as_of.to_pydatetime())
    want = recent.set_index("loan_id").loc[ids]
    assert got["features_found"].all()
    assert got["current_upb_usd"].tolist() == want["current_upb_usd"].tolist()
    assert (got["loan_monthly_performance__event_timestamp"] == want["event_timestamp"].to_numpy()).all()
