"""The public entry point: a frame in, one self-contained HTML report out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.compute import AnalysisOptions, analyse
from analysis.findings import write_findings
from analysis.render import SECTION_TITLES, render_html
from creditrisk.errors import DataError


@dataclass(frozen=True)
class ReportSummary:
    """What was written and the headline numbers (also what MLflow logs beside the file)."""

    path: Path
    title: str
    label: str
    n_rows: int
    n_features: int
    positive_rate: float
    time_column: str | None
    sections: list[str]
    findings: list[str]
    vif_flagged: list[str]
    suggested_drop: list[str]
    mahalanobis_outlier_share: float
    seconds: dict[str, float] = field(default_factory=dict)

    def metrics(self) -> dict[str, float]:
        """Numeric facts worth tracking across runs."""
        return {
            "report_rows": float(self.n_rows),
            "report_features": float(self.n_features),
            "report_positive_rate": self.positive_rate,
            "report_vif_flagged": float(len(self.vif_flagged)),
            "report_mahalanobis_outlier_share": self.mahalanobis_outlier_share,
        }


def build_analysis_report(
    frame: pd.DataFrame,
    label: str,
    *,
    model: str | None = None,
    time_column: str | None = None,
    id_columns: list[str] | None = None,
    out_path: Path,
    options: AnalysisOptions | None = None,
    on_section: Callable[[str], None] | None = None,
) -> ReportSummary:
    """Analyse ``frame`` against the binary ``label`` and write the HTML report to ``out_path``.

    The frame is read, never modified. ``model`` only names the report; ``time_column`` and
    ``id_columns`` override detection. Raises :class:`creditrisk.errors.DataError` for input
    the report cannot describe (missing label, non-binary label, no numeric feature).
    """
    if frame.empty:
        raise DataError("the dataset has no rows")
    out_path = Path(out_path)
    if out_path.suffix.lower() not in {".html", ".htm"}:
        raise DataError(f"report path must end in .html, got {out_path}")
    title = f"Data analysis: {model}" if model else f"Data analysis: {label}"
    analysis = analyse(
        frame,
        label,
        title=title,
        time_column=time_column,
        id_columns=id_columns,
        options=options,
        on_section=on_section,
    )
    if on_section:
        on_section("render")
    started = time.perf_counter()
    findings = write_findings(analysis)
    y = frame[label].astype("int8").to_numpy()
    page = render_html(analysis, findings, y=y)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out_path)  # readers never see a half-written report
    analysis.seconds["render"] = time.perf_counter() - started
    sections = [s for s in SECTION_TITLES if s != "time" or analysis.time is not None]
    vif = analysis.collinearity.vif
    return ReportSummary(
        path=out_path,
        title=title,
        label=label,
        n_rows=len(frame),
        n_features=len(analysis.roles.features),
        positive_rate=analysis.profile.positive_rate,
        time_column=analysis.roles.time_column,
        sections=sections,
        findings=findings,
        vif_flagged=list(vif.index[vif["flagged"]]),
        suggested_drop=analysis.collinearity.suggested_drop,
        mahalanobis_outlier_share=float(analysis.outliers.flagged.mean()),
        seconds=dict(analysis.seconds),
    )
