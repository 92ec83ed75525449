"""Sampling from the reference marginals through piecewise-linear quantile functions.

The shared reference gives quantiles (1%, 10%, ..., 99%) of the real 2024 vintage; a
Gaussian copula supplies the correlation between fields and these functions map its
uniforms onto the real marginal shapes, spikes included (a flat stretch of the quantile
function is a point mass, e.g. 20% of loans at exactly 80 LTV).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

#: (probability, value) knots; flat stretches are point masses.
CREDIT_SCORE = ((0.0, 580), (0.01, 630), (0.10, 681), (0.25, 717), (0.50, 756), (0.75, 786),
                (0.90, 801), (0.99, 814), (1.0, 832))  # fmt: skip
LTV = ((0.0, 6), (0.01, 19), (0.10, 45), (0.25, 66), (0.40, 79), (0.4001, 80), (0.58, 80),
       (0.75, 92), (0.80, 94), (0.8001, 95), (0.93, 95), (0.935, 96), (0.94, 97), (0.995, 97),
       (1.0, 105))  # fmt: skip
DTI = ((0.0, 3), (0.01, 13), (0.10, 25), (0.25, 32), (0.50, 40), (0.75, 46), (0.90, 49),
       (0.97, 50), (1.0, 50))  # fmt: skip
UPB_2024 = ((0.0, 20_000), (0.01, 57_690), (0.10, 120_000), (0.25, 179_000), (0.50, 280_000),
            (0.75, 413_000), (0.90, 567_000), (0.99, 767_000), (1.0, 1_150_000))  # fmt: skip
#: note rate minus the market rate of the origination month (2024: PMMS about 6.85%).
RATE_SPREAD = ((0.0, -2.2), (0.01, -1.45), (0.10, -0.85), (0.25, -0.475), (0.50, -0.225),
               (0.75, 0.15), (0.90, 0.65), (0.99, 1.3), (1.0, 2.4))  # fmt: skip

#: Correlation of the copula's normals: credit score, LTV, DTI, UPB, rate spread.
COPULA_CORRELATION = np.array(
    [
        [1.00, -0.10, -0.15, 0.15, -0.35],
        [-0.10, 1.00, 0.10, 0.05, 0.20],
        [-0.15, 0.10, 1.00, 0.10, 0.10],
        [0.15, 0.05, 0.10, 1.00, -0.10],
        [-0.35, 0.20, 0.10, -0.10, 1.00],
    ]
)


def from_quantiles(u: np.ndarray, knots: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Map uniforms through the piecewise-linear quantile function given by ``knots``."""
    probs = np.array([p for p, _ in knots])
    values = np.array([v for _, v in knots], dtype=float)
    return np.interp(u, probs, values)


def copula_uniforms(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` x 5 correlated uniforms (columns as in ``COPULA_CORRELATION``)."""
    chol = np.linalg.cholesky(COPULA_CORRELATION)
    normals = rng.standard_normal((n, chol.shape[0])) @ chol.T
    return ndtr(normals)


def choice(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    """Categorical draws with the given shares (normalised)."""
    labels = np.array(list(options), dtype=object)
    probs = np.array(list(options.values()), dtype=float)
    return labels[rng.choice(len(labels), size=n, p=probs / probs.sum())]
