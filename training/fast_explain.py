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
  estimator's own ``predict_proba`` is called on the already encoded matrix (microseconds, no
  pandas, no second encode).
- Logistic regression: the general path's exact linear SHAP, ``coef * (x - mean of the encoded
  background)``, with that mean computed once here instead of on first use; the probability is
  the estimator's own ``predict_proba`` on the encoded matrix.

The outputs equal the general path's to float precision; ``tests/training/test_fast_explain.py``
checks it on random rows with missing values, bad numbers and unseen categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from training.calibration import expit
from training.explain import NativeExplanation, _grouping_matrix, _lgbm_iteration, _xgb_range
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

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(frame), self.n_outputs), dtype=float)
        # all numeric columns in one conversion: per-column pandas access costs ~50 us a column
        numeric = _numeric_matrix(frame, self.numeric_names)
        isnan = np.isnan(numeric)
        values = np.where(isnan, self.medians, numeric) if self.impute else numeric
        out[:, self.numeric_columns] = values
        missing = dict(zip(self.numeric_columns, isnan.T, strict=True))
        for block in self.blocks:
            if block.kind == "numeric":
                continue
            series = frame[block.name]
            col = block.column
            if block.name in self.cast_numeric:  # typed numeric by the artefact, str by the encoder
                codes = _category_array(pd.Series(_as_float(series)))
            else:
                codes = _category_array(series)
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


def _numeric_matrix(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """The numeric features as one float matrix; column by column only when a value is not a number."""
    if not names:
        return np.empty((len(frame), 0))
    try:
        return frame[names].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        return np.column_stack([_as_float(frame[name]) for name in names])


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
        if kind == "LogisticRegression":
            return np.asarray(model.coef_).shape[0] == 1
        if kind == "LGBMClassifier":
            params = model.booster_.params
            return model.objective_ == "binary" and float(params.get("sigmoid", 1.0)) == 1.0
        return False

    def explain(self, frame: pd.DataFrame) -> tuple[NativeExplanation, np.ndarray]:
        """(native log-odds explanation, the estimator's raw P(bad)) for ``frame``."""
        Xt = self.encoder.encode(frame)
        if self.kind == "LogisticRegression":
            phi = (self.coef * (Xt - self.mean)) @ self.grouping
            base = np.full(len(Xt), self.base)
            raw = self.model.predict_proba(Xt)[:, 1]
            return NativeExplanation(base=base, phi=phi, score=base + phi.sum(axis=1), space="log_odds"), raw
        if self.kind == "XGBClassifier":
            import xgboost as xgb

            contrib = self.booster.predict(
                xgb.DMatrix(Xt, missing=np.nan, nthread=1),
                pred_contribs=True,
                iteration_range=self.iteration_range,
            )
            raw = self.model.predict_proba(Xt)[:, 1]
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
