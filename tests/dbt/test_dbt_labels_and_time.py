"""Labels look forward exactly 12 months over complete horizons; features are stamped when they
became known. Checked on hand-made loans and companies whose answers are written down here."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.dbt.builds import Built
from tests.dbt.raw_fixture import month_str, statement_rows


def month(index: int) -> dt.date:
    text = month_str(index)
    return dt.date(int(text[:4]), int(text[4:]), 1)


def labels_of(built: Built, loan_id: str) -> pd.Series:
    frame = built.mart("lbl_loan_default_12m")
    frame = frame[frame.loan_id == loan_id].sort_values("observation_month")
    return frame.set_index("observation_month")["default_12m"]


def test_prepaid_loan_never_defaults_and_all_months_before_exit_are_complete(crafted_build: Built) -> None:
    labels = labels_of(crafted_build, "F18Q10000001")  # current 20 months, prepaid (01) at index 19
    assert list(labels.index) == [month(i) for i in range(19)]
    assert labels.sum() == 0


def test_roll_to_90_days_is_default_only_within_12_months(crafted_build: Built) -> None:
    labels = labels_of(crafted_build, "F18Q10000002")  # 90+ first at index 11
    # Observations: status 0-2 at indices 0..10; all reach 90+ within 12 months.
    assert list(labels.index) == [month(i) for i in range(11)]
    assert labels.tolist() == [1] * 11


def test_credit_loss_exit_is_default_and_horizon_is_exact(crafted_build: Built) -> None:
    labels = labels_of(crafted_build, "F18Q10000003")  # short sale (03) at index 14, never 90+
    assert list(labels.index) == [month(i) for i in range(14)]
    # Index 1's horizon is 2..13: the exit at 14 is outside it. Index 2's is 3..14: inside.
    assert labels.tolist() == [0, 0] + [1] * 12


def test_observations_without_12_months_of_follow_up_are_excluded(crafted_build: Built) -> None:
    labels = labels_of(crafted_build, "F18Q10000004")  # current for all 30 months (0..29)
    assert labels.index.max() == month(17)  # 17 + 12 = 29, the last month of data
    assert labels.sum() == 0


def test_loan_label_event_timestamp_is_the_observation_rows_timestamp(crafted_build: Built) -> None:
    labels = crafted_build.mart("lbl_loan_default_12m")
    expected = pd.to_datetime(labels.observation_month) + pd.DateOffset(months=1) + pd.Timedelta(days=15)
    assert (labels.event_timestamp == expected.dt.tz_localize("UTC")).all()


def test_performance_known_at_month_end_plus_reporting_lag(crafted_build: Built) -> None:
    perf = crafted_build.mart("feat_loan_monthly_performance")
    month_end = (pd.to_datetime(perf.reporting_month) + pd.DateOffset(months=1)).dt.tz_localize("UTC")
    assert (perf.event_timestamp == month_end + pd.Timedelta(days=15)).all()
    assert (perf.event_timestamp > month_end).all()


def test_delinquency_windows_on_a_crafted_path(crafted_build: Built) -> None:
    perf = crafted_build.mart("feat_loan_monthly_performance")
    loan = perf[perf.loan_id == "F18Q10000005"].sort_values("reporting_month").head(8)
    # statuses 0, 1, 2, 1, 0, 1, 0, 0
    assert loan.months_delinquent_6m.tolist() == [0, 1, 2, 3, 3, 4, 4, 3]
    assert loan.worst_delinquency_12m.tolist() == [0, 1, 2, 2, 2, 2, 2, 2]
    assert loan.current_delinquency_streak_months.tolist() == [0, 1, 2, 3, 0, 1, 0, 0]
    assert loan.count_60dpd_12m.tolist() == [0, 0, 1, 1, 1, 1, 1, 1]


def test_statement_features_are_known_at_filing_date_never_period_end(crafted_build: Built) -> None:
    features = crafted_build.mart("feat_company_financials")
    filings = {(row[0], row[4]) for row in statement_rows()}
    for row in features.itertuples():
        filed = row.event_timestamp.date().isoformat()
        assert (row.company_id, filed) in filings
        assert row.event_timestamp.date() > row.period_end_date
        assert row.event_timestamp == pd.Timestamp(filed, tz="UTC")


def test_restatement_is_a_new_row_at_its_filing_date_leaving_earlier_rows(
    crafted_build: Built,
) -> None:
    features = crafted_build.mart("feat_company_financials").set_index(["company_id", "event_timestamp"])
    before = features.loc[("C000001", pd.Timestamp("2019-05-10", tz="UTC"))]
    after = features.loc[("C000001", pd.Timestamp("2019-06-01", tz="UTC"))]  # Q4 2018 restated
    assert before.period_end_date == after.period_end_date == dt.date(2019, 3, 31)
    assert before.current_ratio == after.current_ratio == pytest.approx(2.4)
    # Q4's current ratio: 2.3 as originally filed, 1.0 restated.
    assert before.current_ratio_qoq_change == pytest.approx(0.1)
    assert after.current_ratio_qoq_change == pytest.approx(1.4)


def test_bankruptcy_label_window_is_open_closed_and_complete(crafted_build: Built) -> None:
    labels = crafted_build.mart("lbl_company_bankruptcy_12m")
    bust = labels[labels.company_id == "C000002"].set_index("period_end_date")["bankruptcy_12m"]
    # Bankruptcy on 2019-11-15. The 2018Q3 filing (2018-11-09) + 12 months = 2019-11-09: too early.
    assert bust[dt.date(2018, 9, 30)] == 0
    assert bust[dt.date(2018, 12, 31)] == 1
    assert bust[dt.date(2019, 6, 30)] == 1
    healthy = labels[labels.company_id == "C000001"]
    # Data ends at the last filing (2020-02-09): only filings up to 2019-02-09 have 12 months after them.
    assert healthy.event_timestamp.max() == pd.Timestamp("2019-02-09", tz="UTC")
    assert healthy.bankruptcy_12m.sum() == 0
