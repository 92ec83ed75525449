"""Plotly figures of drift and portfolio risk, shared by the drift report and the dashboard.

Same look as the analysis report (``analysis.figures``: white template, blue/red pair);
data is aggregated in Python before it reaches the browser, SVG traces only (no WebGL), so pages
stay small and draw in a headless browser without a GPU.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.figures import BAD, GOOD, TEMPLATE
from monitoring.drift import DriftReport, FeatureDrift, Performance, ScoreDrift

WARN, ALERT = "#dd6b20", "#c53030"
STATUS_COLOUR = {"stable": GOOD, "warning": WARN, "drift": ALERT}


def _layout(fig: go.Figure, title: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        title=title, template=TEMPLATE, height=height, margin={"l": 60, "r": 30, "t": 60, "b": 60}
    )
    return fig


def psi_bars(report: DriftReport, top: int = 25) -> go.Figure:
    """PSI per feature (worst first) with the warning and drift lines."""
    shown = report.features[:top]
    fig = go.Figure()
    fig.add_bar(
        x=[f.name for f in shown],
        y=[f.psi for f in shown],
        marker_color=[STATUS_COLOUR[f.status] for f in shown],
        hovertemplate="%{x}<br>PSI %{y:.3f}<extra></extra>",
    )
    for value, colour, text in (
        (report.thresholds["psi_warn"], WARN, "warning"),
        (report.thresholds["psi_alert"], ALERT, "drift"),
    ):
        fig.add_hline(y=value, line_dash="dot", line_color=colour, annotation_text=text)
    fig.update_xaxes(tickangle=45, tickfont={"size": 9})
    fig.update_yaxes(title_text="PSI")
    return _layout(fig, f"PSI per feature (worst {len(shown)})", height=420)


def _share_bars(fig: go.Figure, bins: list[str], ref: list[float], cur: list[float], visible: bool) -> None:
    for name, shares, colour in (("reference (training)", ref, GOOD), ("current", cur, BAD)):
        fig.add_bar(
            x=bins,
            y=shares,
            name=name,
            marker_color=colour,
            opacity=0.75,
            visible=visible,
            hovertemplate="%{x}<br>share %{y:.1%}<extra>" + name + "</extra>",
        )


def feature_distributions(features: list[FeatureDrift]) -> go.Figure:
    """Reference against current share per reference bin, one feature at a time (dropdown)."""
    fig = go.Figure()
    for index, feature in enumerate(features):
        _share_bars(fig, feature.bins, feature.reference_share, feature.current_share, index == 0)
    buttons = [
        {
            "label": f"{f.name} (PSI {f.psi:.2f})",
            "method": "update",
            "args": [{"visible": [i // 2 == index for i in range(2 * len(features))]}],
        }
        for index, f in enumerate(features)
    ]
    fig.update_layout(
        barmode="group",
        yaxis_tickformat=".0%",
        updatemenus=[{"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.22, "yanchor": "top"}],
    )
    fig.update_xaxes(tickangle=30, tickfont={"size": 9})
    return _layout(fig, "Distribution by reference bin (pick a feature)", height=420)


def score_distribution(score: ScoreDrift) -> go.Figure:
    fig = go.Figure()
    _share_bars(fig, score.bins, score.reference_share, score.current_share, True)
    fig.update_layout(barmode="group", yaxis_tickformat=".0%")
    fig.update_xaxes(title_text="probability (reference deciles)", tickangle=30, tickfont={"size": 9})
    return _layout(fig, f"Score distribution: PSI {score.psi:.3f}")


def calibration(perf: Performance) -> go.Figure:
    curve = pd.DataFrame(perf.calibration)
    top = float(max(curve["predicted"].max(), curve["observed"].max(), 0.01)) * 1.05
    fig = go.Figure()
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", line={"dash": "dot", "color": "#888"}, name="ideal")
    fig.add_scatter(
        x=curve["predicted"],
        y=curve["observed"],
        mode="lines+markers",
        name="realised",
        line_color=BAD,
        customdata=curve["rows"],
        hovertemplate="predicted %{x:.2%}<br>observed %{y:.2%}<br>%{customdata} rows<extra></extra>",
    )
    fig.update_xaxes(title_text="mean predicted probability", tickformat=".0%")
    fig.update_yaxes(title_text="observed default rate", tickformat=".0%")
    return _layout(fig, f"Calibration on {perf.labelled:,} matured labels (ECE {perf.ece:.3f})")


def histogram(values: np.ndarray, threshold: float | None, title: str, bins: int = 40) -> go.Figure:
    """Share of scores by probability, with the decision threshold."""
    counts, edges = np.histogram(values, bins=bins, range=(0.0, max(float(np.max(values, initial=0)), 1e-6)))
    centres = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure()
    fig.add_bar(
        x=centres,
        y=counts / max(counts.sum(), 1),
        marker_color=GOOD,
        hovertemplate="p ~ %{x:.3f}<br>share %{y:.1%}<extra></extra>",
    )
    if threshold is not None:
        fig.add_vline(x=threshold, line_dash="dot", line_color=ALERT, annotation_text="threshold")
    fig.update_xaxes(title_text="probability")
    fig.update_yaxes(title_text="share of scores", tickformat=".0%")
    return _layout(fig, title, height=340)


def over_time(frame: pd.DataFrame, title: str, bucket_ms: float) -> go.Figure:
    """Scores per bucket (bars as wide as the bucket) with the share flagged and the mean probability."""
    from plotly.subplots import make_subplots

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(
        x=frame["day"],
        y=frame["scores"],
        width=bucket_ms,
        name="scores",
        marker_color="#cbd5e0",
        secondary_y=False,
    )
    fig.add_scatter(
        x=frame["day"],
        y=frame["flagged"],
        name="share flagged",
        mode="lines+markers",
        line_color=ALERT,
        secondary_y=True,
    )
    fig.add_scatter(
        x=frame["day"],
        y=frame["mean_probability"],
        name="mean probability",
        mode="lines+markers",
        line_color=GOOD,
        secondary_y=True,
    )
    fig.update_yaxes(title_text="scores", secondary_y=False)
    fig.update_yaxes(title_text="share", tickformat=".0%", secondary_y=True)
    fig.update_xaxes(type="date")
    return _layout(fig, title, height=340)


def by_segment(frame: pd.DataFrame, segment: str) -> go.Figure:
    """Share flagged and mean probability per segment value (latest score per entity)."""
    fig = go.Figure()
    fig.add_bar(
        x=frame["value"],
        y=frame["flagged"],
        name="share flagged",
        marker_color=ALERT,
        customdata=frame["entities"],
        hovertemplate="%{x}<br>flagged %{y:.1%}<br>%{customdata} entities<extra></extra>",
    )
    fig.add_bar(
        x=frame["value"],
        y=frame["mean_probability"],
        name="mean probability",
        marker_color=GOOD,
        hovertemplate="%{x}<br>mean p %{y:.2%}<extra></extra>",
    )
    fig.update_layout(barmode="group", yaxis_tickformat=".0%")
    fig.update_xaxes(tickangle=45, tickfont={"size": 9})
    return _layout(fig, f"By {segment}", height=340)


def score_history(frame: pd.DataFrame, threshold: float | None) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(
        x=frame["scored_at"],
        y=frame["probability"],
        mode="lines+markers",
        name="probability",
        line_color=BAD,
        customdata=frame["model_version"],
        hovertemplate="%{x}<br>p %{y:.3f}<br>model v%{customdata}<extra></extra>",
    )
    if threshold is not None:
        fig.add_hline(y=threshold, line_dash="dot", line_color=ALERT, annotation_text="threshold")
    fig.update_yaxes(title_text="probability")
    return _layout(fig, "Score history", height=320)


def contributions(names: list[str], values: list[float], title: str) -> go.Figure:
    """Horizontal SHAP bars, largest magnitude on top; red raises risk, blue lowers it."""
    order = np.argsort(np.abs(values))
    fig = go.Figure()
    fig.add_bar(
        x=[values[i] for i in order],
        y=[names[i] for i in order],
        orientation="h",
        marker_color=[BAD if values[i] > 0 else GOOD for i in order],
        hovertemplate="%{y}<br>%{x:+.3f}<extra></extra>",
    )
    fig.update_xaxes(title_text="contribution (log-odds)")
    return _layout(fig, title, height=max(300, 28 * len(names) + 120))
