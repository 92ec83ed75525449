"""Monthly performance: amortisation, delinquency moves, exits, default rates and the stress period."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from datagen_helpers import build, read_pipe

CREDIT_EXITS = {"02", "03", "09", "15"}


def _panel(perf: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "loan": perf[0],
            "ym": perf[1].astype(int),
            "upb": perf[2].astype(float),
            "status": perf[3],
            "age": perf[4].astype(int),
            "modified": perf[7],
            "zbc": perf[8],
            "zb_date": perf[9],
        }
    )
    df["month"] = (df.ym // 100) * 12 + df.ym % 100 - 1
    df["dpd"] = pd.to_numeric(df.status.replace("RA", "-1"))
    return df.sort_values(["loan", "month"], ignore_index=True)


@pytest.fixture(scope="module")
def panel(performance: pd.DataFrame) -> pd.DataFrame:
    return _panel(performance)


def test_one_row_per_loan_month_without_gaps_until_exit(panel: pd.DataFrame) -> None:
    assert not panel.duplicated(["loan", "month"]).any()
    step = panel.groupby("loan").month.diff().dropna()
    assert (step == 1).all()
    assert (panel.groupby("loan").age.diff().dropna() == 1).all()
    exits = panel[panel.zbc != ""]
    assert exits.loan.is_unique
    last = panel.groupby("loan").month.transform("max")
    assert (exits.month == last[exits.index]).all()
    assert (exits.zb_date.astype(int) == exits.ym).all()


def test_delinquency_moves_one_month_at_a_time_and_cures(panel: pd.DataFrame) -> None:
    prev = panel.groupby("loan").dpd.shift()
    moved = panel[prev.notna() & (panel.dpd >= 0)]
    rise = moved.dpd - prev[moved.index]
    assert rise.max() <= 1
    cured = (prev[moved.index] >= 1) & (moved.dpd == 0)
    assert cured.sum() > 0
    assert panel.dpd.max() >= 6


def test_current_loans_amortise(panel: pd.DataFrame) -> None:
    seasoned = panel[(panel.age > 7) & (panel.dpd == 0) & (panel.zbc == "") & (panel.modified == "")]
    prev = panel.groupby("loan").upb.shift()[seasoned.index]
    prev_dpd = panel.groupby("loan").dpd.shift()[seasoned.index]
    ok = prev_dpd == 0
    assert (seasoned.upb[ok] < prev[ok]).mean() > 0.999


def test_exits_have_codes_loss_fields_and_ra_for_reo(performance: pd.DataFrame) -> None:
    zbc = performance[8]
    assert {"01", "03", "09"} <= set(zbc)
    assert set(zbc) <= {"", "01", "02", "03", "09", "15"}
    credit = zbc.isin(CREDIT_EXITS)
    for pos in (
        13,
        14,
        16,
        21,
        27,
    ):  # MI recoveries, net sale proceeds, expenses, actual loss, accrued interest
        assert (performance.loc[credit, pos] != "").all()
        assert (performance.loc[~credit, pos] == "").all()
    assert (performance.loc[performance[3] == "RA", 8] == "09").all()
    assert (performance.loc[zbc == "09", 3] == "RA").all()
    assert (pd.to_numeric(performance.loc[credit, 21]) <= 0).all()  # losses are negative
    prepaid = zbc == "01"
    assert (performance.loc[prepaid, 2] == "0.00").all()
    assert (pd.to_numeric(performance.loc[prepaid, 26]) > 0).all()  # zero-balance removal UPB


def test_modifications_follow_serious_delinquency(panel: pd.DataFrame) -> None:
    first_mod = panel[panel.modified == "Y"].groupby("loan").month.min()
    assert len(first_mod) > 0
    before = panel.set_index(["loan", "month"]).dpd
    prior = [before.get((loan, m - 1), np.nan) for loan, m in first_mod.items()]
    assert np.nanmin(prior) >= 3


def _yearly_default_share(panel: pd.DataFrame) -> pd.Series:
    """Share of loans active in a year that first reach 90+ or a credit exit that year."""
    bad = (panel.dpd >= 3) | (panel.dpd == -1) | panel.zbc.isin(CREDIT_EXITS)
    year = panel.month // 12
    first_bad = panel[bad].groupby("loan").month.min() // 12
    active = panel.groupby(year).loan.nunique()
    return first_bad.value_counts().reindex(active.index, fill_value=0) / active


def test_default_rates_normal_and_in_the_stress_period(panel: pd.DataFrame) -> None:
    shares = _yearly_default_share(panel)
    assert 0.005 <= shares[2019] <= 0.03, shares  # normal times: about 1-2% a year
    assert shares[2021] >= 2.5 * shares[2019], shares  # stress 2020-01..2021-06


def test_stress_and_default_rate_options_move_the_rates(tmp_path: Path) -> None:
    options = {"loans": 1500, "companies": 5, "start": "2018-01", "months": 36}
    calm = build(tmp_path / "calm", stress_severity=0.0, **options)
    harsh = build(tmp_path / "harsh", default_rate_scale=3.0, stress_severity=0.0, **options)

    def share(raw: Path) -> float:
        perf = pd.concat([read_pipe(p) for p in (raw / "freddie").glob("historical_data_time_*.txt")])
        dpd = pd.to_numeric(perf[3].replace("RA", "99"))
        return perf[0][dpd >= 3].nunique() / perf[0].nunique()

    assert share(harsh) > 1.8 * share(calm)


def test_prepayment_follows_the_rate_incentive_and_delinquency_the_credit_score(
    raw_dir: Path, performance: pd.DataFrame, origination: pd.DataFrame
) -> None:
    rates = pd.read_csv(raw_dir / "macro" / "mortgage_rate_30y.csv", dtype={"month": str})
    market = dict(zip(rates.month.str.replace("-", "").astype(int), rates.rate_pct, strict=True))
    df = pd.DataFrame(
        {
            "loan": performance[0],
            "ym": performance[1].astype(int),
            "rate": performance[10].astype(float),
            "zbc": performance[8],
            "dpd": pd.to_numeric(performance[3].replace("RA", "99")),
        }
    )
    df["prev_ym"] = df.groupby("loan").ym.shift()
    moved = df.dropna(subset=["prev_ym"])
    incentive = moved.rate - moved.prev_ym.astype(int).map(market)
    prepaid = moved.zbc == "01"
    assert prepaid[incentive > 1.0].mean() > 3 * prepaid[incentive < 0.0].mean()

    score = pd.to_numeric(origination.set_index(19)[0].replace("9999", np.nan))
    ever_90 = df.groupby("loan").dpd.max().ge(3)
    low, high = score[score < 680].index, score[score > 780].index
    assert ever_90[ever_90.index.isin(low)].mean() > 3 * ever_90[ever_90.index.isin(high)].mean()
