"""SHAP contributions for every family, summed back to the features a person reads.

Each family is explained in its own natural space, exactly and fast where an exact method exists:

| family | method | native space |
|---|---|---|
| XGBoost, LightGBM | the booster's own TreeSHAP (``pred_contribs``) | log-odds |
| logistic regression | exact linear SHAP, ``coef * (x - mean(background))`` | log-odds |
| random forest | ``shap.TreeExplainer`` (path-dependent) | probability |
| neural network | DeepSHAP over a background sample (:mod:`training.deep_shap`) | log-odds |
| FT-Transformer, MLPs fitted before DeepSHAP | permutation SHAP over a background sample | log-odds |
| soft-voting ensemble | members' contributions in probability, weighted like the vote | probability |

SHAP's ``TreeExplainer`` refuses a ``VotingClassifier``; the ensemble's prediction is the weighted
mean of its members' probabilities, so a contribution that adds up to it is the weighted mean of
member contributions once each member's are expressed in probability space.

Moving contributions through a monotone map ``h`` (log-odds -> probability, then the calibrator) uses
one rule: multiply every contribution by ``(h(f(x)) - h(base)) / (f(x) - base)``. Signs and
proportions are kept, and ``h(base) + sum(contributions) == h(f(x))`` holds exactly, which is the
additivity the serving contract asks for. For the default sigmoid calibration on a log-odds model
the factor is the Platt slope, the same for every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from training.calibration import expit
from training.deep_shap import MlpDeepShap, deep_explained

Space = Literal["log_odds", "probability"]


@dataclass
class NativeExplanation:
    """Per-row base, per-feature contributions and the score they add up to, in ``space``."""

    base: np.ndarray
    phi: np.ndarray
    score: np.ndarray
    space: Space

    def to_probability(self) -> np.ndarray:
        return expit(self.score) if self.space == "log_odds" else self.score


def rescale(
    native: NativeExplanation,
    new_base: np.ndarray,
    new_score: np.ndarray,
    transform: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Carry contributions through a monotone map so they add up to ``new_score - new_base``.

    ``transform`` maps the native space to the new one; it is only used for the slope where a
    row's score equals the base (the ratio is undefined there).
    """
    delta = native.score - native.base
    safe = np.abs(delta) > 1e-9
    if safe.all():  # the slope is only wanted where a row sits on the base (a served row rarely)
        return new_base, native.phi * ((new_score - new_base) / delta)[:, None]
    step = 1e-4
    slope = (transform(native.base + step) - transform(native.base - step)) / (2 * step)
    factor = np.where(safe, (new_score - new_base) / np.where(safe, delta, 1.0), slope)
    return new_base, native.phi * factor[:, None]


def explain_estimator(
    estimator: Any, frame: pd.DataFrame, background: pd.DataFrame, cache: dict[str, Any] | None = None
) -> NativeExplanation:
    """Exact contributions per original feature for a fitted family (a Pipeline or the voting ensemble)."""
    cache = {} if cache is None else cache
    if _is_voting(estimator):
        return _explain_voting(estimator, frame, background, cache)
    encoder = estimator.named_steps["encode"]
    model = estimator.named_steps["model"]
    Xt = encoder.transform(frame)
    grouping = _grouping_matrix(encoder)
    base, phi_t, space = _explain_model(model, Xt, encoder, background, cache)
    # permutation SHAP already permutes whole features; the others explain encoded columns
    phi = phi_t if _permutation_explained(model) else phi_t @ grouping
    return NativeExplanation(base=base, phi=phi, score=base + phi.sum(axis=1), space=space)


def _explain_model(
    model: Any, Xt: np.ndarray, encoder: Any, background: pd.DataFrame, cache: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, Space]:
    kind = type(model).__name__
    n = Xt.shape[0]
    if kind == "XGBClassifier":
        import xgboost as xgb

        contrib = model.get_booster().predict(
            xgb.DMatrix(Xt, missing=np.nan, nthread=1), pred_contribs=True, iteration_range=_xgb_range(model)
        )
        return contrib[:, -1].astype(float), contrib[:, :-1].astype(float), "log_odds"
    if kind == "LGBMClassifier":
        contrib = model.booster_.predict(Xt, pred_contrib=True, num_iteration=_lgbm_iteration(model))
        return contrib[:, -1].astype(float), contrib[:, :-1].astype(float), "log_odds"
    if kind == "LogisticRegression":
        mean = cache.get("lr_mean")
        if mean is None:
            mean = cache["lr_mean"] = encoder.transform(background).mean(axis=0)
        coef = model.coef_[0]
        base = np.full(n, float(model.intercept_[0] + coef @ mean))
        return base, coef * (Xt - mean), "log_odds"
    if kind == "RandomForestClassifier":
        import shap

        explainer = cache.get("tree_explainer")
        if explainer is None:
            explainer = cache["tree_explainer"] = shap.TreeExplainer(model)
        values = np.asarray(explainer.shap_values(Xt, check_additivity=False))
        phi = values[:, :, 1] if values.ndim == 3 else values
        expected = np.atleast_1d(explainer.expected_value)
        return np.full(n, float(expected[-1])), phi, "probability"
    if deep_explained(model):
        explainer = cache.get("deep_shap")
        if explainer is None:
            explainer = cache["deep_shap"] = MlpDeepShap(model, encoder.transform(background))
        base, phi = explainer.explain(Xt)
        return base, phi, "log_odds"
    if _permutation_explained(model):
        return _explain_permutation(model, Xt, encoder, background, cache)
    raise TypeError(f"no explainer for model type {kind}")


def _permutation_explained(model: Any) -> bool:
    """The FT-Transformer, and MLPs fitted before DeepSHAP: no exact, fast SHAP exists for them,
    so the model-agnostic explainer applies (a new family opts in with ``_model_agnostic_shap = True``)."""
    if deep_explained(model):
        return False
    return bool(getattr(model, "_is_torch_mlp", False) or getattr(model, "_model_agnostic_shap", False))


def _explain_permutation(
    model: Any, Xt: np.ndarray, encoder: Any, background: pd.DataFrame, cache: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, Space]:
    """Model-agnostic but exactly additive: every permutation's marginal steps sum to f(x) - E f(B).

    Written here rather than with ``shap.PermutationExplainer`` because shap's masking code is
    compiled by numba on first use, tens of seconds per process (docs/training.md, "Explanations"),
    which a serving process cannot afford.
    Features are permuted as groups (a one-hot block moves together), so contributions come out per
    input feature; antithetic permutations (each one and its reverse) halve the variance.
    """
    from training.calibration import logit

    bg = cache.get("permutation_background")
    if bg is None:
        bg = encoder.transform(background)
        rows = getattr(model, "_shap_background_rows", 50)
        bg = cache["permutation_background"] = bg[: min(len(bg), rows)]
    groups = np.asarray([list(encoder.feature_names_in_).index(g) for g in encoder.output_groups_])

    def log_odds(data: np.ndarray) -> np.ndarray:
        return logit(model.predict_proba(data)[:, 1])

    # a family whose forward pass is costly may ask for a smaller budget (the FT-Transformer does):
    # the estimate gets noisier, the contributions stay exactly additive
    permutations = getattr(model, "_shap_permutations", 8)
    base_value = float(log_odds(bg).mean())
    phi = np.zeros((Xt.shape[0], len(encoder.feature_names_in_)))
    rng = np.random.default_rng(0)
    for row in range(Xt.shape[0]):
        phi[row] = _permutation_row(log_odds, Xt[row], bg, groups, phi.shape[1], rng, permutations)
    # Rows share the base; each row's contributions sum to f(x) - base up to float error: fix it exactly.
    base = np.full(Xt.shape[0], base_value)
    residual = log_odds(Xt) - base - phi.sum(axis=1)
    phi += residual[:, None] / phi.shape[1]
    return base, phi, "log_odds"


def _permutation_row(
    f: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    background: np.ndarray,
    groups: np.ndarray,
    n_features: int,
    rng: np.random.Generator,
    n_permutations: int = 8,
) -> np.ndarray:
    """Mean marginal contribution of each feature group over antithetic permutations."""
    k = len(background)
    total = np.zeros(n_features)
    orders = []
    for _ in range(n_permutations // 2):
        order = rng.permutation(n_features)
        orders += [order, order[::-1]]
    for order in orders:
        steps = np.repeat(background[None, :, :], n_features + 1, axis=0)
        for position, feature in enumerate(order):
            columns = groups == feature
            steps[position + 1 :, :, columns] = x[columns]
        values = f(steps.reshape(-1, x.shape[0])).reshape(n_features + 1, k).mean(axis=1)
        total[order] += np.diff(values)
    return total / len(orders)


def _explain_voting(
    ensemble: Any, frame: pd.DataFrame, background: pd.DataFrame, cache: dict[str, Any]
) -> NativeExplanation:
    weights = np.ones(len(ensemble.estimators_)) if ensemble.weights is None else np.asarray(ensemble.weights)
    weights = weights / weights.sum()
    base = np.zeros(len(frame))
    phi: np.ndarray | None = None
    for i, (member, weight) in enumerate(zip(ensemble.estimators_, weights, strict=True)):
        pipeline = getattr(member, "estimator", member)  # FrozenEstimator wraps the fitted pipeline
        member_cache = cache.setdefault(f"member_{i}", {})
        native = explain_estimator(pipeline, frame, background, member_cache)
        to_prob = expit if native.space == "log_odds" else _identity
        proba = pipeline.predict_proba(frame)[:, 1]
        member_base, member_phi = rescale(native, to_prob(native.base), proba, to_prob)
        base = base + weight * member_base
        phi = weight * member_phi if phi is None else phi + weight * member_phi
    assert phi is not None
    return NativeExplanation(base=base, phi=phi, score=base + phi.sum(axis=1), space="probability")


def _identity(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _is_voting(estimator: Any) -> bool:
    return type(estimator).__name__ == "VotingClassifier"


def _grouping_matrix(encoder: Any) -> np.ndarray:
    """Matrix summing encoded columns back into their input feature."""
    names = list(encoder.feature_names_in_)
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(encoder.output_groups_), len(names)))
    for row, group in enumerate(encoder.output_groups_):
        matrix[row, index[group]] = 1.0
    return matrix


def _xgb_range(model: Any) -> tuple[int, int]:
    """The trees ``predict_proba`` uses: up to the early-stopping best iteration, else all ((0, 0))."""
    try:
        best = model.best_iteration
    except AttributeError:
        return (0, 0)
    return (0, int(best) + 1) if best is not None else (0, 0)


def _lgbm_iteration(model: Any) -> int | None:
    best = getattr(model, "best_iteration_", None)
    return int(best) if best else None


def mean_abs_importance(phi: np.ndarray, feature_names: list[str]) -> pd.Series:
    """Global importance: mean absolute contribution per feature, largest first."""
    return pd.Series(np.abs(phi).mean(axis=0), index=feature_names).sort_values(ascending=False)
