"""The data analysis report: descriptive statistics, outliers, collinearity, projections and time.

``build_analysis_report(frame, label, out_path=...)`` writes one self-contained HTML file
(plotly.js inlined once) that risk teams and auditors read before they trust a model;
``log_report_to_mlflow`` attaches it to the active training run. See ``docs/report.md``.
"""

from __future__ import annotations

from analysis.api import ReportSummary, build_analysis_report
from analysis.compute import AnalysisOptions
from analysis.tracking import log_report_to_mlflow

__all__ = ["AnalysisOptions", "ReportSummary", "build_analysis_report", "log_report_to_mlflow"]
