"""PCA explained variance and 2-D views of the data (PCA and t-SNE) coloured by class.

PCA says how many independent directions the features really span (a few components
explaining most variance means heavy redundancy). t-SNE shows whether bad rows cluster
locally; it is quadratic-ish in rows, so it runs on a sample after a PCA reduction, the usual
practice that keeps it to seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from analysis.matrix import NumericMatrix, sample_rows

TSNE_INPUT_COMPONENTS = 30
#: Half sklearn's default: 250 early-exaggeration steps plus 250 more settle a 1,500-point map
#: well enough to see clusters of bad rows, at half the cost.
TSNE_ITERATIONS = 500
TOP_LOADINGS = 8


@dataclass(frozen=True)
class ProjectionResult:
    explained: np.ndarray  # explained variance ratio per component
    components_for: dict[float, int]  # 0.8/0.9/0.95 -> components needed
    loadings: pd.DataFrame  # top features of PC1/PC2
    pca_points: np.ndarray  # sample x 2
    pca_labels: np.ndarray
    tsne_points: np.ndarray | None
    tsne_labels: np.ndarray | None
    tsne_sample: int


def project(
    matrix: NumericMatrix,
    y: np.ndarray,
    *,
    scatter_sample: int = 3_000,
    tsne_sample: int = 1_500,
    seed: int = 42,
) -> ProjectionResult:
    """Fit PCA on all rows, draw a sample for the scatter, and run t-SNE on a (smaller) sample."""
    standardized = matrix.varying().standardized()
    columns = matrix.varying().columns
    pca = PCA(random_state=seed).fit(standardized)
    cumulative = np.cumsum(pca.explained_variance_ratio_)
    shown = sample_rows(len(y), scatter_sample, seed)
    points = pca.transform(standardized[shown])[:, :2]
    if points.shape[1] == 1:
        points = np.column_stack([points, np.zeros(len(points))])
    tsne_points, tsne_labels = None, None
    if tsne_sample > 0 and len(y) >= 50:
        picked = sample_rows(len(y), tsne_sample, seed + 1)
        tsne_points = tsne_embedding(pca, standardized[picked], seed)
        tsne_labels = y[picked]
    return ProjectionResult(
        explained=pca.explained_variance_ratio_,
        components_for={t: int(np.searchsorted(cumulative, t - 1e-12) + 1) for t in (0.8, 0.9, 0.95)},
        loadings=_loadings(pca, columns),
        pca_points=points,
        pca_labels=y[shown],
        tsne_points=tsne_points,
        tsne_labels=tsne_labels,
        tsne_sample=0 if tsne_points is None else len(tsne_points),
    )


def tsne_embedding(pca: PCA, rows: np.ndarray, seed: int) -> np.ndarray:
    """2-D t-SNE of ``rows`` after reducing them to the first principal components."""
    reduced = pca.transform(rows)[:, :TSNE_INPUT_COMPONENTS]
    perplexity = float(min(30.0, max(5.0, (len(rows) - 1) / 4)))
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca" if reduced.shape[1] >= 2 else "random",
        learning_rate="auto",
        random_state=seed,
        max_iter=TSNE_ITERATIONS,
    )
    return tsne.fit_transform(reduced)


def _loadings(pca: PCA, columns: list[str]) -> pd.DataFrame:
    components = pca.components_[: min(2, len(pca.components_))]
    table = pd.DataFrame(components.T, index=pd.Index(columns, name="feature"))
    table.columns = [f"PC{i + 1}" for i in range(table.shape[1])]
    strength = table.abs().max(axis=1).sort_values(ascending=False)
    return table.loc[strength.index[:TOP_LOADINGS]]
