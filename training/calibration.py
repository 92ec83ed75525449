"""Calibrate a model's scores into probabilities on data the model did not train on.

Class weights, balanced batches and boosting all distort raw scores; the business threshold and
the expected cost only mean something on calibrated probabilities. The calibrator is a monotone
map from the model's probability to a calibrated one: ``sigmoid`` (Platt scaling on the log-odds,
the default: smooth, keeps the ranking, and makes SHAP contributions rescale exactly) or
``isotonic`` (non-parametric, needs more held-out positives).
"""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

#: Calibrated probabilities are clipped to [EPS, 1 - EPS] so their log-odds stay finite.
EPS = 1e-6


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)
    return np.log(p / (1 - p))


def expit(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


class Calibrator:
    """A fitted monotone map from raw probability to calibrated probability."""

    def __init__(self, method: str = "sigmoid") -> None:
        if method not in ("sigmoid", "isotonic", "none"):
            raise ValueError(f"calibration must be sigmoid, isotonic or none, got {method!r}")
        self.method = method

    def fit(self, raw_proba: np.ndarray, y: np.ndarray) -> Calibrator:
        y = np.asarray(y).astype(int)
        if self.method == "sigmoid":
            self.model_ = LogisticRegression(C=1e6, max_iter=1000)
            self.model_.fit(logit(raw_proba).reshape(-1, 1), y)
        elif self.method == "isotonic":
            self.model_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            self.model_.fit(np.asarray(raw_proba, dtype=float), y)
        return self

    def transform(self, raw_proba: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw_proba, dtype=float)
        if self.method == "sigmoid":
            coef = float(self.model_.coef_[0, 0])
            out = expit(coef * logit(raw) + float(self.model_.intercept_[0]))
        elif self.method == "isotonic":
            out = self.model_.predict(raw)
        else:
            out = raw
        return np.clip(out, EPS, 1 - EPS)
