"""Ground truth: schema, calibration against realised labels, and that only evaluation reads it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score

from creditrisk.settings import PROJECT_ROOT

CREDIT_EXITS = ["02", "03", "09", "15"]


def _loan_labels(performance: pd.DataFrame) -> pd.DataFrame:
    """default_12m as in docs/contracts.md section 2, on complete horizons."""
    df = pd.DataFrame({"loan_id": performance[0], "ym": performance[1].astype(int)})
    df["m"] = (df.ym // 100) * 12 + df.ym % 100 - 1
    dpd = pd.to_numeric(performance[3].replace("RA", "99"))
    zbc = performance[8]
    df = df.assign(dpd=dpd.values, zbc=zbc.values).sort_values(["loan_id", "m"], ignore_index=True)
    bad = (df.dpd >= 3) | df.zbc.isin(CREDIT_EXITS)
    df["bad_m"] = np.where(bad, df.m, 10**9)
    nxt = df.iloc[::-1].groupby("loan_id").bad_m.cummin().iloc[::-1]
    df["next_bad"] = nxt.groupby(df.loan_id).shift(-1).fillna(10**9).values
    df["exit_m"] = df.loan_id.map(df[df.zbc != ""].set_index("loan_id").m)
    complete = (df.m + 12 <= df.m.max()) | (df.exit_m <= df.m + 12)
    observed = (df.dpd < 3) & (df.zbc == "") & complete
    df["default_12m"] = (df.next_bad <= df.m + 12).astype(int)
    return df[observed]


def test_truth_files_have_the_contract_schema(raw_dir: Path) -> None:
    loan = pq.read_schema(raw_dir / "_truth" / "loan_month_truth.parquet")
    assert loan.names == ["loan_id", "reporting_month", "true_pd_12m"]
    assert str(loan.field("reporting_month").type) == "date32[day]"
    company = pq.read_schema(raw_dir / "_truth" / "company_quarter_truth.parquet")
    assert company.names == ["company_id", "period_end_date", "true_pd_12m"]
    corruptions = pd.read_csv(raw_dir / "_truth" / "corruptions.csv")
    assert list(corruptions.columns) == ["file", "line_number", "kind"] and corruptions.empty


def test_loan_truth_is_calibrated_and_informative(raw_dir: Path, performance: pd.DataFrame) -> None:
    labels = _loan_labels(performance)
    truth = pd.read_parquet(raw_dir / "_truth" / "loan_month_truth.parquet")
    month = pd.to_datetime(truth.reporting_month)
    truth["m"] = month.dt.year * 12 + month.dt.month - 1
    df = labels.merge(truth, on=["loan_id", "m"], how="left", validate="one_to_one")
    assert df.true_pd_12m.notna().all()
    assert df.true_pd_12m.between(0, 1).all()
    realised, predicted = df.default_12m.mean(), df.true_pd_12m.mean()
    assert abs(predicted / realised - 1) < 0.12, (predicted, realised)
    assert roc_auc_score(df.default_12m, df.true_pd_12m) > 0.8
    current = df[df.dpd == 0]
    assert 0.7 < roc_auc_score(current.default_12m, current.true_pd_12m) < 0.97


def test_company_truth_covers_each_original_statement_and_ranks(raw_dir: Path) -> None:
    st = pd.read_csv(
        raw_dir / "companies" / "financial_statements.csv", parse_dates=["period_end_date", "filing_date"]
    )
    bankrupt = pd.read_csv(raw_dir / "companies" / "bankruptcies.csv", parse_dates=["bankruptcy_filing_date"])
    truth = pd.read_parquet(raw_dir / "_truth" / "company_quarter_truth.parquet")
    truth["period_end_date"] = pd.to_datetime(truth.period_end_date)
    orig = st[st.amendment_number == 0].merge(truth, on=["company_id", "period_end_date"], how="left")
    assert orig.true_pd_12m.notna().all() and len(truth) == len(orig)
    day = orig.company_id.map(bankrupt.set_index("company_id").bankruptcy_filing_date)
    horizon = orig.filing_date + pd.DateOffset(months=12)
    orig["label"] = ((day > orig.filing_date) & (day <= horizon)).astype(int)
    complete = orig[horizon <= orig.filing_date.max()]
    if complete.label.sum() >= 5:
        assert roc_auc_score(complete.label, complete.true_pd_12m) > 0.75
        assert 0.4 < complete.true_pd_12m.mean() / complete.label.mean() < 2.5


@pytest.mark.parametrize(
    "folder", ["dbt_project", "feature_repo", "creditrisk", "training", "analysis", "monitoring", "serving"]
)
def test_nothing_outside_the_generator_reads_the_truth(folder: str) -> None:
    """Features must never see the generator's truth: only datagen (and tests) name ``_truth``.

    ``creditrisk/settings.py`` defines the path (``truth_dir``), the generator CLI writes it, and
    evaluation code that
    computes the oracle AUC may read it; both are listed explicitly here.
    """
    allowed = {"creditrisk/settings.py", "creditrisk/cli/data.py", *EVALUATION_MODULES}
    pattern = re.compile(r"_truth\b|truth_dir|loan_month_truth|company_quarter_truth")
    root = PROJECT_ROOT / folder
    offenders = []
    for path in root.rglob("*") if root.exists() else []:
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        if not path.is_file() or path.suffix not in {
            ".py",
            ".sql",
            ".yml",
            ".yaml",
            ".toml",
            ".jinja",
            ".md",
        }:
            continue
        if rel.startswith("creditrisk/datagen/") or rel in allowed:
            continue
        if pattern.search(path.read_text(errors="ignore")):
            offenders.append(rel)
    assert offenders == []


#: Evaluation-only modules allowed to read ``raw/_truth`` (oracle AUC); nothing that builds features.
EVALUATION_MODULES: set[str] = {"training/oracle.py"}
