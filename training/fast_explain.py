"""A fast path for explaining a few rows (serving's case) with the boosted-tree and linear families.

The general path (:func:`training.explain.explain_estimator` plus the pipeline's ``predict_proba``)
copies and re-types the frame in pandas, encodes it twice and crosses the model twice. For 1-100
rows that overhead is most of the cost, so this module compiles the fitted ``FrameEncoder`` once, at
load time, into plain arrays and dicts (imputation values, category -> code maps, scaler arrays) and
scores in one encode and one model pass:

- LightGBM: ``pred_contrib`` once; the raw probability is the sigmoid of the contributions' sum (the
  booster's own margin), so no second pass. Predicting one row on one thread avoids OpenMP start-up,
  which costs more than the trees on a busy machine.
- XGBoost: ``pred_contribs`` once on a ``DMatrix``; its probability comes out of the booster in
  float32, which a float64 sigmoid of the contributions' sum does not reproduce to 1e-9, so the
  booster's own prediction is taken on the already encoded matrix (no pandas, no second encode).
- Logistic regression: the general path's exact linear SHAP, ``coef * (x - mean of the encoded
  background)``, with that mean computed once here instead of on first use.
- Random forest: :class:`training.forest_shap.ForestShap` (built once) on the encoded matrix, the
  same path-dependent TreeSHAP values as shap's ``TreeExplainer`` in a faster closed form; the
  probability is its base value plus the contributions, which equals the forest's average of
  per-tree predictions (a joblib call per tree in scikit-learn, most of the general path's time;
  figures in docs/measurements.md, "Explanations and one-row scoring", and docs/serving.md).
- XGBoost and logistic regression probabilities: the calls ``predict_proba`` makes
  (``inplace_predict``; ``expit(X @ coef.T + intercept)``) without its input checks, which cost
  more than the arithmetic on one row.
- The soft vote: each member on its fast path when it has one (the others, e.g. the neural
  network, on the general one), combined as :func:`training.explain._explain_voting` does. The
  frame is converted to arrays once (``FrameColumns``) and shared by the members' encoders.

The outputs equal the general path's to float precision; ``tests/training/test_fast_explain.py``
checks it on random rows with missing values, bad numbers and unseen categories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from training.calibration import expit
from training.explain import (
    NativeExplanation,
    _grouping_matrix,
    _identity,
    _is_voting,
    _lgbm_iteration,
    _xgb_range,
    explain_estimator,
    rescale,
)
from training.forest_shap import ForestShap
from training.preprocessing import _category_array

#: Frames up to this many rows take the fast path; larger batches are cheaper through the general one.
MAX_FAST_ROWS = 100


@dataclass
class _Block:
    """How one input feature becomes output columns."""

    name: str
    kind: str  # "numeric" | "target" | "onehot" | "ordinal"
    column: int
    median: float = np.nan
    levels: np.ndarray | None = None
    lookup: dict[str, float] | None = None
    default: float = np.nan


class CompiledEncoder:
    """A fitted ``FrameEncoder`` as arrays: ``encode(frame)`` equals ``prepare`` + ``transform``."""

    def __init__(self, encoder: Any, feature_types: dict[str, str]) -> None:
        self.n_outputs = len(encoder.output_groups_)
        self.impute = bool(encoder.impute)
        self.scale = bool(encoder.scale)
        self.mean = np.asarray(encoder.mean_, dtype=float)
        self.std = np.asarray(encoder.std_, dtype=float)
        #: the artefact casts non-"str" features to float before the encoder sees them
        self.cast_numeric = {name for name, kind in feature_types.items() if kind != "str"}
        self.blocks: list[_Block] = []
        col = 0
        for name, kind in encoder.types_.items():
            if kind != "str":
                self.blocks.append(_Block(name, "numeric", col, median=float(encoder.medians_[name])))
                col += 1
            elif name in encoder.target_cols_:
                lookup, default = encoder._target_lookup(name)
                self.blocks.append(_Block(name, "target", col, lookup=dict(lookup), default=default))
                col += 1
            elif encoder.categorical == "onehot":
                levels = np.asarray(encoder.categories_[name], dtype=str)
                self.blocks.append(_Block(name, "onehot", col, levels=levels))
                col += len(levels)
            else:
                lookup = {level: float(i) for i, level in enumerate(encoder.categories_[name])}
                self.blocks.append(_Block(name, "ordinal", col, lookup=lookup, default=-1.0))
                col += 1
        numeric = [block for block in self.blocks if block.kind == "numeric"]
        self.numeric_names = [block.name for block in numeric]
        self.numeric_columns = [block.column for block in numeric]
        self.medians = np.asarray([block.median for block in numeric], dtype=float)
        position = {block.name: block.column for block in self.blocks}
        self.indicators = [(position[name], col + i) for i, name in enumerate(encoder.indicators_)]

    def encode(self, frame: pd.DataFrame | FrameColumns) -> np.ndarray:
        columns = frame if isinstance(frame, FrameColumns) else FrameColumns(frame)
        out = np.empty((len(columns), self.n_outputs), dtype=float)
        numeric = columns.floats(self.numeric_names)
        isnan = np.isnan(numeric)
        values = np.where(isnan, self.medians, numeric) if self.impute else numeric
        out[:, self.numeric_columns] = values
        missing = dict(zip(self.numeric_columns, isnan.T, strict=True))
        for block in self.blocks:
            if block.kind == "numeric":
                continue
            col = block.column
            if block.name in self.cast_numeric:  # typed numeric by the artefact, str by the encoder
                codes = _category_array(pd.Series(columns.floats([block.name])[:, 0]))
            else:
                codes = _category_array(columns.objects(block.name))
            if block.kind == "onehot":
                assert block.levels is not None
                out[:, col : col + len(block.levels)] = codes[:, None] == block.levels[None, :]
            else:
                assert block.lookup is not None
                out[:, col] = [block.lookup.get(code, block.default) for code in codes]
        for source, col in self.indicators:
            out[:, col] = missing[source]
        if self.scale:
            out = (out - self.mean) / self.std
        return out


class FrameColumns:
    """A few-row frame's values as one object matrix, converted once and shared by every encoder.

    Selecting columns of a pandas frame costs tens of microseconds a call; a vote's members each
    encode the same frame, so the conversion happens once and each member picks its columns by
    position. ``floats`` converts as ``DataFrame.to_numpy(dtype=float, na_value=nan)`` does (None
    and NaN become NaN, numbers sent as text are parsed) and falls back column by column to
    ``pd.to_numeric(errors="coerce")`` where that conversion fails (``pd.NA``, words).
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.position = {name: i for i, name in enumerate(frame.columns)}
        self.values = frame.to_numpy(dtype=object)

    def __len__(self) -> int:
        return len(self.values)

    def floats(self, names: list[str]) -> np.ndarray:
        if not names:
            return np.empty((len(self.values), 0))
        block = self.values[:, [self.position[name] for name in names]]
        try:
            return block.astype(float)
        except (TypeError, ValueError):
            return np.column_stack([_as_float(self.frame[name]) for name in names])

    def objects(self, name: str) -> np.ndarray:
        return self.values[:, self.position[name]]


def _as_float(series: pd.Series) -> np.ndarray:
    """Like the artefact's ``astype(float)``, falling back to ``to_numeric(errors="coerce")``."""
    try:
        return series.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


class FastExplainer:
    """Native contributions and raw P(bad) of a boosted-tree or logistic-regression pipeline from
    one encode and one pass."""

    def __init__(self, estimator: Any, feature_types: dict[str, str], background: pd.DataFrame) -> None:
        encoder = estimator.named_steps["encode"]
        self.model = estimator.named_steps["model"]
        self.kind = type(self.model).__name__
        self.encoder = CompiledEncoder(encoder, feature_types)
        self.grouping = _grouping_matrix(encoder)
        if self.kind == "XGBClassifier":
            self.booster = self.model.get_booster()
            self.iteration_range = _xgb_range(self.model)
        elif self.kind == "LGBMClassifier":
            self.booster = self.model.booster_
            self.num_iteration = _lgbm_iteration(self.model)
        elif self.kind == "RandomForestClassifier":
            self.forest = ForestShap(self.model)
            self.base = self.forest.base
        else:  # LogisticRegression, as training.explain does it (the raw background through the encoder)
            self.mean = encoder.transform(background).mean(axis=0)
            self.coef = self.model.coef_[0]
            self.base = float(self.model.intercept_[0] + self.coef @ self.mean)

    @staticmethod
    def supports(estimator: Any) -> bool:
        """Boosted-tree pipelines whose probability is the sigmoid of the margin, and binary
        logistic regression."""
        steps = getattr(estimator, "named_steps", None)
        if not steps or "encode" not in steps or "model" not in steps:
            return False
        model = steps["model"]
        kind = type(model).__name__
        if kind == "XGBClassifier":
            return True
        if kind == "RandomForestClassifier":
            return len(model.classes_) == 2 and ForestShap.supports(model)
        if kind == "LogisticRegression":
            return np.asarray(model.coef_).shape[0] == 1
        if kind == "LGBMClassifier":
            params = model.booster_.params
            return model.objective_ == "binary" and float(params.get("sigmoid", 1.0)) == 1.0
        return False

    def raw_proba(self, frame: pd.DataFrame | FrameColumns) -> np.ndarray:
        """The pipeline's ``predict_proba(...)[:, 1]`` on the same encoded matrix, without pandas."""
        Xt = self.encoder.encode(frame)
        if self.kind == "LogisticRegression":
            return self._linear_proba(Xt)
        if self.kind == "XGBClassifier":
            return self._xgb_proba(Xt)
        return self.model.predict_proba(Xt)[:, 1]

    def _linear_proba(self, Xt: np.ndarray) -> np.ndarray:
        """``LogisticRegression.predict_proba(Xt)[:, 1]``, the same operations without its input checks."""
        return special.expit(Xt @ self.model.coef_.T + self.model.intercept_).reshape(-1)

    def _xgb_proba(self, Xt: np.ndarray) -> np.ndarray:
        """``XGBClassifier.predict_proba(Xt)[:, 1]``: the booster call it makes, without its wrapper."""
        return self.booster.inplace_predict(
            Xt, iteration_range=self.iteration_range, missing=self.model.missing, validate_features=False
        )

    def explain(self, frame: pd.DataFrame | FrameColumns) -> tuple[NativeExplanation, np.ndarray]:
        """(native explanation, the estimator's raw P(bad)) for ``frame``."""
        Xt = self.encoder.encode(frame)
        if self.kind == "LogisticRegression":
            phi = (self.coef * (Xt - self.mean)) @ self.grouping
            base = np.full(len(Xt), self.base)
            raw = self._linear_proba(Xt)
            return NativeExplanation(base=base, phi=phi, score=base + phi.sum(axis=1), space="log_odds"), raw
        if self.kind == "RandomForestClassifier":
            phi_t = self.forest.contributions(Xt)
            base = np.full(len(Xt), self.base)
            score = base + phi_t.sum(axis=1)
            native = NativeExplanation(base=base, phi=phi_t @ self.grouping, score=score, space="probability")
            return native, score
        if self.kind == "XGBClassifier":
            import xgboost as xgb

            contrib = self.booster.predict(
                xgb.DMatrix(Xt, missing=np.nan, nthread=1),
                pred_contribs=True,
                iteration_range=self.iteration_range,
            )
            raw = self._xgb_proba(Xt)
        else:
            contrib = self.booster.predict(
                Xt, pred_contrib=True, num_iteration=self.num_iteration, num_threads=1
            )
            raw = None
        base = contrib[:, -1].astype(float)
        phi = contrib[:, :-1].astype(float) @ self.grouping
        score = base + phi.sum(axis=1)
        if raw is None:
            raw = expit(contrib.sum(axis=1))
        return NativeExplanation(base=base, phi=phi, score=score, space="log_odds"), raw


class FastVoteExplainer:
    """The soft vote of fitted pipelines, each member on its fast path where it has one."""

    def __init__(
        self,
        vote: Any,
        feature_types: dict[str, str],
        background: pd.DataFrame,
        prepare: Callable[[pd.DataFrame], pd.DataFrame],
    ) -> None:
        weights = np.ones(len(vote.estimators_)) if vote.weights is None else np.asarray(vote.weights, float)
        self.weights = weights / weights.sum()
        self.background = background
        self.prepare = prepare
        self.members: list[tuple[Any, FastExplainer | None, dict[str, Any]]] = []
        for member in vote.estimators_:
            pipeline = getattr(member, "estimator", member)  # FrozenEstimator wraps the fitted pipeline
            fast = None
            if FastExplainer.supports(pipeline):
                fast = FastExplainer(pipeline, feature_types, background)
            self.members.append((pipeline, fast, {}))

    @staticmethod
    def supports(estimator: Any) -> bool:
        """A soft vote with at least one member that has a fast path."""
        if not _is_voting(estimator) or getattr(estimator, "voting", None) != "soft":
            return False
        pipelines = [getattr(m, "estimator", m) for m in getattr(estimator, "estimators_", [])]
        return any(FastExplainer.supports(p) for p in pipelines)

    def raw_proba(self, frame: pd.DataFrame) -> np.ndarray:
        prepared = None
        columns = FrameColumns(frame)  # converted once for every member
        total = np.zeros(len(frame))
        for (pipeline, fast, _), weight in zip(self.members, self.weights, strict=True):
            if fast is not None:
                proba = fast.raw_proba(columns)
            else:
                prepared = self.prepare(frame) if prepared is None else prepared
                proba = pipeline.predict_proba(prepared)[:, 1]
            total = total + weight * proba
        return total

    def explain(self, frame: pd.DataFrame) -> tuple[NativeExplanation, np.ndarray]:
        """(native probability-space explanation, the vote's raw P(bad)) for ``frame``."""
        prepared = None
        columns = FrameColumns(frame)  # converted once for every member
        base = np.zeros(len(frame))
        phi: np.ndarray | None = None
        raw = np.zeros(len(frame))
        for (pipeline, fast, cache), weight in zip(self.members, self.weights, strict=True):
            if fast is not None:
                native, proba = fast.explain(columns)
            else:
                prepared = self.prepare(frame) if prepared is None else prepared
                native = explain_estimator(pipeline, prepared, self.background, cache)
                proba = pipeline.predict_proba(prepared)[:, 1]
            to_prob = expit if native.space == "log_odds" else _identity
            member_base, member_phi = rescale(native, to_prob(native.base), proba, to_prob)
            base = base + weight * member_base
            phi = weight * member_phi if phi is None else phi + weight * member_phi
            raw = raw + weight * proba
        assert phi is not None
        return NativeExplanation(base=base, phi=phi, score=base + phi.sum(axis=1), space="probability"), raw


def fast_explainer_for(
    estimator: Any,
    feature_types: dict[str, str],
    background: pd.DataFrame,
    prepare: Callable[[pd.DataFrame], pd.DataFrame],
) -> FastExplainer | FastVoteExplainer | None:
    """The fast explainer for a fitted family, or None where only the general path applies."""
    if FastExplainer.supports(estimator):
        return FastExplainer(estimator, feature_types, background)
    if FastVoteExplainer.supports(estimator):
        return FastVoteExplainer(estimator, feature_types, background, prepare)
    return None
