"""The model artefact serving loads: preprocessing, model, calibration, threshold and explainer in one object.

Serving loads it with ``mlflow.pyfunc.load_model("models:/<name>@<alias>").unwrap_python_model()`` and
relies only on the attributes and methods pinned in ``docs/contracts.md`` section 4. Everything a
prediction needs travels inside the object (the fitted ``FrameEncoder`` pipeline, the calibrator, a
small background sample for the explainers), so a served model cannot drift from the trained one.

Explanations (``explain``) are exact SHAP values summed back to the input features. By default they are
in the log-odds of the *calibrated* probability: ``base_value + contributions.sum(axis=1)`` equals
``logit(predict_proba(frame))``; ask for ``output_space="probability"`` to get contributions that add up
to the probability itself. See :mod:`training.explain` for how each family is explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd

from creditrisk.errors import DataError
from training.calibration import Calibrator, expit, logit
from training.explain import NativeExplanation, explain_estimator, rescale
from training.fast_explain import MAX_FAST_ROWS, FastExplainer, FastVoteExplainer, fast_explainer_for

#: Name of the column that collects the contributions outside a row's top-k.
OTHER_COLUMN = "_other"


@dataclass
class Explanation:
    """Per-row SHAP values: ``base_value + contributions.sum(axis=1)`` is the output in ``output_space``."""

    base_value: np.ndarray
    contributions: pd.DataFrame
    output_space: str


class CreditRiskModel(mlflow.pyfunc.PythonModel):
    """A calibrated credit-risk classifier with its input schema, threshold and explainer."""

    def __init__(
        self,
        *,
        model_name: str,
        feature_service: str,
        entity_key: str,
        feature_names: list[str],
        feature_types: dict[str, str],
        estimator: Any,
        calibrator: Calibrator,
        threshold: float,
        cost_ratio: float,
        background: pd.DataFrame,
        family: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.model_name = model_name
        self.feature_service = feature_service
        self.entity_key = entity_key
        self.feature_names = list(feature_names)
        self.feature_types = dict(feature_types)
        self.estimator = estimator
        self.calibrator = calibrator
        self.threshold = float(threshold)
        self.cost_ratio = float(cost_ratio)
        self.background = background[self.feature_names].reset_index(drop=True)
        self.family = family
        self.metadata = dict(metadata or {})
        self._cache: dict[str, Any] = {}

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = {}  # explainers are rebuilt lazily; they are large and cheap to rebuild
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = {}
        self._fast_explainer()  # compiled once, when serving loads the model, not per request

    def _fast_explainer(self) -> FastExplainer | FastVoteExplainer | None:
        """The compiled small-frame explainer (boosted trees, logistic regression, random forest
        and the soft vote of them; None for the neural network alone)."""
        if "fast" not in self._cache:
            self._cache["fast"] = fast_explainer_for(
                self.estimator, self.feature_types, self.background, self.prepare
            )
        return self._cache["fast"]

    # ------------------------------------------------------------------ scoring
    def _require_columns(self, frame: pd.DataFrame) -> None:
        missing = [name for name in self.feature_names if name not in frame.columns]
        if missing:
            raise DataError(f"{self.model_name}: missing feature columns: {', '.join(missing)}")

    def prepare(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model's input columns in order and type; a missing column is a clear error."""
        self._require_columns(frame)
        out = frame[self.feature_names].copy()
        numeric = [name for name in self.feature_names if self.feature_types.get(name) != "str"]
        try:
            out[numeric] = out[numeric].astype(float)
        except (TypeError, ValueError):
            out[numeric] = out[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
        return out

    def raw_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """The family's uncalibrated P(bad) (what the calibrator was fitted on)."""
        fast = self._fast_explainer() if len(frame) <= MAX_FAST_ROWS else None
        if fast is not None:  # the same encoded matrix the pipeline would build, without pandas copies
            self._require_columns(frame)
            return fast.raw_proba(frame)
        return self.estimator.predict_proba(self.prepare(frame))[:, 1]

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated P(bad), one per row."""
        return self.calibrator.transform(self.raw_proba(frame))

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> Any:
        """pyfunc entry point: calibrated probabilities (``mlflow models serve`` and ``pyfunc.predict``)."""
        return self.predict_proba(pd.DataFrame(model_input))

    def decide(self, frame: pd.DataFrame) -> np.ndarray:
        """1 where the calibrated probability reaches the cost-optimal threshold."""
        return (self.predict_proba(frame) >= self.threshold).astype(int)

    # ------------------------------------------------------------------ explanations
    def explain(
        self, frame: pd.DataFrame, top_k: int | None = None, output_space: str = "log_odds"
    ) -> Explanation:
        """Exact, additive SHAP contributions per input feature (see the module docstring)."""
        if output_space not in ("log_odds", "probability"):
            raise ValueError("output_space must be 'log_odds' or 'probability'")
        fast = self._fast_explainer() if len(frame) <= MAX_FAST_ROWS else None
        if fast is not None:
            self._require_columns(frame)
            native, raw = fast.explain(frame)
        else:
            prepared = self.prepare(frame)
            native = explain_estimator(self.estimator, prepared, self.background, self._cache)
            raw = self.estimator.predict_proba(prepared)[:, 1]
        base, phi = self._calibrated(native, raw, output_space)
        contributions = pd.DataFrame(phi, columns=self.feature_names, index=frame.index)
        if top_k is not None:
            contributions = keep_top_k(contributions, top_k)
        return Explanation(base_value=base, contributions=contributions, output_space=output_space)

    def _calibrated(
        self, native: NativeExplanation, raw: np.ndarray, output_space: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Native contributions carried through the calibrator into ``output_space`` (exactly additive)."""
        to_prob = expit if native.space == "log_odds" else np.asarray
        proba = self.calibrator.transform(raw)

        def to_output(values: np.ndarray) -> np.ndarray:
            calibrated = self.calibrator.transform(to_prob(values))
            return logit(calibrated) if output_space == "log_odds" else calibrated

        new_score = logit(proba) if output_space == "log_odds" else proba
        return rescale(native, to_output(native.base), new_score, to_output)


def keep_top_k(contributions: pd.DataFrame, top_k: int) -> pd.DataFrame:
    """Each row's ``top_k`` largest contributions by size; the rest summed into ``_other`` (additivity kept).

    Columns are the union of the rows' top features, largest mean size first; a feature outside one
    row's top-k is 0 in that row and counted in its ``_other``.
    """
    values = contributions.to_numpy()
    order = np.argsort(-np.abs(values), axis=1)[:, :top_k]
    keep = np.zeros_like(values, dtype=bool)
    np.put_along_axis(keep, order, True, axis=1)
    kept = np.where(keep, values, 0.0)
    columns = np.flatnonzero(keep.any(axis=0))
    columns = columns[np.argsort(-np.abs(kept[:, columns]).mean(axis=0), kind="stable")]
    other = np.where(keep, 0.0, values).sum(axis=1)
    names = [*contributions.columns[columns], OTHER_COLUMN]
    # one constructor call: inserting the _other column afterwards costs more than the rest
    out = pd.DataFrame(np.column_stack([kept[:, columns], other]), columns=names, index=contributions.index)
    return out
