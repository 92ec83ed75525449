"""Fixtures for the report tests: one synthetic credit frame and one report built from it per session.

Building the report takes seconds (MCD, t-SNE), so the tests that only read it share one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import AnalysisOptions, ReportSummary, build_analysis_report
from analysis.synthetic import synthetic_credit_frame

ROWS = 3_000
FEATURES = 20
#: Small samples keep the session build to a few seconds; the methods are the same.
FAST = AnalysisOptions(mcd_sample=1_000, scatter_sample=1_000, tsne_sample=400, seed=7)


@pytest.fixture(scope="session")
def credit_frame() -> pd.DataFrame:
    return synthetic_credit_frame(ROWS, FEATURES, months=48, seed=11)


@pytest.fixture(scope="session")
def built_report(credit_frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> ReportSummary:
    out = tmp_path_factory.mktemp("report") / "analysis_loan_default.html"
    return build_analysis_report(
        credit_frame.copy(), "default_12m", model="loan_default", out_path=out, options=FAST
    )


@pytest.fixture(scope="session")
def report_html(built_report: ReportSummary) -> str:
    return Path(built_report.path).read_text(encoding="utf-8")
