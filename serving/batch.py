"""Batch scoring: point-in-time features from the offline store, then the same scoring as the API.

``creditrisk score --model loan_default --input ids.parquet --as-of 2024-06-30 --out scores.parquet``
builds an entity frame (ids + the as-of timestamp), asks Feast's ``get_historical_features``
for the model's feature service, so every id sees only what was known at the as-of time, and
scores in chunks. Rows carry the same fields as an API result (status, risk, probability,
threshold, explanation, model name and version).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditrisk.errors import DataError
from creditrisk.settings import Settings
from serving.errors import FeatureStoreUnavailableError
from serving.model_holder import ServedModel
from serving.scoring import EntityScore, score_frame

ROW_ID = "__creditrisk_row"

CONTRIBUTION_TYPE = pa.struct(
    [("feature", pa.string()), ("value", pa.string()), ("contribution", pa.float64())]
)
OUTPUT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("as_of", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),
        ("risk", pa.int64()),
        ("probability", pa.float64()),
        ("threshold", pa.float64()),
        ("output_space", pa.string()),
        ("base_value", pa.float64()),
        ("output_value", pa.float64()),
        ("top_contributions", pa.list_(CONTRIBUTION_TYPE)),
        ("other_contributions", pa.float64()),
        ("model_name", pa.string()),
        ("model_version", pa.string()),
        ("features", pa.string()),
    ]
)


@dataclass
class BatchSummary:
    rows: int
    scored: int
    not_found: int
    high_risk: int
    out: Path
    model: str
    version: str


def read_ids(path: Path, entity_key: str) -> pd.DataFrame:
    """Ids (and optional per-row ``as_of``) from Parquet or CSV; the id column is the model's
    entity key, ``id``, or the file's only column."""
    if not path.exists():
        raise DataError(f"input file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif suffix == ".csv":
        frame = pd.read_csv(path, dtype=str)
    else:
        raise DataError(f"input {path} must be .parquet or .csv")
    column = next((c for c in (entity_key, "id") if c in frame.columns), None)
    if column is None and len(frame.columns) == 1:
        column = frame.columns[0]
    if column is None:
        raise DataError(f"input {path} needs a '{entity_key}' or 'id' column; has {list(frame.columns)}")
    ids = frame[column].astype("string").str.strip()
    if ids.isna().any() or (ids == "").any():
        bad = int((ids.isna() | (ids == "")).to_numpy().argmax())
        raise DataError(f"input {path}: empty id in row {bad}")
    out = pd.DataFrame({"id": ids.astype(str)})
    if "as_of" in frame.columns:
        out["as_of"] = pd.to_datetime(frame["as_of"], utc=True)
    return out


def parse_as_of(value: str | None) -> datetime:
    """``--as-of`` as an aware UTC timestamp (naive input is read as UTC); default now."""
    if value is None:
        return datetime.now(UTC)
    try:
        stamp = pd.Timestamp(value)
    except ValueError as exc:
        raise DataError(
            f"--as-of '{value}' is not a timestamp (e.g. 2024-06-30 or 2024-06-30T12:00Z)"
        ) from exc
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def historical_features(
    settings: Settings, model: ServedModel, ids: list[str], as_of: pd.Series
) -> tuple[pd.DataFrame, np.ndarray]:
    """Point-in-time features for (id, as_of) pairs, rows in input order, plus a found flag."""
    from creditrisk.features import get_feature_store
    from creditrisk.model_specs import REQUEST_TIME_FIELD

    entity_df = pd.DataFrame(
        {model.entity_key: ids, "event_timestamp": as_of.to_numpy(), ROW_ID: np.arange(len(ids))}
    )
    entity_df["event_timestamp"] = pd.to_datetime(entity_df["event_timestamp"], utc=True)
    # On-demand features age stored values to the decision time, which here is the as-of time.
    entity_df[REQUEST_TIME_FIELD] = entity_df["event_timestamp"]
    try:
        store = get_feature_store(settings)
        service = store.get_feature_service(model.feature_service)
        got = store.get_historical_features(entity_df=entity_df, features=service).to_df()
    except Exception as exc:
        raise FeatureStoreUnavailableError(f"offline store query failed: {exc}") from exc
    got = got.sort_values(ROW_ID).set_index(ROW_ID).reindex(np.arange(len(ids)))
    missing = [c for c in model.feature_names if c not in got.columns]
    if missing:
        raise FeatureStoreUnavailableError(f"feature service {model.feature_service} lacks {missing}")
    frame = got[model.feature_names].reset_index(drop=True)
    return frame, frame.notna().any(axis=1).to_numpy()


def _rows(scores: list[EntityScore], as_of: pd.Series, model: ServedModel) -> list[dict[str, Any]]:
    rows = []
    for score, stamp in zip(scores, as_of, strict=True):
        explanation = score.explanation or {}
        rows.append(
            {
                "id": score.entity_id,
                "as_of": pd.Timestamp(stamp).to_pydatetime(),
                "status": score.status,
                "risk": score.risk,
                "probability": score.probability,
                "threshold": score.threshold,
                "output_space": explanation.get("output_space"),
                "base_value": explanation.get("base_value"),
                "output_value": explanation.get("output_value"),
                "top_contributions": [
                    {**c, "value": None if c["value"] is None else str(c["value"])}
                    for c in explanation.get("top_contributions", [])
                ],
                "other_contributions": explanation.get("other_contributions"),
                "model_name": model.name,
                "model_version": model.version,
                "features": json.dumps(score.features, default=str) if score.features else None,
            }
        )
    return rows


def score_batch(
    settings: Settings,
    model: ServedModel,
    ids: pd.DataFrame,
    out: Path,
    as_of: datetime,
    chunk_size: int = 5_000,
    on_chunk: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Score every id at its as-of time in chunks and write one Parquet file."""
    stamps = ids["as_of"] if "as_of" in ids.columns else pd.Series([as_of] * len(ids))
    stamps = pd.to_datetime(stamps, utc=True).reset_index(drop=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    counts = {"scored": 0, "not_found": 0, "high": 0}
    with pq.ParquetWriter(tmp, OUTPUT_SCHEMA) as writer:
        for start in range(0, len(ids), chunk_size):
            chunk_ids = ids["id"].iloc[start : start + chunk_size].tolist()
            chunk_as_of = stamps.iloc[start : start + chunk_size].reset_index(drop=True)
            frame, found = historical_features(settings, model, chunk_ids, chunk_as_of)
            scores = score_frame(model, chunk_ids, frame, found, settings.explain_top_k)
            writer.write_table(pa.Table.from_pylist(_rows(scores, chunk_as_of, model), schema=OUTPUT_SCHEMA))
            counts["scored"] += int(found.sum())
            counts["not_found"] += int((~found).sum())
            counts["high"] += sum(1 for s in scores if s.risk == 1)
            if on_chunk:
                on_chunk(len(chunk_ids))
    tmp.replace(out)
    return BatchSummary(
        rows=len(ids),
        scored=counts["scored"],
        not_found=counts["not_found"],
        high_risk=counts["high"],
        out=out,
        model=model.name,
        version=model.version,
    )
