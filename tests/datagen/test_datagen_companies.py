"""Statements, filing lags, restatements, bankruptcies and the macro files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from datagen_helpers import build

from creditrisk.datagen.companies import STATEMENT_COLUMNS


@pytest.fixture(scope="module")
def statements(raw_dir: Path) -> pd.DataFrame:
    df = pd.read_csv(raw_dir / "companies" / "financial_statements.csv")
    df["period_end_date"] = pd.to_datetime(df.period_end_date)
    df["filing_date"] = pd.to_datetime(df.filing_date)
    return df


@pytest.fixture(scope="module")
def bankruptcies(raw_dir: Path) -> pd.DataFrame:
    return pd.read_csv(raw_dir / "companies" / "bankruptcies.csv", parse_dates=["bankruptcy_filing_date"])


def test_columns_follow_the_contract(raw_dir: Path, statements: pd.DataFrame) -> None:
    assert list(statements.columns) == list(STATEMENT_COLUMNS)
    companies = pd.read_csv(raw_dir / "companies" / "companies.csv")
    assert list(companies.columns) == ["company_id", "company_name", "sector", "founded_year"]
    assert companies.company_id.str.fullmatch(r"C\d{6}").all()
    assert set(statements.company_id) <= set(companies.company_id)


def test_every_statement_is_filed_after_its_period_end(statements: pd.DataFrame) -> None:
    lag = (statements.filing_date - statements.period_end_date).dt.days
    assert (lag > 0).all()
    original = statements[statements.amendment_number == 0]
    lag0 = lag[original.index]
    quarterly = lag0[original.fiscal_quarter != 4]
    annual = lag0[original.fiscal_quarter == 4]
    assert 35 <= quarterly.median() <= 45
    assert 55 <= annual.median() <= 90


def test_restatements_are_later_rows_for_the_same_period(statements: pd.DataFrame) -> None:
    key = ["company_id", "period_end_date"]
    assert not statements.duplicated([*key, "amendment_number"]).any()
    original = statements[statements.amendment_number == 0].set_index(key).filing_date
    amended = statements[statements.amendment_number > 0]
    share = amended.amendment_number.eq(1).sum() / len(original)
    assert 0.01 <= share <= 0.07
    delay = (
        amended.filing_date.values
        - original.loc[list(zip(amended.company_id, amended.period_end_date, strict=True))].values
    )
    assert (pd.to_timedelta(delay).days >= 30).all()


def test_bankrupt_companies_stop_filing(statements: pd.DataFrame, bankruptcies: pd.DataFrame) -> None:
    assert 0.005 <= len(bankruptcies) / statements.company_id.nunique() <= 0.12
    assert set(bankruptcies.chapter) <= {7, 11}
    last_filing = statements.groupby("company_id").filing_date.max()
    for row in bankruptcies.itertuples():
        assert last_filing.get(row.company_id, pd.Timestamp.min) < row.bankruptcy_filing_date


def test_bankruptcy_rate_scale_raises_bankruptcies(tmp_path: Path) -> None:
    options = {"loans": 10, "companies": 400, "months": 36}
    base = build(tmp_path / "base", **options)
    more = build(tmp_path / "more", bankruptcy_rate_scale=4.0, **options)
    count = [len(pd.read_csv(r / "companies" / "bankruptcies.csv")) for r in (base, more)]
    assert count[1] > 1.5 * max(count[0], 1)


def test_revenue_has_sector_seasonality(raw_dir: Path, statements: pd.DataFrame) -> None:
    companies = pd.read_csv(raw_dir / "companies" / "companies.csv")
    df = statements[statements.amendment_number == 0].merge(companies, on="company_id")
    retail = df[df.sector == "Retail"].copy()
    retail["q"] = retail.period_end_date.dt.quarter
    retail["ratio"] = retail.revenue / retail.total_assets
    by_q = retail.groupby("q").ratio.median()
    assert by_q[4] > 1.15 * by_q[1]


def test_macro_files(raw_dir: Path) -> None:
    macro = raw_dir / "macro"
    unemployment = pd.read_csv(macro / "state_unemployment.csv", dtype={"month": str})
    hpi = pd.read_csv(macro / "state_hpi.csv", dtype={"month": str})
    rate = pd.read_csv(macro / "mortgage_rate_30y.csv", dtype={"month": str})
    assert list(unemployment.columns) == ["state", "month", "unemployment_rate_pct"]
    assert list(hpi.columns) == ["state", "month", "hpi"]
    assert list(rate.columns) == ["month", "rate_pct"]
    assert (hpi[hpi.month == "2000-01"].hpi == 100.0).all()
    assert rate.month.min() == "2000-01" and rate.month.max() == "2022-12"
    assert unemployment.state.nunique() >= 51
    stress = unemployment[unemployment.month == "2021-06"].unemployment_rate_pct.mean()
    calm = unemployment[unemployment.month == "2019-06"].unemployment_rate_pct.mean()
    assert stress > calm + 2.0
