"""The drift report as files: one self-contained HTML page (Plotly inlined, opens offline) and JSON.

The page uses the analysis report's stylesheet and table helpers, so both reports read alike.
``write_drift_report`` writes ``drift_<model>.html`` and ``drift_<model>.json`` under the reports
folder, each atomically (a ``.partial`` file renamed), and the API's ``/metrics`` reads the JSON
(:mod:`monitoring.metrics`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from analysis.render import _CSS, PLOT_CONFIG, _e, _pct, _table
from monitoring import figures
from monitoring.drift import DriftReport

SECTIONS = {
    "summary": "Summary",
    "features": "Features",
    "score": "Score distribution",
    "performance": "Realised performance",
    "method": "Method",
}
_EXTRA_CSS = ".status-stable b{color:#2b6cb0}.status-warning b{color:#dd6b20}.status-drift b{color:#c53030}"


@dataclass(frozen=True)
class WrittenReport:
    html: Path
    json: Path


def report_paths(reports_dir: Path, model: str) -> WrittenReport:
    return WrittenReport(reports_dir / f"drift_{model}.html", reports_dir / f"drift_{model}.json")


def write_drift_report(report: DriftReport, reports_dir: Path) -> WrittenReport:
    paths = report_paths(reports_dir, report.model)
    reports_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write(paths.json, json.dumps(report.to_dict(), indent=2))
    _atomic_write(paths.html, render_html(report))
    return paths


def read_drift_json(reports_dir: Path, model: str) -> dict | None:
    """The last drift report of ``model`` as written, or ``None`` when there is none (or unreadable)."""
    path = report_paths(reports_dir, model).json
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _atomic_write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _figure(fig: go.Figure, div_id: str) -> str:
    return pio.to_html(
        fig, full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, div_id=div_id, default_height=None
    )


def render_html(report: DriftReport) -> str:
    body = [
        _section("summary", _summary(report)),
        _section("features", _features(report)),
        _section("score", _figure(figures.score_distribution(report.score), "fig-score")),
        _section("performance", _performance(report)),
        _section("method", _method(report)),
    ]
    nav = "".join(f'<a href="#{key}">{title}</a>' for key, title in SECTIONS.items())
    title = f"Drift report: {report.model} v{report.version}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}{_EXTRA_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>{_e(title)}</h1><p>status <b>{_e(report.status)}</b> &middot; "
        f"{report.current['rows']:,} current rows ({_e(report.current['source'])}) against "
        f"{report.reference['rows']:,} training rows &middot; "
        f"generated {_e(report.generated_at)}</p></header>"
        f"<nav>{nav}</nav><main>{''.join(body)}</main>"
        f"<footer>Computed in {report.seconds:.1f}s. Self-contained file; opens offline.</footer>"
        "</body></html>\n"
    )


def _section(key: str, content: str) -> str:
    return f'<section id="{key}" class="report-section"><h2>{SECTIONS[key]}</h2>{content}</section>'


def cards(report: DriftReport) -> list[tuple[str, str, str]]:
    """(value, caption, css class) of the headline cards (the dashboard shows them too)."""
    perf = report.performance
    drifting = sum(f.status == "drift" for f in report.features)
    out = [
        (report.status, "overall status", f"status-{report.status}"),
        (f"{report.score.psi:.3f}", "score PSI", f"status-{report.score.status}"),
        (f"{report.max_feature_psi:.3f}", "largest feature PSI", ""),
        (f"{drifting} / {len(report.features)}", "features drifting", ""),
        (f"{report.current['rows']:,}", f"current rows ({report.current['source']})", ""),
        (
            f"{report.score.flagged_current:.1%}",
            f"flagged now ({report.score.flagged_reference:.1%} in training)",
            "",
        ),
    ]
    if perf is not None and perf.auc is not None:
        promised = f" (holdout {perf.promised_auc:.3f})" if perf.promised_auc is not None else ""
        out.append((f"{perf.auc:.3f}", f"realised AUC{promised}", f"status-{perf.status}"))
    return out


def cards_html(report: DriftReport) -> str:
    return (
        "<div class='cards'>"
        + "".join(
            f"<div class='card {css}'><b>{_e(v)}</b><span>{_e(k)}</span></div>" for v, k, css in cards(report)
        )
        + "</div>"
    )


def _summary(report: DriftReport) -> str:
    triggers = (
        "<ul class='findings'>" + "".join(f"<li>{_e(t)}</li>" for t in report.triggers) + "</ul>"
        if report.triggers
        else "<p>No check crossed the drift threshold: nothing would trigger a retrain.</p>"
    )
    return (
        cards_html(report)
        + "<h3>What would trigger a retrain</h3>"
        + triggers
        + f"<p class='note'>Reference: {_e(report.reference['description'])}. "
        f"Current: {_e(report.current['description'])}, {_e(report.current['start'][:16])} to "
        f"{_e(report.current['end'][:16])}.</p>"
    )


def feature_table(report: DriftReport) -> pd.DataFrame:
    rows = [
        {
            "feature": f.name,
            "kind": f.kind,
            "status": f.status,
            "PSI": f.psi,
            "KS": f.ks,
            "KS p": f.ks_p_value,
            "chi2": f.chi2,
            "chi2 p": f.chi2_p_value,
            "missing (ref)": f.missing_reference,
            "missing (now)": f.missing_current,
        }
        for f in report.features
    ]
    return pd.DataFrame(rows).set_index("feature")


def _features(report: DriftReport) -> str:
    table = feature_table(report)
    drifting = set(table.index[table["status"] != "stable"])
    shown = [f for f in report.features if f.psi > 0][:20] or report.features[:20]
    return "".join(
        [
            _figure(figures.psi_bars(report), "fig-psi"),
            _figure(figures.feature_distributions(shown), "fig-feature-distributions"),
            "<p class='note'>Rows with a warning or drift status are highlighted. KS applies to numeric "
            "features, chi-square to categorical ones; missing values are left out of both and of PSI.</p>",
            _table(
                table,
                formats={"missing (ref)": _pct, "missing (now)": _pct},
                flag=lambda name: name in drifting,
            ),
        ]
    )


def _performance(report: DriftReport) -> str:
    perf = report.performance
    if perf is None:
        return (
            "<p>No matured labels yet for the current rows (a 12-month label exists only once its "
            "horizon has passed). Use <code>--source marts</code> to measure realised performance on "
            "the latest labelled observations.</p>"
        )
    facts = pd.DataFrame(
        [
            ("matured labels", f"{perf.labelled:,} ({perf.positives:,} positive)"),
            ("realised AUC", "" if perf.auc is None else f"{perf.auc:.4f}"),
            ("holdout AUC at training", "" if perf.promised_auc is None else f"{perf.promised_auc:.4f}"),
            ("mean predicted / observed rate", f"{perf.mean_predicted:.2%} / {perf.observed_rate:.2%}"),
            ("expected calibration error", f"{perf.ece:.4f}"),
            ("status", perf.status + (f" ({perf.note})" if perf.note else "")),
        ],
        columns=["figure", "value"],
    )
    return _table(facts, index=False) + _figure(figures.calibration(perf), "fig-calibration")


def _method(report: DriftReport) -> str:
    t = report.thresholds
    return (
        f"<p class='note'>PSI on the training set's deciles (numeric) or categories (plus one bin for "
        f"unseen ones), empty bins floored at 0.0001; warning at PSI {t['psi_warn']:g}, drift at "
        f"{t['psi_alert']:g} (also applied to the missing/present split). Two-sample KS (numeric) and "
        "chi-square (categorical) tests are reported beside PSI; with thousands of rows their p-values "
        "flag differences too small to matter, so the status follows PSI. Realised performance counts as "
        f"decay when the AUC on at least {t['min_labelled']:g} matured labels is {t['auc_drop']:g} or more "
        "below the holdout AUC recorded at training. See docs/monitoring.md.</p>"
    )
