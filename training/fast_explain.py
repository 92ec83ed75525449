"""A fast path for explaining a few rows (serving's case) with the boosted-tree and linear families.

The general path (:func:`training.explain.explain_estimator` plus the pipeline's ``predict_proba``)
copies and re-types the frame in pandas, encodes it twice and crosses the model twice. For 1-100
rows that overhead is most of the cost, so this module compiles the fitted ``FrameEncoder`` once, at
load time, into plain arrays and dicts (imputation values, category -> code maps, scaler arrays) and
scores in one encode and one model pass:

- LightGBM: ``pred_contrib`` once; the raw probability is the sigmoid of the contributions' sum (the
  booster's own margin), so no second pass. Predicting one row on one thread avoids OpenMP start-up,
  which costs more than the trees on a busy machine.
- XGBoost: :class:`training.tree_shap.XgbShap` (built once, where the booster's own margin
  confirms it; else ``pred_contribs`` on a ``DMatrix``), the booster's TreeSHAP values in float64
  without the ``DMatrix`` and call set-up that cost more than the trees on one row. The
  probability is the sigmoid of base + contributions, the booster's margin in float64: the
  booster's own ``inplace_predict`` (float32) cost more than the explanation and differs from it
  by float32 rounding (about 1e-7), which is all the fast and the general path differ by.
- Logistic regression: the general path's exact linear SHAP, ``coef * (x - mean of the encoded
  background)``, with that mean computed once here instead of on first use.
- Random forest: :class:`training.tree_shap.ForestShap` (built once) on the encoded matrix, the
  same path-dependent TreeSHAP values as shap's ``TreeExplainer`` in a faster closed form; the
  probability is its base value plus the contributions, which equals the forest's average of
  per-tree predictions (a joblib call per tree in scikit-learn, most of the general path's time;
  figures in docs/measurements.md, "Explanations and one-row scoring", and docs/serving.md).
- Logistic regression probabilities (and XGBoost's where the closed form does not apply): the
  calls ``predict_proba`` makes (``expit(X @ coef.T + intercept)``; ``inplace_predict``) without
  its input checks, which cost more than the arithmetic on one row.
- The MLP (:class:`MlpPermutation`): the general path's permutation SHAP -- the same orders from
  the same seeded generator, the same background rows, the same averaging and residual fix --
  with the forward passes restructured. A step of a permutation changes one feature group of
  every background row, which moves the first layer's pre-activations by a per-feature amount
  that does not depend on the order: those amounts are computed once per row and each order's
  steps are their running sums, so only the layers after the first run per step (24,400 rows of
  64 -> 32 -> 1 instead of D -> 64 -> 32 -> 1 through torch). The result equals the general
  path's to float32 rounding (the network runs in float32 either way; the sums are taken in
  another order), not bit for bit.
- The soft vote: each member on its fast path when it has one (the others, e.g. the
  FT-Transformer, on the general one), combined as :func:`training.explain._explain_voting` does. The
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

from training.calibration import expit, logit
from training.deep_shap import MlpDeepShap, deep_explained, supports_architecture
from training.explain import (
    NativeExplanation,
    _grouping_matrix,
    _identity,
    _is_voting,
    _lgbm_iteration,
    _permutation_explained,
    _xgb_range,
    explain_estimator,
    rescale,
)
from training.preprocessing import _category_array
from training.tree_shap import ForestShap, XgbShap

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

    :meth:`from_matrix` wraps an object matrix a server already holds (the values the frame would
    have): no frame is built unless a fallback needs one.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame: pd.DataFrame | None = frame
        self.names = list(frame.columns)
        self.position = {name: i for i, name in enumerate(frame.columns)}
        self.values = frame.to_numpy(dtype=object)

    @classmethod
    def from_matrix(cls, values: np.ndarray, names: list[str]) -> FrameColumns:
        """The columns of ``pd.DataFrame(values, columns=names, dtype=object)``, without the frame."""
        columns = cls.__new__(cls)
        columns._frame = None
        columns.names = list(names)
        columns.position = {name: i for i, name in enumerate(names)}
        columns.values = values
        return columns

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = pd.DataFrame(self.values, columns=self.names, dtype=object)
        return self._frame

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
            self.trees = _xgb_closed_form(self.booster, self.iteration_range, encoder.transform(background))
        elif self.kind == "LGBMClassifier":
            self.booster = self.model.booster_
            self.num_iteration = _lgbm_iteration(self.model)
        elif self.kind == "RandomForestClassifier":
            self.forest = ForestShap(self.model)
            self.base = self.forest.base
        elif self.kind == "TorchMLPClassifier":
            if deep_explained(self.model):
                self.mlp = MlpDeep(self.model, encoder, background)
            else:
                self.mlp = MlpPermutation(self.model, encoder, background)
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
        if kind == "TorchMLPClassifier":
            return MlpDeep.supports(model) or MlpPermutation.supports(model)
        if kind == "LGBMClassifier":
            params = model.booster_.params
            return model.objective_ == "binary" and float(params.get("sigmoid", 1.0)) == 1.0
        return False

    def raw_proba(self, frame: pd.DataFrame | FrameColumns) -> np.ndarray:
        """The pipeline's ``predict_proba(...)[:, 1]`` on the same encoded matrix, without pandas."""
        Xt = self.encoder.encode(frame)
        if self.kind == "LogisticRegression":
            return self._linear_proba(Xt)
        if self.kind == "XGBClassifier" and self.trees is not None:
            return expit(self.trees.base + self.trees.contributions(Xt).sum(axis=1))
        if self.kind == "XGBClassifier":
            return self._xgb_proba(Xt)
        if self.kind == "TorchMLPClassifier":
            return self.mlp.proba(Xt)
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
        if self.kind == "TorchMLPClassifier":
            return self.mlp.explain(Xt)
        if self.kind == "RandomForestClassifier":
            phi_t = self.forest.contributions(Xt)
            base = np.full(len(Xt), self.base)
            score = base + phi_t.sum(axis=1)
            native = NativeExplanation(base=base, phi=phi_t @ self.grouping, score=score, space="probability")
            return native, score
        if self.kind == "XGBClassifier" and self.trees is not None:
            phi_t = self.trees.contributions(Xt)
            base = np.full(len(Xt), self.trees.base)
            phi = phi_t @ self.grouping
            score = base + phi.sum(axis=1)
            native = NativeExplanation(base=base, phi=phi, score=score, space="log_odds")
            return native, expit(score)
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


def _xgb_closed_form(booster: Any, iteration_range: tuple[int, int], probe: np.ndarray) -> XgbShap | None:
    """The booster's closed-form TreeSHAP, or None (then ``pred_contribs``) where it does not apply
    (the constructor refuses such a booster, or one whose margin it does not reproduce)."""
    try:
        return XgbShap(booster, iteration_range, probe[:50])
    except ValueError:
        return None


class MlpDeep:
    """The general path's DeepSHAP of a fitted ``TorchMLPClassifier``: the same
    :class:`training.deep_shap.MlpDeepShap` on the same encoded matrix, so equal bit for bit, with
    the probability taken from the network's float32 layers without ``predict_proba``'s checks."""

    def __init__(self, model: Any, encoder: Any, background: pd.DataFrame) -> None:
        self.model = model
        self.deep = MlpDeepShap(model, encoder.transform(background))
        self.grouping = _grouping_matrix(encoder)

    @staticmethod
    def supports(model: Any) -> bool:
        return deep_explained(model) and supports_architecture(getattr(model, "module_", None))

    def proba(self, Xt: np.ndarray) -> np.ndarray:
        return self.model.positive_proba(Xt)

    def explain(self, Xt: np.ndarray) -> tuple[NativeExplanation, np.ndarray]:
        """(log-odds explanation, raw P(bad)) as ``explain_estimator`` gives them for the MLP."""
        proba = self.proba(Xt)
        base, phi_t = self.deep.explain(Xt, proba)
        phi = phi_t @ self.grouping
        native = NativeExplanation(base=base, phi=phi, score=base + phi.sum(axis=1), space="log_odds")
        return native, proba


class MlpPermutation:
    """The general path's permutation SHAP of a fitted ``TorchMLPClassifier`` (see the module doc).

    Built once per model: the network's layers as float32 arrays, the encoded background, its
    first-layer pre-activations, the feature groups and the base value (computed through the
    model itself, as the general path does).
    """

    def __init__(self, model: Any, encoder: Any, background: pd.DataFrame) -> None:
        import torch

        self.model = model
        layers = [m for m in model.module_ if isinstance(m, torch.nn.Linear)]
        #: the first layer as arrays (its moves are computed in numpy), the others as torch tensors
        self.weights = [layers[0].weight.detach().numpy().astype(np.float32).T.copy()]
        self.biases = [layers[0].bias.detach().numpy().astype(np.float32).copy()]
        self.rest = [(layer.weight.detach().clone(), layer.bias.detach().clone()) for layer in layers[1:]]
        rows = getattr(model, "_shap_background_rows", 50)
        bg = encoder.transform(background)
        self.bg = np.asarray(bg[: min(len(bg), rows)], dtype=np.float32)
        self.permutations = getattr(model, "_shap_permutations", 8)
        names = list(encoder.feature_names_in_)
        self.n_features = len(names)
        groups = np.asarray([names.index(g) for g in encoder.output_groups_])
        # encoded columns sorted by feature, so one reduceat sums each feature's columns
        self.column_order = np.argsort(groups, kind="stable")
        counts = np.bincount(groups, minlength=self.n_features)
        if (counts == 0).any():
            raise ValueError("a feature without encoded columns; use the general path")
        self.group_starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.first = self.bg @ self.weights[0] + self.biases[0]  # (k, H1)
        self.base = float(self._log_odds(self.bg).mean())

    @staticmethod
    def supports(model: Any) -> bool:
        """A binary network of Linear, ReLU and (inactive at inference) Dropout layers, ending in
        one output unit, explained by the general path's permutation SHAP."""
        return _permutation_explained(model) and supports_architecture(getattr(model, "module_", None))

    def _log_odds(self, X: np.ndarray) -> np.ndarray:
        """What the general path calls f: ``logit(model.predict_proba(X)[:, 1])``."""
        return logit(self.model.predict_proba(X)[:, 1])

    def proba(self, Xt: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(Xt)[:, 1]

    def _step_log_odds(self, first: np.ndarray) -> np.ndarray:
        """The network from first-layer pre-activations (one row each) on, as ``logit(predict_proba)``
        gives it: torch's layers and sigmoid in float32 on one thread, then logit in float64."""
        import torch
        from torch.nn.functional import linear

        from training.nn import _torch_threads

        with torch.no_grad(), _torch_threads(1):
            hidden = torch.relu_(torch.from_numpy(first))
            for weight, bias in self.rest[:-1]:
                hidden = torch.relu_(linear(hidden, weight, bias))
            weight, bias = self.rest[-1]
            positive = torch.sigmoid(linear(hidden, weight, bias)[:, 0]).numpy()
        return logit(positive.astype(float))

    def explain(self, Xt: np.ndarray) -> tuple[NativeExplanation, np.ndarray]:
        """(log-odds explanation, raw P(bad)) as ``explain_estimator`` gives them for the MLP."""
        X = np.asarray(Xt, dtype=np.float32)
        n, F = len(X), self.n_features
        k, width = self.first.shape
        phi = np.zeros((n, F))
        rng = np.random.default_rng(0)  # the general path's generator, drawn in the same order
        for row in range(n):
            orders_list = []
            for _ in range(self.permutations // 2):
                order = rng.permutation(F)
                orders_list += [order, order[::-1]]
            orders = np.asarray(orders_list)
            # how each feature moves every background row's first layer when x's value replaces it
            moved = (X[row] - self.bg)[:, :, None] * self.weights[0][None, :, :]  # (k, D, H1)
            per_feature = np.add.reduceat(moved[:, self.column_order], self.group_starts, axis=1)
            per_feature = np.ascontiguousarray(per_feature.transpose(1, 0, 2)).reshape(F, k * width)
            # each order's steps are running sums of those moves, one add per step for every order
            steps = np.empty((F + 1, len(orders), k * width), dtype=np.float32)
            steps[0] = self.first.reshape(-1)
            for position in range(F):
                np.add(steps[position], per_feature[orders[:, position]], out=steps[position + 1])
            values = self._step_log_odds(steps.reshape(-1, width)).reshape(F + 1, len(orders), k).mean(axis=2)
            total = np.zeros(F)
            for o, order in enumerate(orders):
                total[order] += np.diff(values[:, o])
            phi[row] = total / len(orders)
        base = np.full(n, self.base)
        residual = self._log_odds(X) - base - phi.sum(axis=1)
        phi += residual[:, None] / F
        native = NativeExplanation(base=base, phi=phi, score=base + phi.sum(axis=1), space="log_odds")
        return native, self.proba(Xt)


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

    def raw_proba(self, frame: pd.DataFrame | FrameColumns) -> np.ndarray:
        prepared = None
        columns = frame if isinstance(frame, FrameColumns) else FrameColumns(frame)  # once for every member
        total = np.zeros(len(columns))
        for (pipeline, fast, _), weight in zip(self.members, self.weights, strict=True):
            if fast is not None:
                proba = fast.raw_proba(columns)
            else:
                prepared = self.prepare(columns.frame) if prepared is None else prepared
                proba = pipeline.predict_proba(prepared)[:, 1]
            total = total + weight * proba
        return total

    def explain(self, frame: pd.DataFrame | FrameColumns) -> tuple[NativeExplanation, np.ndarray]:
        """(native probability-space explanation, the vote's raw P(bad)) for ``frame``."""
        prepared = None
        columns = frame if isinstance(frame, FrameColumns) else FrameColumns(frame)  # once for every member
        base = np.zeros(len(columns))
        phi: np.ndarray | None = None
        raw = np.zeros(len(columns))
        for (pipeline, fast, cache), weight in zip(self.members, self.weights, strict=True):
            if fast is not None:
                native, proba = fast.explain(columns)
            else:
                prepared = self.prepare(columns.frame) if prepared is None else prepared
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


def explain_rows(artifact: Any, columns: FrameColumns, output_space: str = "log_odds") -> Any | None:
    """``artifact.explain(frame)`` for the frame ``columns`` holds, as arrays: ``(base_value,
    contributions)`` with contributions in ``artifact.feature_names`` order, or None where the
    artefact has no fast path for these rows (then call ``explain``).

    The same steps ``CreditRiskModel.explain`` takes on its fast path (the compiled explainer,
    then the calibrator's rescaling), without the frame: a server holding the row values as an
    object matrix skips building a DataFrame in and one out (``tests/serving/test_encoding.py``
    checks the values are equal).
    """
    if len(columns) > MAX_FAST_ROWS or columns.names != list(artifact.feature_names):
        return None
    fast = artifact._fast_explainer()
    if fast is None:
        return None
    native, raw = fast.explain(columns)
    return artifact._calibrated(native, raw, output_space)
