"""DeepSHAP of the MLP family: DeepLIFT's rescale rule against each background row, averaged.

The network's SHAP values have no exact closed form, so they are estimated. The estimator the
family used first, permutation SHAP (8 antithetic orders over 50 background rows,
:func:`training.explain._explain_permutation`), needs about 24,000 forward passes per explained
row, several milliseconds even when compiled (:class:`training.fast_explain.MlpPermutation`):
more than the whole rest of a served request. DeepSHAP (Lundberg & Lee 2017, the estimator of
shap's ``DeepExplainer``) needs one forward pass of the row and a backward pass per background row.

For a network of Linear layers and ReLUs and one background row ``b``, DeepLIFT gives each
encoded input ``j`` the contribution ``(x_j - b_j) * m_j``, where ``m`` is the gradient of the
output taken with every ReLU's derivative replaced by its secant between ``b`` and ``x``,
``(relu(z_x) - relu(z_b)) / (z_x - z_b)`` (the rescale rule). The output map the family is
explained in, ``f = logit(P(bad))`` with the probability clipped to [EPS, 1 - EPS], is one more
such secant. The secants make each chain of multipliers telescope, so the contributions against
``b`` add up to ``f(x) - f(b)`` exactly; averaged over the background they add up to
``f(x) - E f(B)``, the same base and total as the permutation estimate's.

How close the two estimators come to the network's Shapley values is measured in
docs/measurements.md ("MLP explanations"); ``tests/training/test_deep_shap.py`` checks the rescale
rule against shap's own ``DeepExplainer``, the additivity, and the agreement with a long
permutation estimate. Models fitted before this estimator existed keep the permutation one
(:func:`deep_explained`), so a registered model's explanations do not change under it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from training.calibration import EPS, expit, logit

#: ``TorchMLPClassifier.fit`` records the estimator its explanations use in this fitted attribute.
METHOD_ATTRIBUTE = "shap_method_"
DEEP = "deep"

#: Rows per vectorised chunk: a chunk holds rows x background rows x widest layer floats.
_CHUNK_ELEMENTS = 2_000_000
#: Below this pre-activation change the secant is taken as the derivative (0/0 otherwise).
_FLAT = 1e-9


def deep_explained(model: Any) -> bool:
    """Whether ``model`` is explained by DeepSHAP: networks fitted since it became the default."""
    return getattr(model, METHOD_ATTRIBUTE, None) == DEEP


def supports_architecture(module: Any) -> bool:
    """A sequence of Linear layers, each but the last followed by a ReLU (and Dropout, inactive at
    inference), ending in one output unit: the layers the rescale rule below covers."""
    if module is None:
        return False
    kinds = [type(m).__name__ for m in module]
    if not kinds or kinds[0] != "Linear" or kinds[-1] != "Linear" or module[-1].out_features != 1:
        return False
    return set(kinds) <= {"Linear", "ReLU", "Dropout"} and all(
        kinds[i + 1] == "ReLU" for i, kind in enumerate(kinds[:-1]) if kind == "Linear"
    )


def _log_odds_of_output(z: np.ndarray) -> np.ndarray:
    """``f`` as a function of the network's output unit: the log-odds of the clipped P(bad)."""
    return logit(expit(z))


def _log_odds_slope(z: np.ndarray) -> np.ndarray:
    """df/dz: 1 where the probability is not clipped, 0 where it is."""
    p = expit(z)
    return ((p > EPS) & (p < 1 - EPS)).astype(float)


class MlpDeepShap:
    """DeepSHAP values of a fitted ``TorchMLPClassifier``'s log-odds, per encoded input column.

    Built once per model: the layers as float64 arrays and the background rows' pre-activations
    and activations at every layer, which do not depend on the row explained. ``base`` is
    ``E f(B)`` through the model itself, as the permutation estimate computes it.
    """

    def __init__(self, model: Any, background: np.ndarray) -> None:
        import torch

        if not supports_architecture(getattr(model, "module_", None)):
            raise ValueError("DeepSHAP covers Linear/ReLU/Dropout networks with one output unit")
        self.model = model
        linear = [m for m in model.module_ if isinstance(m, torch.nn.Linear)]
        self.hidden = [
            (layer.weight.detach().double().numpy().copy(), layer.bias.detach().double().numpy().copy())
            for layer in linear[:-1]
        ]
        out = linear[-1]
        self.out_weight = out.weight.detach().double().numpy()[0].copy()
        self.out_bias = float(out.bias.detach().double().numpy()[0])
        rows = getattr(model, "_shap_background_rows", 50)
        self.bg = np.asarray(background[: min(len(background), rows)], dtype=float)
        self.bg_pre: list[np.ndarray] = []
        self.bg_act: list[np.ndarray] = []
        act = self.bg
        for weight, bias in self.hidden:
            pre = act @ weight.T + bias
            act = np.maximum(pre, 0.0)
            self.bg_pre.append(pre)
            self.bg_act.append(act)
        self.bg_z = act @ self.out_weight + self.out_bias
        self.bg_f = _log_odds_of_output(self.bg_z)
        self.base = float(self.log_odds(self.bg).mean())
        widest = max([self.bg.shape[1]] + [w.shape[0] for w, _ in self.hidden])
        self._chunk = max(1, _CHUNK_ELEMENTS // (len(self.bg) * widest))

    def log_odds(self, X: np.ndarray) -> np.ndarray:
        """What the family's explanations add up to: ``logit(model.predict_proba(X)[:, 1])``."""
        return logit(self.model.positive_proba(X))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-row, per-encoded-column contributions; each row adds up to ``f(x) - base`` up to
        float rounding (the network runs in float32 in ``predict_proba``, in float64 here)."""
        X = np.asarray(X, dtype=float)
        phi = np.empty_like(X)
        for start in range(0, len(X), self._chunk):
            phi[start : start + self._chunk] = self._rows(X[start : start + self._chunk])
        return phi

    def _rows(self, X: np.ndarray) -> np.ndarray:
        act = X
        multipliers = []
        for (weight, bias), pre_b, act_b in zip(self.hidden, self.bg_pre, self.bg_act, strict=True):
            pre = act @ weight.T + bias  # (n, H)
            act = np.maximum(pre, 0.0)
            d_pre = pre[:, None, :] - pre_b[None]  # (n, k, H)
            flat = np.abs(d_pre) < _FLAT
            secant = (act[:, None, :] - act_b[None]) / np.where(flat, 1.0, d_pre)
            multipliers.append(np.where(flat, (pre > 0)[:, None, :], secant))
        z = act @ self.out_weight + self.out_bias  # (n,)
        d_z = z[:, None] - self.bg_z[None]  # (n, k)
        flat = np.abs(d_z) < _FLAT
        secant = (_log_odds_of_output(z)[:, None] - self.bg_f[None]) / np.where(flat, 1.0, d_z)
        grad = np.where(flat, _log_odds_slope(z)[:, None], secant)[:, :, None] * self.out_weight  # (n, k, H)
        for (weight, _), multiplier in zip(reversed(self.hidden), reversed(multipliers), strict=True):
            grad = (grad * multiplier) @ weight
        return ((X[:, None, :] - self.bg[None]) * grad).mean(axis=1)

    def explain(self, X: np.ndarray, proba: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(base per row, contributions per encoded column) adding up to ``logit(predict_proba)``
        exactly: the float32/float64 difference (about 1e-6) is spread evenly over the columns.
        ``proba``: the network's P(bad) for ``X`` when the caller already has it."""
        phi = self.contributions(X)
        base = np.full(len(phi), self.base)
        log_odds = self.log_odds(X) if proba is None else logit(proba)
        residual = log_odds - base - phi.sum(axis=1)
        phi += residual[:, None] / phi.shape[1]
        return base, phi
