"""The dashboard's HTML pages: server-rendered, read-only, no inline script or style attribute.

Every page links one stylesheet and two scripts (``plotly.min.js`` from the installed plotly
package and ``dashboard.js``, both served by the API under ``/dashboard/static/``); figures travel
as JSON data blocks (``<script type="application/json">``, which browsers never execute), so
the pages run under ``script-src 'self'``. Every value from the log is HTML-escaped, and ``</``
inside figure JSON is escaped so a feature value cannot close the data block.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.render import _CSS
from monitoring import figures
from monitoring.dashboard.data import Portfolio

BASE = "/dashboard"
DASHBOARD_CSS = (
    _CSS
    + """
header a{color:#fff}nav b{margin-right:18px;font-size:14px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px}
.status-stable b{color:#2b6cb0}.status-warning b{color:#dd6b20}.status-drift b{color:#c53030}
.flagged{color:#c53030;font-weight:600}
form.login{max-width:420px}form.login input{width:100%;padding:6px;margin:6px 0 12px;font-size:14px}
form.login button,form.logout button{padding:6px 14px;font-size:14px}
form.logout{display:inline;float:right}
.error{color:#c53030}
"""
)


def e(value: object) -> str:
    return html.escape(str(value))


def url(path: str, **params: object) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{BASE}{path}" + (f"?{query}" if query else "")


def figure_block(fig: go.Figure, div_id: str) -> str:
    """A div Plotly draws into and its figure as a JSON data block (see the module docstring)."""
    payload = fig.to_json().replace("</", "<\\/")
    return (
        f'<div class="figure" id="{div_id}"></div>'
        f'<script type="application/json" id="{div_id}-data">{payload}</script>'
    )


def page(title: str, subtitle: str, body: str, models: list[str], current: str | None) -> str:
    links = "".join(
        f"<b>{e(m)}</b>" if m == current else f'<a href="{url("", model=m)}">{e(m)}</a>' for m in models
    )
    logout = (
        f'<form class="logout" method="post" action="{BASE}/logout">'
        '<button type="submit">Sign out</button></form>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{e(title)}</title><link rel="icon" href="data:,">'
        f'<link rel="stylesheet" href="{BASE}/static/dashboard.css">'
        f'<script src="{BASE}/static/plotly.min.js" defer></script>'
        f'<script src="{BASE}/static/dashboard.js" defer></script>'
        f"</head><body><header><h1>{e(title)}</h1><p>{subtitle}</p></header>"
        f"<nav>{links}{logout}</nav><main>{body}</main>"
        "<footer>Read-only view of the prediction log, the drift report and the MLflow registry.</footer>"
        "</body></html>\n"
    )


def cards(items: list[tuple[str, str, str]]) -> str:
    return (
        "<div class='cards'>"
        + "".join(f"<div class='card {css}'><b>{e(v)}</b><span>{e(k)}</span></div>" for v, k, css in items)
        + "</div>"
    )


def table(frame: pd.DataFrame, links: dict[str, Callable[[pd.Series], str]] | None = None) -> str:
    """A plain table; ``links`` maps a column to a function giving the href of that cell's row."""
    links = links or {}
    head = "".join(f"<th>{e(c)}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for column in frame.columns:
            text = e(_cell(row[column]))
            if column in links:
                text = f'<a href="{e(links[column](row))}">{text}</a>'
            cells.append(f"<td>{text}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    body = "".join(rows)
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    return str(value)


def _pct(value: float) -> str:
    return "" if value is None or not np.isfinite(value) else f"{value:.1%}"


# ------------------------------------------------------------------ pages
def login_page(error: str = "", next_url: str = BASE) -> str:
    message = f"<p class='error'>{e(error)}</p>" if error else ""
    body = (
        "<section><h2>Sign in</h2>"
        "<p class='note'>Use an API key of this service (the key, not its digest). It is checked once and "
        "exchanged for a session cookie that opens the read-only dashboard for 8 hours; the key is not "
        "stored in the browser.</p>"
        f"{message}<form class='login' method='post' action='{BASE}/login'>"
        "<label for='key'>API key</label>"
        "<input id='key' name='key' type='password' autocomplete='off' required>"
        f"<input type='hidden' name='next' value='{e(next_url)}'>"
        "<button type='submit' id='sign-in'>Sign in</button></form></section>"
    )
    return page("creditrisk dashboard", "sign in with an API key", body, [], None)


def portfolio_page(
    portfolio: Portfolio,
    models: list[str],
    days: float,
    drift: dict[str, Any] | None,
    versions: pd.DataFrame,
    served_version: str | None,
    segments: tuple[str, ...],
) -> str:
    model = portfolio.model
    subtitle = (
        f"portfolio risk from the prediction log, {portfolio.start:%Y-%m-%d} to "
        f"{portfolio.end:%Y-%m-%d %H:%M} UTC"
        f" &middot; serving v{e(served_version) if served_version else ' (not loaded)'}"
    )
    sections = [
        _overview(portfolio, days),
        _drift(model, drift),
        _segments(portfolio, segments),
        _versions(portfolio, versions),
    ]
    return page(f"Risk dashboard: {model}", subtitle, "".join(sections), models, model)


def _overview(portfolio: Portfolio, days: float) -> str:
    windows = " ".join(
        f'<a href="{url("", model=portfolio.model, days=d)}">{d} days</a>' for d in (7, 30, 90, 365)
    )
    if portfolio.empty:
        return (
            f"<section id='overview'><h2>Portfolio</h2><p>No {e(portfolio.model)} scores in the last "
            f"{days:g} days. Window: {windows}</p></section>"
        )
    latest = portfolio.latest
    threshold = float(latest["threshold"].iloc[-1])
    items = [
        (f"{len(latest):,}", "entities scored", ""),
        (f"{len(portfolio.scores):,}", "scores", ""),
        (_pct(latest["decision"].mean()), "share flagged (latest score)", ""),
        (_pct(latest["probability"].mean()), "mean probability", ""),
        (f"{threshold:.3f}", "current threshold", ""),
    ]
    return (
        "<section id='overview'><h2>Portfolio</h2>"
        f"<p class='note'>Window: {windows}. The latest score of each entity counts for shares.</p>"
        + cards(items)
        + "<div class='grid'>"
        + figure_block(
            figures.histogram(
                latest["probability"].to_numpy(), threshold, "Score distribution (latest per entity)"
            ),
            "fig-scores",
        )
        + figure_block(figures.over_time(*portfolio.over_time()), "fig-over-time")
        + "</div></section>"
    )


def _segments(portfolio: Portfolio, segments: tuple[str, ...]) -> str:
    if portfolio.empty or not segments:
        return ""
    parts = [
        "<section id='segments'><h2>By segment</h2><p class='note'>Click a value to see its entities.</p>"
    ]
    for segment in segments:
        frame = portfolio.by_segment(segment)
        shown = frame.assign(
            flagged=frame["flagged"].map(_pct), mean_probability=frame["mean_probability"].map(_pct)
        )
        link = {
            "value": lambda row, s=segment: url("/segment", model=portfolio.model, by=s, value=row["value"])
        }
        parts.append(
            f"<h3>{e(segment)}</h3><div class='grid'>"
            + figure_block(figures.by_segment(frame, segment), f"fig-segment-{segment}")
            + f"<div id='segment-{e(segment)}'>"
            + table(shown.rename(columns={"mean_probability": "mean probability"}), link)
            + "</div></div>"
        )
    parts.append("</section>")
    return "".join(parts)


def _drift(model: str, drift: dict[str, Any] | None) -> str:
    if not drift:
        return (
            "<section id='drift'><h2>Drift</h2><p>No drift report yet: run "
            f"<code>creditrisk monitor drift --model {e(model)}</code>.</p></section>"
        )
    score, perf = drift["score"], drift.get("performance") or {}
    features = drift["features"]
    items = [
        (
            drift["status"],
            f"status (v{drift['version']}, {drift['generated_at'][:16]})",
            f"status-{drift['status']}",
        ),
        (f"{score['psi']:.3f}", "score PSI", f"status-{score['status']}"),
        (f"{sum(f['status'] == 'drift' for f in features)} / {len(features)}", "features drifting", ""),
        (f"{drift['current']['rows']:,}", f"rows compared ({drift['current']['source']})", ""),
    ]
    if perf.get("auc") is not None:
        items.append((f"{perf['auc']:.3f}", "realised AUC", f"status-{perf['status']}"))
    top = features[:20]
    fig = go.Figure()
    fig.add_bar(
        x=[f["name"] for f in top],
        y=[f["psi"] or 0 for f in top],
        marker_color=[figures.STATUS_COLOUR[f["status"]] for f in top],
    )
    fig.add_hline(y=drift["thresholds"]["psi_warn"], line_dash="dot", line_color=figures.WARN)
    fig.add_hline(y=drift["thresholds"]["psi_alert"], line_dash="dot", line_color=figures.ALERT)
    fig.update_xaxes(tickangle=45, tickfont={"size": 9})
    fig.update_layout(template="plotly_white", height=380, title="PSI per feature (worst 20)")
    triggers = "".join(f"<li>{e(t)}</li>" for t in drift.get("triggers", [])[:10])
    return (
        "<section id='drift'><h2>Drift</h2>"
        + cards(items)
        + (
            f"<ul class='findings'>{triggers}</ul>"
            if triggers
            else "<p>No check crossed the drift threshold.</p>"
        )
        + figure_block(fig, "fig-drift")
        + f'<p><a href="{url("/drift-report", model=model)}">Full drift report</a></p></section>'
    )


def _versions(portfolio: Portfolio, registry: pd.DataFrame) -> str:
    used = portfolio.versions() if not portfolio.empty else pd.DataFrame()
    if not used.empty:
        used = used.assign(flagged=used["flagged"].map(_pct)).rename(columns={"model_version": "version"})
    return (
        "<section id='versions'><h2>Model versions</h2><h3>Registry</h3>"
        + (table(registry) if not registry.empty else "<p>No registered versions.</p>")
        + "<h3>Serving in this window</h3>"
        + (table(used) if not used.empty else "<p>No scores in this window.</p>")
        + "</section>"
    )


def segment_page(model: str, segment: str, value: str, entities: pd.DataFrame, models: list[str]) -> str:
    columns = ["entity_id", "probability", "decision", "scored_at", "model_version", "scores"]
    shown = entities[columns].rename(columns={"decision": "flagged", "model_version": "version"})
    body = (
        f"<section id='entities'><h2>{e(segment)} = {e(value)}: {len(entities):,} entities</h2>"
        f'<p><a href="{url("", model=model)}">Back to the portfolio</a></p>'
        + (
            figure_block(
                figures.histogram(entities["probability"].to_numpy(), None, "Latest scores in this segment"),
                "fig-segment-scores",
            )
            if len(entities)
            else ""
        )
        + table(shown, {"entity_id": lambda row: url("/entity", model=model, id=row["entity_id"])})
        + "</section>"
    )
    return page(
        f"{model}: {segment} {value}", "entities by latest score, riskiest first", body, models, model
    )


def entity_page(
    model: str,
    entity_id: str,
    records: pd.DataFrame,
    explanation: dict[str, Any] | None,
    freshness: dict[str, Any] | None,
    models: list[str],
) -> str:
    last = records.iloc[-1]
    threshold = float(last["threshold"])
    items = [
        (f"{last['probability']:.3f}", "latest probability", "status-drift" if last["decision"] else ""),
        ("flagged" if last["decision"] else "not flagged", f"decision at threshold {threshold:.3f}", ""),
        (f"v{last['model_version']}", "model version", ""),
        (f"{len(records):,}", "scores logged", ""),
        (last["scored_at"].strftime("%Y-%m-%d %H:%M"), "last scored (UTC)", ""),
    ]
    features = pd.DataFrame(
        [(name, _cell(value)) for name, value in sorted(last["features"].items())],
        columns=["feature", "value as served"],
    )
    body = (
        f"<section id='entity'><h2>{e(entity_id)}</h2>"
        f'<p><a href="{url("", model=model)}">Back to the portfolio</a></p>'
        + cards(items)
        + figure_block(figures.score_history(records, threshold), "fig-history")
        + "</section>"
        + _explanation(explanation)
        + _freshness(freshness)
        + "<section id='features'><h2>Feature values</h2><p class='note'>As served with the latest score "
        "(from the prediction log).</p>" + table(features) + "</section>"
    )
    return page(
        f"{model}: {entity_id}",
        "one entity's scores, explanation, freshness and features",
        body,
        models,
        model,
    )


def _explanation(explanation: dict[str, Any] | None) -> str:
    if not explanation:
        return "<section id='explanation'><h2>Why (SHAP)</h2><p>No explanation available.</p></section>"
    if explanation.get("error"):
        return f"<section id='explanation'><h2>Why (SHAP)</h2><p>{e(explanation['error'])}</p></section>"
    names, values = explanation["features"], explanation["contributions"]
    frame = pd.DataFrame({"feature": names, "value": explanation["values"], "contribution": values})
    return (
        "<section id='explanation'><h2>Why (SHAP)</h2>"
        f"<p class='note'>{e(explanation['note'])} Base value {explanation['base_value']:.3f} (log-odds); "
        f"the other features add {explanation['other']:+.3f}.</p>"
        + figure_block(
            figures.contributions(names, values, "Largest contributions to the latest score"), "fig-shap"
        )
        + table(frame)
        + "</section>"
    )


def _freshness(freshness: dict[str, Any] | None) -> str:
    if not freshness:
        return ""
    if freshness.get("error"):
        return f"<section id='freshness'><h2>Freshness</h2><p>{e(freshness['error'])}</p></section>"
    rows = [
        {
            "feature view": view,
            "value known since": stamp or "",
            "TTL (days)": "" if ttl is None else f"{ttl / 86400:.0f}",
            "stale": view in freshness.get("stale_views", []),
        }
        for view, stamp, ttl in (
            (v, freshness["feature_timestamps"].get(v), freshness["ttl_seconds"].get(v))
            for v in freshness["feature_timestamps"]
        )
    ]
    return (
        "<section id='freshness'><h2>Freshness</h2><p class='note'>The online store's values for this entity "
        "now, against each view's Feast TTL.</p>" + table(pd.DataFrame(rows)) + "</section>"
    )
