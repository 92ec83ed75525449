"""Assemble the analysis into one self-contained HTML file.

plotly.js is inlined once in the head (no CDN: the report must open offline, e.g. on an
auditor's laptop or from an MLflow artefact), and every figure is a div plus a small script
calling ``Plotly.newPlot``. Tables are plain HTML so they print and copy well.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from analysis import figures
from analysis.collinearity import VIF_THRESHOLD
from analysis.compute import Analysis
from creditrisk.outliers import IQR_K, MAHALANOBIS_QUANTILE

PLOT_CONFIG = {"displaylogo": False, "responsive": True}

#: (id, heading) of every section, in page order; the browser test checks each renders.
SECTION_TITLES = {
    "findings": "Findings",
    "profile": "Descriptive statistics",
    "outliers": "Outliers",
    "collinearity": "Correlation and collinearity",
    "projection": "PCA and t-SNE",
    "time": "Time",
    "columns": "Columns and method",
}

_CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1a202c;
background:#f7fafc}
header{background:#1a365d;color:#fff;padding:18px 32px}header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;opacity:.85;font-size:14px}
nav{background:#fff;border-bottom:1px solid #e2e8f0;padding:8px 32px;position:sticky;top:0;z-index:10}
nav a{margin-right:18px;color:#2b6cb0;text-decoration:none;font-size:14px}
main{padding:8px 32px 40px;max-width:1400px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:8px 20px 16px;margin:18px 0}
h2{border-bottom:2px solid #2b6cb0;padding-bottom:4px}h3{margin:18px 0 6px;font-size:16px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:10px 0}
.card{border:1px solid #e2e8f0;border-radius:6px;padding:8px 14px;min-width:130px}
.card b{display:block;font-size:20px}.card span{font-size:12px;color:#4a5568}
.findings li{margin:6px 0;line-height:1.4}
.scroll{overflow-x:auto;max-height:520px;overflow-y:auto}
table{border-collapse:collapse;font-size:12px;margin:6px 0}
th,td{border-bottom:1px solid #e2e8f0;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#edf2f7;position:sticky;top:0}td:first-child,th:first-child{text-align:left}
tr.flag td{background:#fff5f5;color:#9b2c2c}
.note{color:#4a5568;font-size:13px}
footer{color:#718096;font-size:12px;padding:0 32px 24px}
"""


def render_html(analysis: Analysis, findings: list[str], *, y: np.ndarray) -> str:
    """The whole page as one string."""
    body = [
        _section("findings", _findings_html(analysis, findings)),
        _section("profile", _profile_html(analysis)),
        _section("outliers", _outliers_html(analysis, y)),
        _section("collinearity", _collinearity_html(analysis)),
        _section("projection", _projection_html(analysis)),
        _section("time", _time_html(analysis)),
        _section("columns", _columns_html(analysis)),
    ]
    nav = "".join(f'<a href="#{key}">{title}</a>' for key, title in SECTION_TITLES.items())
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    timings = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in analysis.seconds.items())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(analysis.title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>{_e(analysis.title)}</h1><p>label <b>{_e(analysis.roles.label)}</b> &middot; "
        f"{analysis.profile.n_rows:,} rows &middot; generated {generated}</p></header>"
        f"<nav>{nav}</nav><main>{''.join(body)}</main>"
        f"<footer>Section timings: {_e(timings)}. Self-contained file; opens offline.</footer>"
        "</body></html>\n"
    )


def _section(key: str, content: str) -> str:
    return f'<section id="{key}" class="report-section"><h2>{SECTION_TITLES[key]}</h2>{content}</section>'


def _figure(fig: go.Figure, div_id: str) -> str:
    return pio.to_html(
        fig, full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, div_id=div_id, default_height=None
    )


def _findings_html(a: Analysis, findings: list[str]) -> str:
    p = a.profile
    cards = [
        (f"{p.n_rows:,}", "rows"),
        (f"{len(a.roles.features)}", "features analysed"),
        (f"{p.positive_rate:.2%}", f"{a.roles.label} rate"),
        (f"{int(a.outliers.flagged.sum()):,}", "Mahalanobis outliers"),
        (f"{int(a.collinearity.vif['flagged'].sum())}", f"features with VIF > {VIF_THRESHOLD:.0f}"),
        (f"{a.projection.components_for[0.9]}", "PCs for 90% variance"),
    ]
    cards_html = "".join(f"<div class='card'><b>{_e(v)}</b><span>{_e(k)}</span></div>" for v, k in cards)
    items = "".join(f"<li>{_e(f)}</li>" for f in findings)
    return f"<div class='cards'>{cards_html}</div><ul class='findings'>{items}</ul>"


def _profile_html(a: Analysis) -> str:
    p = a.profile
    table = p.numeric.copy()
    columns = ["auc", "missing_share", "missing_share_0", "missing_share_1", "mean_0", "mean_1"]
    columns += ["median_0", "median_1", "mean", "std", "p01", "p25", "p50", "p75", "p99"]
    shown = table[columns].rename(
        columns={
            "missing_share": "missing",
            "mean_0": "mean (0)",
            "mean_1": "mean (1)",
            "median_0": "median (0)",
            "median_1": "median (1)",
            "missing_share_0": "missing (0)",
            "missing_share_1": "missing (1)",
        }
    )
    parts = [
        "<p class='note'>Numeric features sorted by univariate AUC distance from 0.5 (strongest first). "
        "Quantiles ignore missing values; (0) and (1) are the statistics within each class. "
        "Scroll sideways for the overall quantiles.</p>",
        _table(
            shown.loc[(table["auc"] - 0.5).abs().sort_values(ascending=False).index],
            formats={"missing": _pct, "missing (0)": _pct, "missing (1)": _pct},
        ),
        _figure(figures.distributions(p, list(p.numeric.index)), "fig-distributions"),
        "<h3>Target rate by decile of the key features</h3>",
        _figure(
            figures.rate_by_bins(p.rate_by_bin, "Target rate by decile (key features)", p.positive_rate),
            "fig-rate-by-decile",
        ),
    ]
    if len(p.categorical):
        parts += [
            "<h3>Categorical features</h3>",
            _table(p.categorical, formats={"missing_share": _pct, "most_common_share": _pct}),
            _figure(
                figures.rate_by_bins(
                    dict(list(p.rate_by_category.items())[:6]), "Target rate by category", p.positive_rate
                ),
                "fig-rate-by-category",
            ),
        ]
    if p.rate_by_vintage is not None and p.vintage_name:
        parts += [
            f"<h3>Target rate by {_e(p.vintage_name)}</h3>",
            _figure(figures.rate_by_vintage(p.rate_by_vintage, p.vintage_name), "fig-rate-by-vintage"),
        ]
    return "".join(parts)


def _outliers_html(a: Analysis, y: np.ndarray) -> str:
    o = a.outliers
    excluded = (
        " Left out of MCD as flags or small counts (see the IQR table): "
        f"{_e(', '.join(o.excluded_from_mcd))}."
        if o.excluded_from_mcd
        else ""
    )
    iqr_part = [
        f"<p class='note'>IQR rule, the one <code>creditrisk train --outliers iqr</code> drops rows by: "
        f"a value beyond {IQR_K:g} x IQR from its feature's quartiles (missing values count as the "
        "median; a feature with a zero IQR has no fence); "
        f"{o.rows_with_iqr_outlier:,} rows have at least one.</p>",
        "<h3>Per feature (IQR rule)</h3>",
        _table(
            o.iqr.head(20),
            formats={"share": _pct, "share_0": _pct, "share_1": _pct},
            rename={"share_0": "share of 0", "share_1": "share of 1"},
        ),
        _figure(figures.iqr_shares(o), "fig-iqr-shares"),
        "<h3>Per row (robust Mahalanobis distance)</h3>",
    ]
    if not o.mcd_features:
        return "".join([*iqr_part, f"<p>No continuous feature to fit a robust covariance on.{excluded}</p>"])
    return "".join(
        [
            *iqr_part,
            f"<p class='note'>Minimum Covariance Determinant fitted on {o.mcd_sample:,} sampled rows over "
            f"{len(o.mcd_features)} continuous features (median-imputed, right-skewed amounts logged, "
            "IQR-scaled), distance computed for every row, cut-off at the "
            f"{MAHALANOBIS_QUANTILE:.1%} chi-square quantile ({o.threshold:.2f}), the cut-off "
            f"<code>creditrisk train --outliers mahalanobis</code> uses.{excluded}</p>",
            f"<p>{int(o.flagged.sum()):,} rows flagged: {o.share_1:.2%} of positives, {o.share_0:.2%} of "
            "negatives.</p>",
            _figure(figures.distance_histogram(o, y), "fig-distance"),
            _figure(figures.outlier_drivers(o), "fig-drivers") if len(o.drivers) else "",
            "<h3>Most extreme rows</h3>",
            _table(o.extreme, index=False),
        ]
    )


def _collinearity_html(a: Analysis) -> str:
    c = a.collinearity
    flagged = set(c.vif.index[c.vif["flagged"]])
    drop = ", ".join(c.suggested_drop) if c.suggested_drop else "nothing"
    pairs = (
        _table(c.pairs, index=False)
        if len(c.pairs)
        else "<p>No pair of features with |r| of 0.8 or more.</p>"
    )
    return "".join(
        [
            _figure(figures.correlation_heatmap(c), "fig-correlation"),
            "<h3>Strongly correlated pairs (|r| &ge; 0.8)</h3>",
            pairs,
            f"<h3>Variance inflation factors (flagged above {VIF_THRESHOLD:.0f})</h3>",
            f"<p><b>Suggested to drop:</b> {_e(drop)} (greedy: remove the highest VIF until all are at most "
            f"{VIF_THRESHOLD:.0f}; largest VIF left {c.vif_after_drop:.1f}).</p>",
            _table(c.vif[["vif"]], flag=lambda index: index in flagged),
        ]
    )


def _projection_html(a: Analysis) -> str:
    p = a.projection
    parts = [
        f"<p class='note'>Components needed: {p.components_for[0.8]} for 80%, "
        f"{p.components_for[0.9]} for 90%, "
        f"{p.components_for[0.95]} for 95% of the variance.</p>",
        _figure(figures.explained_variance(p), "fig-explained-variance"),
        _figure(
            figures.scatter_by_class(
                p.pca_points,
                p.pca_labels,
                f"PCA projection ({len(p.pca_points):,} sampled rows)",
                ("PC1", "PC2"),
            ),
            "fig-pca-scatter",
        ),
        "<h3>Largest loadings on PC1 and PC2</h3>",
        _table(p.loadings),
    ]
    if p.tsne_points is not None and p.tsne_labels is not None:
        parts.append(
            _figure(
                figures.scatter_by_class(
                    p.tsne_points,
                    p.tsne_labels,
                    f"t-SNE on a sample of {p.tsne_sample:,} rows",
                    ("t-SNE 1", "t-SNE 2"),
                ),
                "fig-tsne",
            )
        )
    return "".join(parts)


def _time_html(a: Analysis) -> str:
    t = a.time
    if t is None:
        return "<p>No time column was found or named (--time-column), so there is no time analysis.</p>"
    parts = [
        f"<p class='note'>Time axis: <b>{_e(t.time_column)}</b>. {_e(t.note)}</p>",
        _figure(figures.monthly_rate(t, a.roles.label), "fig-monthly-rate"),
    ]
    if t.features:
        parts.append(_figure(figures.monthly_features(t), "fig-monthly-features"))
    if t.decomposition is not None:
        parts.append(_figure(figures.stl_panels(t, a.roles.label), "fig-stl"))
    parts += [
        "<h3>Stationarity (augmented Dickey-Fuller on the monthly series)</h3>",
        _table(t.stationarity, index=False, formats={"p_value": lambda v: _num(v, 3)}),
    ]
    return "".join(parts)


def _columns_html(a: Analysis) -> str:
    r = a.roles
    rows = [
        ("label", r.label),
        ("time axis", r.time_column or "none"),
        ("vintage", r.vintage_column or "none"),
    ]
    rows += [("identifier", c) for c in r.id_columns]
    rows += [("numeric feature", c) for c in r.numeric] + [("categorical feature", c) for c in r.categorical]
    rows += [(f"not analysed: {reason}", c) for c, reason in r.ignored.items()]
    table = pd.DataFrame(rows, columns=["role", "column"])
    return (
        "<p class='note'>Roles are inferred from names and types (identifiers ending in _id, the time axis "
        "from observation_month / period_end_date / event_timestamp) unless named on the command line. "
        "Covariance-based sections use median-imputed values.</p>" + _table(table, index=False)
    )


# ------------------------------------------------------------------ tables and formatting
def _table(
    frame: pd.DataFrame,
    *,
    index: bool = True,
    formats: dict[str, Callable[[object], str]] | None = None,
    rename: dict[str, str] | None = None,
    flag: Callable[[object], bool] | None = None,
) -> str:
    formats = formats or {}
    columns = list(frame.columns)
    head = ([frame.index.name or ""] if index else []) + [(rename or {}).get(str(c), str(c)) for c in columns]
    lines = [
        "<div class='scroll'><table><thead><tr>",
        *(f"<th>{_e(h)}</th>" for h in head),
        "</tr></thead><tbody>",
    ]
    for key, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        css = " class='flag'" if flag and flag(key) else ""
        cells: Iterable[str] = (formats.get(str(c), _cell)(v) for c, v in zip(columns, row, strict=True))
        prefix = f"<td>{_e(str(key))}</td>" if index else ""
        lines.append(f"<tr{css}>{prefix}{''.join(f'<td>{_e(c)}</td>' for c in cells)}</tr>")
    lines.append("</tbody></table></div>")
    return "".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return _num(float(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value)


def _num(value: object, digits: int = 4) -> str:
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return ""
    if math.isinf(number) or abs(number) >= 1e6:
        return f"{number:.3g}"
    return f"{number:.{digits}g}"


def _pct(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return "" if math.isnan(number) else f"{number:.1%}"


def _e(text: object) -> str:
    return html.escape(str(text))
