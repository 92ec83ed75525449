"""Turn a feature frame into the numeric matrix a model family needs, remembering where each column came from.

One small scikit-learn transformer instead of a ``ColumnTransformer``: it is saved inside the model, it
scores one row in well under a millisecond (serving calls it per request), and it records for every
output column the input feature it was derived from (``output_groups_``), which is what lets SHAP
contributions of one-hot and missing-indicator columns be summed back to the feature a person reads.

Per family (see :func:`training.families.encoder_for`):
- numeric features: median imputation plus a missing-indicator column for every feature that had
  missing values in training; or native ``NaN`` for the gradient-boosting families, which learn the
  best direction for missing values themselves; standardisation where the family needs it
  (logistic regression, the neural network);
- categorical features: one-hot (linear, neural network) or ordinal codes (trees) for low
  cardinality; smoothed, cross-fitted target encoding (scikit-learn's ``TargetEncoder``) for
  high-cardinality codes such as a state or a sector code with many levels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import TargetEncoder
from sklearn.utils.validation import check_is_fitted

#: Category value that unknown and missing categories map to.
_MISSING = "__missing__"


class FrameEncoder(TransformerMixin, BaseEstimator):
    """Encode a pandas frame of typed features into a float matrix.

    Parameters
    ----------
    feature_types:
        ``{feature: "float" | "int" | "str"}``; the order of keys is the input order.
    impute:
        Median-impute numeric features and add missing indicators (False keeps ``NaN``).
    scale:
        Standardise numeric (and one-hot) outputs to zero mean and unit variance.
    categorical:
        ``"onehot"`` or ``"ordinal"`` for low-cardinality categoricals.
    max_onehot:
        Categoricals with more levels than this are target encoded instead.
    random_state:
        Seed for the target encoder's cross-fitting.
    """

    def __init__(
        self,
        feature_types: dict[str, str] | None = None,
        impute: bool = True,
        scale: bool = False,
        categorical: str = "onehot",
        max_onehot: int = 12,
        random_state: int | None = None,
    ) -> None:
        self.feature_types = feature_types
        self.impute = impute
        self.scale = scale
        self.categorical = categorical
        self.max_onehot = max_onehot
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X: pd.DataFrame, y: np.ndarray | None = None) -> FrameEncoder:
        self._fit(X, y)
        return self

    def fit_transform(self, X: pd.DataFrame, y: np.ndarray | None = None, **_: object) -> np.ndarray:
        """Fit and transform; target encoding is cross-fitted so no row sees its own label."""
        target_cols = self._fit(X, y)
        out = self._transform(X)
        if target_cols:
            crossfit = self.target_encoder_.fit_transform(self._categorical_frame(X, target_cols), y)
            out[:, [self._target_positions_[c] for c in target_cols]] = crossfit
        if self.scale:
            out = (out - self.mean_) / self.std_
        return out

    def _fit(self, X: pd.DataFrame, y: np.ndarray | None) -> list[str]:
        types = self.feature_types or _infer_types(X)
        if self.categorical not in ("onehot", "ordinal"):
            raise ValueError(f"categorical must be 'onehot' or 'ordinal', got {self.categorical!r}")
        self.feature_names_in_ = np.asarray(list(types), dtype=object)
        self.n_features_in_ = len(types)
        self.types_ = dict(types)
        self.medians_: dict[str, float] = {}
        self.indicators_: list[str] = []
        self.categories_: dict[str, list[str]] = {}
        target_cols: list[str] = []
        for name, kind in types.items():
            if kind == "str":
                levels = _as_category(X[name]).value_counts().index.tolist()
                if len(levels) > self.max_onehot:
                    target_cols.append(name)
                else:
                    self.categories_[name] = sorted(levels)
            else:
                values = pd.to_numeric(X[name], errors="coerce").astype(float)
                median = float(values.median()) if values.notna().any() else 0.0
                self.medians_[name] = median
                if self.impute and values.isna().any():
                    self.indicators_.append(name)
        self.target_cols_ = target_cols
        if target_cols:
            if y is None:
                raise ValueError("target encoding of high-cardinality categoricals needs y")
            cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=self.random_state)
            self.target_encoder_ = TargetEncoder(target_type="binary", cv=cv)
            self.target_encoder_.fit(self._categorical_frame(X, target_cols), y)
        self._build_layout()
        self.mean_ = np.zeros(len(self.output_groups_))
        self.std_ = np.ones(len(self.output_groups_))
        if self.scale:
            raw = self._transform(X)
            self.mean_ = np.nanmean(raw, axis=0)
            std = np.nanstd(raw, axis=0)
            self.std_ = np.where(std > 1e-12, std, 1.0)
        return target_cols

    def _build_layout(self) -> None:
        """Decide the output columns once, so transform is a fixed sequence of array writes."""
        names: list[str] = []
        groups: list[str] = []
        self._target_positions_: dict[str, int] = {}
        for name, kind in self.types_.items():
            if kind != "str":
                names.append(name)
                groups.append(name)
            elif name in self.target_cols_:
                self._target_positions_[name] = len(names)
                names.append(f"{name}=target_mean")
                groups.append(name)
            elif self.categorical == "onehot":
                for level in self.categories_[name]:
                    names.append(f"{name}={level}")
                    groups.append(name)
            else:
                names.append(f"{name}=code")
                groups.append(name)
        for name in self.indicators_:
            names.append(f"{name}=missing")
            groups.append(name)
        self.output_names_ = names
        self.output_groups_ = groups

    # ------------------------------------------------------------------ transform
    def transform(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "output_groups_")
        out = self._transform(X)
        if self.scale:
            out = (out - self.mean_) / self.std_
        return out

    def _transform(self, X: pd.DataFrame) -> np.ndarray:
        """Array writes per column block; no per-row pandas work, so one row (serving's case) is cheap
        (docs/measurements.md, "Explanations and one-row scoring")."""
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ValueError(f"missing feature columns: {', '.join(missing)}")
        out = np.empty((len(X), len(self.output_groups_)), dtype=float)
        numeric_names = [name for name, kind in self.types_.items() if kind != "str"]
        block = _numeric_block(X, numeric_names)
        numeric_missing = dict(zip(numeric_names, np.isnan(block).T, strict=True))
        numeric_index = {name: i for i, name in enumerate(numeric_names)}
        col = 0
        for name, kind in self.types_.items():
            if kind != "str":
                values = block[:, numeric_index[name]]
                isnan = numeric_missing[name]
                out[:, col] = np.where(isnan, self.medians_[name], values) if self.impute else values
                col += 1
                continue
            codes = _category_array(X[name])
            if name in self.target_cols_:
                lookup, default = self._target_lookup(name)
                out[:, col] = [lookup.get(code, default) for code in codes]
                col += 1
            elif self.categorical == "onehot":
                for level in self.categories_[name]:
                    out[:, col] = codes == level
                    col += 1
            else:
                lookup = {level: float(i) for i, level in enumerate(self.categories_[name])}
                out[:, col] = [lookup.get(code, -1.0) for code in codes]
                col += 1
        for name in self.indicators_:
            out[:, col] = numeric_missing[name]
            col += 1
        return out

    def _target_lookup(self, name: str) -> tuple[dict[str, float], float]:
        """The fitted target encoding of one feature as a dict (unknown levels get the global mean)."""
        cache = self.__dict__.setdefault("_target_lookups", {})
        if name not in cache:
            i = self.target_cols_.index(name)
            encoder = self.target_encoder_
            levels = [str(level) for level in encoder.categories_[i]]
            cache[name] = (
                dict(zip(levels, map(float, encoder.encodings_[i]), strict=True)),
                float(encoder.target_mean_),
            )
        return cache[name]

    def _categorical_frame(self, X: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
        return pd.DataFrame({c: _as_category(X[c]).to_numpy() for c in cols})

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "output_names_")
        return np.asarray(self.output_names_, dtype=object)


def _numeric_block(X: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Numeric columns as one float matrix (non-numbers become NaN)."""
    if not names:
        return np.empty((len(X), 0))
    try:
        return X[names].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        return X[names].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _category_array(series: pd.Series | np.ndarray) -> np.ndarray:
    """Categorical values as a string array, missing mapped to one explicit level."""
    values = series if isinstance(series, np.ndarray) else series.to_numpy(dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = _MISSING
    return values.astype(str)


def _as_category(series: pd.Series) -> pd.Series:
    """Categorical values as strings, with missing mapped to one explicit level."""
    return series.astype("object").where(series.notna(), _MISSING).astype(str)


def _infer_types(X: pd.DataFrame) -> dict[str, str]:
    types: dict[str, str] = {}
    for name in X.columns:
        dtype = X[name].dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
            types[str(name)] = "int"
        elif pd.api.types.is_numeric_dtype(dtype):
            types[str(name)] = "float"
        else:
            types[str(name)] = "str"
    return types
