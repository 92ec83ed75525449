"""Caller-supplied features checked against the model's input schema, errors naming the field.

The schema is the model's own (``feature_names`` and ``feature_types``, docs/contracts.md
section 4): every feature present, nothing extra, numbers where numbers are expected. A
violation is a FastAPI ``RequestValidationError`` whose ``loc`` is
``["body", "rows", i, "features", name]``, so the 422 names the row and the field.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from fastapi.exceptions import RequestValidationError

from serving.model_holder import ServedModel


def _type_error(kind: str, value: Any) -> str | None:
    if value is None:
        return None
    if kind in ("float", "int"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, got {type(value).__name__}"
        try:
            finite = math.isfinite(float(value))
        except OverflowError:
            finite = False
        if not finite:
            return "expected a finite number"
        if kind == "int" and isinstance(value, float) and not value.is_integer():
            return "expected an integer"
        return None
    if kind == "str" and not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    return None


def validate_rows(model: ServedModel, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every schema violation, as FastAPI-style error dicts (empty when the rows are valid)."""
    expected = model.feature_types
    errors: list[dict[str, Any]] = []
    for i, features in enumerate(rows):
        base = ("body", "rows", i, "features")
        for name in model.feature_names:
            if name not in features:
                errors.append(
                    {"type": "missing", "loc": (*base, name), "msg": "Field required", "input": None}
                )
            elif (problem := _type_error(expected.get(name, "float"), features[name])) is not None:
                errors.append(
                    {"type": "type_error", "loc": (*base, name), "msg": problem, "input": features[name]}
                )
        for name in features.keys() - set(model.feature_names):
            errors.append(
                {
                    "type": "extra_forbidden",
                    "loc": (*base, name),
                    "msg": "not a feature of this model",
                    "input": features[name],
                }
            )
    return errors


def rows_to_frame(model: ServedModel, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Validated rows as a frame in the model's feature order and dtypes (422 when invalid)."""
    errors = validate_rows(model, rows)
    if errors:
        raise RequestValidationError(errors)
    frame = pd.DataFrame.from_records(rows, columns=model.feature_names)
    for name, kind in model.feature_types.items():
        if name in frame.columns and kind in ("float", "int"):
            frame[name] = frame[name].astype(float) if kind == "float" else _int_column(frame[name])
        elif name in frame.columns:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame


def _int_column(column: pd.Series) -> pd.Series:
    if column.isna().any():
        return column.astype(float)
    return column.astype(np.int64)
