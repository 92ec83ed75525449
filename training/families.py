"""The model zoo: each family's preprocessing, estimator, imbalance handling and monotone constraints.

A family is fitted as ``Pipeline([("encode", FrameEncoder), ("model", estimator)])`` so preprocessing is
saved inside the model. The voting ensemble is scikit-learn's ``VotingClassifier`` over already-fitted
member pipelines (wrapped in ``FrozenEstimator``, so fitting the vote never refits a member).

Imbalance: logistic regression and the random forest use ``class_weight``; the networks (MLP,
FT-Transformer) use class-balanced batches; the boosters take ``scale_pos_weight`` from
``--booster-weighting`` (``auto`` by default: ``none`` with 500 or more positives, since on the
generated loans the unweighted boosters ranked better than with ``sqrt(neg/pos)``, and ``sqrt``
below that, see :attr:`FitContext.scale_pos_weight`; calibration repairs probabilities either way;
the AUCs are in docs/training.md, "Method").
Monotone constraints (option) encode known credit logic: a better credit score never raises
risk, more delinquency never lowers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from creditrisk.mart_columns import risk_directions
from training.options import FAMILIES
from training.preprocessing import FrameEncoder

#: Display names of the families (the names ``--families`` accepts are in :mod:`training.options`).
FAMILY_TITLES = {
    "lr": "logistic regression",
    "rf": "random forest",
    "xgb": "XGBoost",
    "lgbm": "LightGBM",
    "ann": "neural network (PyTorch MLP)",
    "ftt": "FT-Transformer (PyTorch)",
    "vote": "soft-voting ensemble",
}

#: Known directions of names that are no mart column (a cross-sectional file's ``credit_score``);
#: the marts' own are in their YAML (:func:`known_monotone`).
MONOTONE_ALIASES: dict[str, int] = {"credit_score": -1}


@cache
def known_monotone() -> Mapping[str, int]:
    """Known direction of risk per feature (+1: higher value never lowers risk; -1: never raises it).

    The mart features' ``meta.risk_direction`` in the dbt YAML (the same sign their Feast fields
    carry as a tag), plus :data:`MONOTONE_ALIASES`. Matched on the feature name or its suffix after
    a Feast ``view__`` prefix (:func:`monotone_directions`). Read once, on first use; read-only, as
    every caller shares it.
    """
    return MappingProxyType({**risk_directions(), **MONOTONE_ALIASES})


@dataclass
class FitContext:
    """What every family's constructor may need besides its own hyperparameters."""

    n_positive: int
    n_negative: int
    seed: int = 42
    #: One thread per model: on a shared 2-core machine OpenMP threads spin against each other and
    #: a fit with more threads ran many times slower (docs/measurements.md, "Training: threads"); on
    #: an idle machine the cost of one thread is at most the core count.
    n_jobs: int = 1
    monotone: dict[str, int] = field(default_factory=dict)
    #: Booster ``scale_pos_weight``: "auto", "none" (1), "sqrt" (sqrt(neg/pos)) or "balanced" (neg/pos).
    booster_weighting: str = "auto"

    @property
    def scale_pos_weight(self) -> float:
        """``auto`` is ``none`` unless there are under 500 positives: then the positives' hessian mass
        is too small for ``min_child_weight`` to allow splits at all (an unweighted XGBoost on a
        demo panel with a handful of bankruptcy rows learned a constant: docs/training.md, "Method"),
        and ``sqrt`` weighting restores it."""
        ratio = max(self.n_negative, 1) / max(self.n_positive, 1)
        mode = self.booster_weighting
        if mode == "auto":
            mode = "sqrt" if self.n_positive < 500 else "none"
        return {"none": 1.0, "sqrt": float(np.sqrt(ratio)), "balanced": float(ratio)}[mode]


def monotone_directions(feature_names: list[str], feature_types: dict[str, str]) -> dict[str, int]:
    """The known directions that apply to these (numeric) features."""
    known = known_monotone()
    found = {}
    for name in feature_names:
        if feature_types.get(name) == "str":
            continue
        key = name.rsplit("__", 1)[-1].rsplit(":", 1)[-1]
        if key in known:
            found[name] = known[key]
    return found


def encoder_for(family: str, feature_types: dict[str, str], seed: int) -> FrameEncoder:
    """Preprocessing per family: scale for linear and network, native NaN for the boosters."""
    if family in ("lr", "ann"):
        return FrameEncoder(feature_types, impute=True, scale=True, categorical="onehot", random_state=seed)
    if family in ("xgb", "lgbm"):
        return FrameEncoder(feature_types, impute=False, categorical="ordinal", random_state=seed)
    if family == "ftt":  # codes become embedded tokens; the network quantile-transforms the numbers
        return FrameEncoder(feature_types, impute=True, categorical="ordinal", random_state=seed)
    return FrameEncoder(feature_types, impute=True, categorical="ordinal", random_state=seed)


def default_params(family: str) -> dict[str, Any]:
    """Strong defaults: shallow, slow-learning boosters with early stopping; a regularised forest.

    The forest's leaves hold at least 50 rows and each tree sees half the rows: on the bankruptcy
    panel (a few hundred events) that ranked better than 300 deeper trees, level on the loans, at a
    fraction of the fit time (docs/training.md, "Method"). The network stops after 3 epochs without
    a better validation AUC, at most 20: as good as 5 stale epochs and at most 40 on both problems,
    in less time (docs/measurements.md, "Training: defaults and the method").
    """
    return {
        "lr": {"C": 0.5},
        "rf": {"n_estimators": 150, "min_samples_leaf": 50, "max_features": "sqrt", "max_samples": 0.5},
        "xgb": {
            "n_estimators": 2000,
            "learning_rate": 0.03,
            "max_depth": 4,
            "min_child_weight": 5,
            "subsample": 0.8,
            "colsample_bytree": 0.8,
            "reg_lambda": 1.0,
        },
        "lgbm": {
            "n_estimators": 2000,
            "learning_rate": 0.03,
            "num_leaves": 15,
            "min_child_samples": 40,
            "subsample": 0.8,
            "subsample_freq": 1,
            "colsample_bytree": 0.8,
            "reg_lambda": 1.0,
        },
        "ann": {
            "hidden_sizes": (64, 32),
            "dropout": 0.1,
            "learning_rate": 2e-3,
            "max_epochs": 20,
            "patience": 3,
        },
        # Gorishniy et al.'s architecture at CPU size (they use 192-wide tokens and 3 blocks)
        "ftt": {
            "d_token": 32,
            "n_blocks": 2,
            "n_heads": 4,
            "learning_rate": 1e-3,
            "batch_size": 256,
            "max_epochs": 20,
            "patience": 3,
        },
        "vote": {},
    }[family]


def make_estimator(family: str, params: dict[str, Any], ctx: FitContext, encoder: FrameEncoder) -> Any:
    """An unfitted estimator for ``family`` with imbalance handling and (optional) monotone constraints."""
    params = {**default_params(family), **params}
    constraints = _encoded_constraints(encoder, ctx.monotone)
    if family == "lr":
        # Newton-Cholesky: a few exact Newton steps on tens of features; lbfgs needed many more
        # iterations on the heavy-tailed company ratios for the same coefficients (docs/training.md).
        return LogisticRegression(class_weight="balanced", solver="newton-cholesky", max_iter=300, **params)
    if family == "rf":
        extra = {"monotonic_cst": constraints} if ctx.monotone else {}
        return RandomForestClassifier(
            class_weight="balanced_subsample", n_jobs=ctx.n_jobs, random_state=ctx.seed, **extra, **params
        )
    if family == "xgb":
        from xgboost import XGBClassifier

        extra = {"monotone_constraints": tuple(constraints)} if ctx.monotone else {}
        return XGBClassifier(
            tree_method="hist",
            eval_metric="logloss",
            early_stopping_rounds=100,
            scale_pos_weight=ctx.scale_pos_weight,
            n_jobs=ctx.n_jobs,
            random_state=ctx.seed,
            **extra,
            **params,
        )
    if family == "lgbm":
        from lightgbm import LGBMClassifier

        extra = {"monotone_constraints": constraints} if ctx.monotone else {}
        return LGBMClassifier(
            scale_pos_weight=ctx.scale_pos_weight,
            n_jobs=ctx.n_jobs,
            random_state=ctx.seed,
            verbose=-1,
            **extra,
            **params,
        )
    if family == "ann":
        from training.nn import TorchMLPClassifier

        return TorchMLPClassifier(random_state=ctx.seed, **params)
    if family == "ftt":
        from training.ftt import FTTransformerClassifier

        return FTTransformerClassifier(
            categorical_features=token_columns(encoder), random_state=ctx.seed, **params
        )
    raise ValueError(f"unknown family {family!r}; choose from {', '.join(FAMILIES)}")


def token_columns(encoder: FrameEncoder) -> tuple[int, ...]:
    """Encoded columns the FT-Transformer embeds as categorical tokens: ordinal codes and the
    0/1 missing indicators (a quantile transform would turn a 0/1 column into two extreme values)."""
    names = encoder.output_names_
    return tuple(i for i, name in enumerate(names) if name.endswith(("=code", "=missing")))


def _encoded_constraints(encoder: FrameEncoder, monotone: dict[str, int]) -> list[int]:
    """Per encoded column: the feature's direction on its value column, 0 on indicators and codes."""
    names = encoder.output_names_
    return [monotone.get(name, 0) for name in names]


def fit_family(
    family: str,
    X: pd.DataFrame,
    y: np.ndarray,
    feature_types: dict[str, str],
    ctx: FitContext,
    params: dict[str, Any] | None = None,
    early_stopping: tuple[pd.DataFrame, np.ndarray] | None = None,
    rounds: int | None = None,
) -> Pipeline:
    """Fit one family's encoder and estimator.

    Boosters stop early on ``early_stopping`` data, or grow exactly ``rounds`` trees (a count chosen
    by cross-validation), or, with neither, at most 400.
    """
    encoder = encoder_for(family, feature_types, ctx.seed)
    Xt = encoder.fit_transform(X, y)
    model = make_estimator(family, params or {}, ctx, encoder)
    if family in ("xgb", "lgbm") and early_stopping is None:
        n_trees = rounds if rounds is not None else min(model.get_params()["n_estimators"], 400)
        model.set_params(n_estimators=n_trees)
        if family == "xgb":
            model.set_params(early_stopping_rounds=None)
    if family == "xgb" and early_stopping is not None:
        X_es, y_es = encoder.transform(early_stopping[0]), np.asarray(early_stopping[1])
        model.fit(
            Xt, y, eval_set=[(X_es, y_es)], sample_weight_eval_set=[_stop_weights(y_es, ctx)], verbose=False
        )
    elif family == "lgbm" and early_stopping is not None:
        import lightgbm

        X_es, y_es = encoder.transform(early_stopping[0]), np.asarray(early_stopping[1])
        stop = lightgbm.early_stopping(100, verbose=False)
        model.fit(
            Xt,
            y,
            eval_X=(X_es,),
            eval_y=(y_es,),
            eval_sample_weight=[_stop_weights(y_es, ctx)],
            callbacks=[stop],
        )
    else:
        model.fit(Xt, y)
    return Pipeline([("encode", encoder), ("model", model)])


def _stop_weights(y: np.ndarray, ctx: FitContext) -> np.ndarray:
    """Early-stopping rows weighted like the training loss (positives by ``scale_pos_weight``).

    The boosters apply ``scale_pos_weight`` to the training gradient only. Scored unweighted, the
    stopping log-loss penalises the upward shift the weighting causes, so with a few dozen
    bankruptcies LightGBM stopped after one tree and ranked little better than chance
    (docs/training.md, "Method").
    """
    return np.where(np.asarray(y) == 1, ctx.scale_pos_weight, 1.0)


def voting_ensemble(members: dict[str, Pipeline], X: pd.DataFrame, y: np.ndarray) -> VotingClassifier:
    """Soft vote of already-fitted member pipelines (equal weights); fitting it never refits a member."""
    vote = VotingClassifier(
        estimators=[(name, FrozenEstimator(pipeline)) for name, pipeline in members.items()], voting="soft"
    )
    return vote.fit(X, y)
