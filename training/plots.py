"""Figures logged with every run: ROC, precision-recall, calibration, cost curve, SHAP summary.

Matplotlib with the non-interactive Agg backend (set when a figure is made, never at import), so
training works on a server without a display.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve, roc_curve

from training.evaluate import CostModel, cost_curve


def _figure(title: str) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=100)
    ax.set_title(title)
    return fig, ax


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], oracle: np.ndarray | None = None) -> Any:
    """ROC per family (``{name: (y, proba)}``), with the generator's oracle when known."""
    fig, ax = _figure("ROC on the out-of-time holdout")
    items = list(curves.items())
    if oracle is not None:
        items.append(("oracle (true PD)", (items[0][1][0], oracle)))
    for name, (y, proba) in items:
        fpr, tpr, _ = roc_curve(y, proba)
        ax.plot(fpr, tpr, label=name, linestyle="--" if name.startswith("oracle") else "-")
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.5)
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("recall (true-positive rate)")
    ax.legend(fontsize=7)
    return fig


def pr_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> Any:
    fig, ax = _figure("Precision-recall on the holdout")
    for name, (y, proba) in curves.items():
        precision, recall, _ = precision_recall_curve(y, proba)
        ax.plot(recall, precision, label=name)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.legend(fontsize=7)
    return fig


def calibration_figure(y: np.ndarray, proba: np.ndarray, bins: int = 10) -> Any:
    """Observed default rate against mean predicted probability in equal-count bins."""
    fig, ax = _figure("Calibration (equal-count bins)")
    order = np.argsort(proba)
    chunks = [c for c in np.array_split(order, bins) if len(c)]
    ax.plot([np.mean(proba[c]) for c in chunks], [np.mean(y[c]) for c in chunks], marker="o")
    top = float(max(np.max(proba), np.mean(y)) * 1.05)
    ax.plot([0, top], [0, top], color="grey", linewidth=0.5)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed rate")
    return fig


def cost_figure(y: np.ndarray, proba: np.ndarray, cost: CostModel, threshold: float) -> Any:
    fig, ax = _figure(f"Expected cost by threshold (FN:FP = {cost.effective_ratio:g}:1)")
    thresholds, costs = cost_curve(y, proba, cost)
    finite = np.isfinite(thresholds)
    ax.plot(thresholds[finite], costs[finite])
    ax.axvline(threshold, color="red", linestyle="--", label=f"chosen threshold {threshold:.3f}")
    ax.set_xlabel("threshold on calibrated probability")
    ax.set_ylabel("expected cost per observation")
    ax.legend(fontsize=7)
    return fig


def shap_summary_figure(phi: np.ndarray, frame: pd.DataFrame, title: str, max_display: int = 15) -> Any:
    """SHAP beeswarm (colour = feature value; categoricals as codes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shap

    numeric = frame.apply(lambda c: c if pd.api.types.is_numeric_dtype(c) else c.astype("category").cat.codes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # shap seeds numpy's global RNG for the jitter
        shap.summary_plot(phi, numeric, max_display=max_display, show=False, plot_size=(7, 5))
    fig = plt.gcf()
    fig.suptitle(title, fontsize=10)
    return fig


def close(fig: Any) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)
