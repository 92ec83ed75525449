"""Scoring shared by the API and batch: probability, decision, explanation per entity.

Given the model and a frame of its features, one ``predict_proba`` and one ``explain`` call
cover every found row of a request; each row then gets its decision at the model's cost-optimal
threshold and its top contributions, plus the sum of the others so that ``base_value + top +
other_contributions`` is exactly the model output in the explanation's space.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from serving.model_holder import ServedModel, output_probability
from serving.prediction_log import plain_value
from training.fast_explain import FrameColumns, explain_rows


@dataclass
class EntityScore:
    """One entity's answer (the API's result item and the batch output row)."""

    entity_id: str
    status: str  # "scored" | "not_found"
    probability: float | None = None
    risk: int | None = None
    threshold: float | None = None
    explanation: dict[str, Any] | None = None
    features: dict[str, Any] = field(default_factory=dict)


def score_frame(
    model: ServedModel,
    ids: list[str],
    frame: pd.DataFrame,
    found: np.ndarray,
    top_k: int,
    records: list[dict[str, Any]] | None = None,
    matrix: np.ndarray | None = None,
) -> list[EntityScore]:
    """Score the rows of ``frame`` (one per id) whose ``found`` flag is set.

    ``records`` (optional) are the same rows as plain dicts, when the caller already has them;
    ``matrix`` (optional) the frame's values as an object matrix, which the model's compiled
    explainer reads without the frame.
    """
    results = [EntityScore(entity_id=i, status="not_found") for i in ids]
    rows = np.flatnonzero(found)
    if rows.size == 0:
        return results
    features = frame.iloc[rows] if rows.size != len(frame) else frame
    explained = None
    if matrix is not None:
        values = matrix[rows] if rows.size != len(frame) else matrix
        explained = explain_rows(model.artifact, FrameColumns.from_matrix(values, model.feature_names))
    if explained is not None:
        base_value, contrib_values = explained
        output_space = "log_odds"
        contrib_names = model.feature_names
    else:
        explanation = model.artifact.explain(features)
        base_value, output_space = explanation.base_value, explanation.output_space
        contrib_values = explanation.contributions.to_numpy(dtype=float)
        contrib_names = list(explanation.contributions.columns)
    base = np.broadcast_to(np.asarray(base_value, dtype=float).reshape(-1), (rows.size,))
    if model.proba_from_explanation:  # verified at load time to equal predict_proba
        probabilities = output_probability(base, contrib_values, output_space)
    else:
        probabilities = np.asarray(model.artifact.predict_proba(features), dtype=float).reshape(-1)
    columns = list(features.columns)
    value_columns = set(columns)
    if records is not None:
        records = [records[row] for row in rows]
    else:  # plain rows without DataFrame.to_dict, which costs about a millisecond per call
        records = [dict(zip(columns, values, strict=True)) for values in features.to_numpy(dtype=object)]
    k = max(0, min(top_k, len(contrib_names)))
    for n, row in enumerate(rows):
        values = contrib_values[n]
        order = np.argsort(-np.abs(values), kind="stable")[:k]
        top = [
            {
                "feature": contrib_names[j],
                "value": plain_value(records[n].get(contrib_names[j]))
                if contrib_names[j] in value_columns
                else None,
                "contribution": float(values[j]),
            }
            for j in order
        ]
        total = float(values.sum())
        shown = float(values[order].sum()) if k else 0.0
        probability = float(probabilities[n])
        results[row] = EntityScore(
            entity_id=ids[row],
            status="scored",
            probability=probability,
            risk=int(probability >= model.threshold),
            threshold=model.threshold,
            explanation={
                "output_space": output_space,
                "base_value": float(base[n]),
                "output_value": float(base[n]) + total,
                "top_contributions": top,
                "other_contributions": total - shown,
            },
            features={name: plain_value(value) for name, value in records[n].items()},
        )
    return results
