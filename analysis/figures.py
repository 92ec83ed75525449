"""The Plotly figures, one function per chart, each taking results and returning a Figure.

Data is aggregated in Python (histogram bins, samples) before it reaches the browser, so the
HTML stays a few megabytes at 100k rows and draws quickly; SVG traces, not WebGL, so it renders
on machines and headless browsers without a GPU.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.collinearity import CollinearityResult
from analysis.outlier_section import OutlierResult
from analysis.profile import Profile
from analysis.projection import ProjectionResult
from analysis.timeseries import TimeResult
from creditrisk.outliers import IQR_K, MAHALANOBIS_QUANTILE

GOOD, BAD = "#2b6cb0", "#d64545"
CLASS_NAMES = {0: "negative (0)", 1: "positive (1)"}
TEMPLATE = "plotly_white"
DISTANCE_BINS = 60


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title=title, template=TEMPLATE, height=height, margin={"l": 60, "r": 30, "t": 60, "b": 50}
    )
    return fig


def distributions(profile: Profile, features: list[str]) -> go.Figure:
    """Per-class share of rows by value, one feature at a time through a dropdown."""
    fig = go.Figure()
    for index, feature in enumerate(features):
        hist = profile.histograms[feature]
        centres = (hist.edges[:-1] + hist.edges[1:]) / 2
        for cls, shares, colour in ((0, hist.share_0, GOOD), (1, hist.share_1, BAD)):
            fig.add_bar(
                x=centres,
                y=shares,
                name=CLASS_NAMES[cls],
                marker_color=colour,
                opacity=0.6,
                visible=index == 0,
                legendgroup=str(cls),
                hovertemplate=f"{feature}=%{{x:.4g}}<br>share=%{{y:.2%}}<extra>{CLASS_NAMES[cls]}</extra>",
            )
    buttons = [
        {
            "label": feature,
            "method": "update",
            "args": [
                {"visible": [i // 2 == index for i in range(2 * len(features))]},
                {"xaxis.title.text": feature},
            ],
        }
        for index, feature in enumerate(features)
    ]
    fig.update_layout(
        barmode="overlay",
        updatemenus=[{"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.18, "yanchor": "top"}],
        xaxis_title=features[0],
        yaxis_title="share of class",
        yaxis_tickformat=".0%",
    )
    return _layout(fig, "Distribution by class (1st-99th percentile range; pick a feature)")


def rate_by_bins(tables: dict[str, pd.DataFrame], title: str, overall: float) -> go.Figure:
    """Target rate per bin/category for several features, one small panel each."""
    names = list(tables)
    cols = min(3, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=names, vertical_spacing=0.22 / max(rows - 1, 1) + 0.05
    )
    for index, name in enumerate(names):
        table = tables[name]
        fig.add_bar(
            x=table["group"].astype(str),
            y=table["rate"],
            customdata=table["rows"],
            marker_color=BAD,
            showlegend=False,
            hovertemplate="%{x}<br>rate=%{y:.2%}<br>rows=%{customdata:,}<extra></extra>",
            row=index // cols + 1,
            col=index % cols + 1,
        )
    fig.add_hline(y=overall, line_dash="dot", line_color="#555", annotation_text="overall")
    fig.update_yaxes(tickformat=".1%")
    fig.update_xaxes(tickangle=45, tickfont={"size": 9})
    return _layout(fig, title, height=320 * rows + 80)


def rate_by_vintage(table: pd.DataFrame, name: str) -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=table["group"], y=table["rows"], name="rows", marker_color="#cbd5e0", secondary_y=False)
    fig.add_scatter(
        x=table["group"],
        y=table["rate"],
        name="target rate",
        mode="lines+markers",
        line_color=BAD,
        secondary_y=True,
    )
    fig.update_yaxes(title_text="rows", secondary_y=False)
    fig.update_yaxes(title_text="target rate", tickformat=".1%", secondary_y=True)
    return _layout(fig, f"Target rate by {name}")


def iqr_shares(outliers: OutlierResult, top: int = 20) -> go.Figure:
    table = outliers.iqr.head(top)
    fig = go.Figure()
    fig.add_bar(x=table.index, y=table["share_0"], name=CLASS_NAMES[0], marker_color=GOOD)
    fig.add_bar(x=table.index, y=table["share_1"], name=CLASS_NAMES[1], marker_color=BAD)
    fig.update_layout(
        barmode="group", yaxis_tickformat=".1%", yaxis_title=f"share of class beyond {IQR_K:g} IQR"
    )
    return _layout(fig, f"IQR outliers by class (top {len(table)} features by count)")


def distance_histogram(outliers: OutlierResult, y: np.ndarray) -> go.Figure:
    """Robust distance per class (log10 scale, binned here), with the chi-square cut-off."""
    logged = np.log10(np.maximum(outliers.distance, 1e-3))
    edges = np.linspace(logged.min(), logged.max() + 1e-9, DISTANCE_BINS + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure()
    for cls, colour in ((0, GOOD), (1, BAD)):
        counts, _ = np.histogram(logged[y == cls], bins=edges)
        fig.add_bar(
            x=centres,
            y=counts / max((y == cls).sum(), 1),
            customdata=10**centres,
            name=CLASS_NAMES[cls],
            marker_color=colour,
            opacity=0.6,
            hovertemplate="distance ~ %{customdata:.3g}<br>share=%{y:.2%}<extra></extra>",
        )
    fig.add_vline(
        x=float(np.log10(outliers.threshold)),
        line_dash="dash",
        line_color="#333",
        annotation_text=f"{MAHALANOBIS_QUANTILE:.1%} chi-square cut-off",
    )
    fig.update_layout(
        barmode="overlay",
        bargap=0,
        xaxis_title="log10 of the robust Mahalanobis distance",
        yaxis_tickformat=".1%",
        yaxis_title="share of class",
    )
    return _layout(fig, "Robust Mahalanobis distance by class")


def outlier_drivers(outliers: OutlierResult, top: int = 15) -> go.Figure:
    table = outliers.drivers.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(x=table["share"], y=table.index, orientation="h", marker_color=BAD))
    fig.update_layout(
        xaxis_tickformat=".0%", xaxis_title="share of flagged rows where the feature contributes most"
    )
    return _layout(fig, "What drives the multivariate outliers", height=max(300, 26 * len(table) + 120))


def correlation_heatmap(result: CollinearityResult) -> go.Figure:
    matrix = result.correlation
    size = len(matrix)
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=list(matrix.columns),
            y=list(matrix.index),
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            reversescale=True,
            hovertemplate="%{y} / %{x}<br>r = %{z:.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", tickfont={"size": 8 if size > 30 else 10})
    fig.update_xaxes(tickfont={"size": 8 if size > 30 else 10})
    return _layout(fig, "Correlation (Pearson, median-imputed)", height=min(900, max(450, 14 * size + 150)))


def explained_variance(result: ProjectionResult) -> go.Figure:
    ratio = result.explained
    index = np.arange(1, len(ratio) + 1)
    fig = go.Figure()
    fig.add_bar(x=index, y=ratio, name="per component", marker_color=GOOD)
    fig.add_scatter(x=index, y=np.cumsum(ratio), name="cumulative", mode="lines+markers", line_color=BAD)
    fig.add_hline(y=0.9, line_dash="dot", line_color="#555", annotation_text="90%")
    fig.update_layout(
        xaxis_title="principal component", yaxis_tickformat=".0%", yaxis_title="explained variance"
    )
    return _layout(fig, "PCA explained variance (standardised features)")


def scatter_by_class(points: np.ndarray, labels: np.ndarray, title: str, axes: tuple[str, str]) -> go.Figure:
    fig = go.Figure()
    for cls, colour in ((0, GOOD), (1, BAD)):
        chosen = labels == cls
        fig.add_scatter(
            x=points[chosen, 0],
            y=points[chosen, 1],
            mode="markers",
            name=CLASS_NAMES[cls],
            marker={"color": colour, "size": 4 if cls == 0 else 5, "opacity": 0.45 if cls == 0 else 0.85},
        )
    fig.update_layout(xaxis_title=axes[0], yaxis_title=axes[1])
    return _layout(fig, title, height=480)


def monthly_rate(result: TimeResult, label: str) -> go.Figure:
    monthly = result.monthly
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=monthly.index, y=monthly["rows"], name="rows", marker_color="#cbd5e0", secondary_y=False)
    fig.add_scatter(
        x=monthly.index,
        y=monthly["rate"],
        name=f"{label} rate",
        mode="lines+markers",
        line_color=BAD,
        secondary_y=True,
    )
    fig.update_yaxes(title_text="rows", secondary_y=False)
    fig.update_yaxes(title_text="rate", tickformat=".1%", secondary_y=True)
    return _layout(fig, f"{label} rate and rows by month of {result.time_column}")


def monthly_features(result: TimeResult) -> go.Figure:
    names = result.features
    cols = min(2, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[f"mean {n}" for n in names])
    for index, name in enumerate(names):
        fig.add_scatter(
            x=result.monthly.index,
            y=result.monthly[name],
            mode="lines",
            line_color=GOOD,
            showlegend=False,
            row=index // cols + 1,
            col=index % cols + 1,
        )
    return _layout(fig, "Key features by month (monthly mean)", height=260 * rows + 80)


def stl_panels(result: TimeResult, label: str) -> go.Figure:
    d = result.decomposition
    assert d is not None
    parts = (("observed", d.observed), ("trend", d.trend), ("seasonal", d.seasonal), ("residual", d.resid))
    fig = make_subplots(
        rows=4, cols=1, shared_xaxes=True, subplot_titles=[p for p, _ in parts], vertical_spacing=0.06
    )
    for row, (name, series) in enumerate(parts, start=1):
        fig.add_scatter(
            x=series.index,
            y=series.to_numpy(),
            mode="lines",
            name=name,
            showlegend=False,
            line_color=BAD if row < 3 else GOOD,
            row=row,
            col=1,
        )
    fig.update_yaxes(tickformat=".2%")
    return _layout(fig, f"STL decomposition of the monthly {label} rate (period 12, robust)", height=720)
