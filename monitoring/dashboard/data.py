"""The dashboard's numbers, from the prediction log's Parquet files (never the warehouse).

A :class:`PortfolioCache` keeps the window's scores of one model in memory and reloads them when
the log's head (``_head.json``, rewritten on every flush) changes, so a page view costs a
group-by on a frame, not a scan of the log. Only the segment columns are kept from each record's
features; one entity's full records are read on demand with a filter on ``entity_id``.

Segments: the loan vintage (origination quarter, from the Freddie Mac loan id ``F<YY>Q<n>...``),
``property_state`` and ``channel`` for loans; ``sector`` for companies.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

from monitoring.sources import features_frame, read_log

SEGMENTS: dict[str, tuple[str, ...]] = {
    "loan_default": ("vintage", "property_state", "channel"),
    "company_bankruptcy": ("sector",),
}
_VINTAGE = r"^F(\d{2})Q([1-4])"


def segments_of(model: str) -> tuple[str, ...]:
    return SEGMENTS.get(model, ())


def vintage(entity_ids: pd.Series) -> pd.Series:
    """Origination quarter from a Freddie Mac loan id (``F18Q1...`` -> ``2018Q1``), else ``unknown``."""
    parts = entity_ids.astype(str).str.extract(_VINTAGE)
    out = "20" + parts[0] + "Q" + parts[1]
    return out.fillna("unknown")


@dataclass
class Portfolio:
    """Every logged score of one model in the window, and the latest score per entity."""

    model: str
    start: datetime
    end: datetime
    scores: pd.DataFrame  # scored_at, entity_id, model_version, probability, decision, threshold, segments
    latest: pd.DataFrame

    @property
    def empty(self) -> bool:
        return self.scores.empty

    def over_time(self) -> tuple[pd.DataFrame, str, float]:
        """Per day (per hour when the scores span under two days): scores, share flagged, mean
        probability; the chart's title and the bucket's width in milliseconds."""
        span = self.scores["scored_at"].max() - self.scores["scored_at"].min()
        unit, title = (
            ("h", "Scores and share flagged per hour")
            if span < pd.Timedelta(days=2)
            else ("D", "Scores and share flagged per day")
        )
        frame = self.scores.assign(day=self.scores["scored_at"].dt.floor(unit))
        grouped = frame.groupby("day", sort=True)
        table = pd.DataFrame(
            {
                "scores": grouped.size(),
                "flagged": grouped["decision"].mean(),
                "mean_probability": grouped["probability"].mean(),
            }
        ).reset_index()
        return table, title, pd.Timedelta(1, unit=unit).total_seconds() * 1000

    def by_segment(self, segment: str) -> pd.DataFrame:
        """Per value of ``segment`` (latest score per entity): entities, share flagged, mean probability."""
        grouped = self.latest.groupby(segment, sort=True, dropna=False)
        table = pd.DataFrame(
            {
                "entities": grouped.size(),
                "flagged": grouped["decision"].mean(),
                "mean_probability": grouped["probability"].mean(),
            }
        ).reset_index(names="value")
        table["value"] = table["value"].fillna("unknown").astype(str)
        return table

    def segment_entities(self, segment: str, value: str) -> pd.DataFrame:
        """The entities whose latest score falls in ``segment == value``, riskiest first."""
        rows = self.latest[self.latest[segment].fillna("unknown").astype(str) == value]
        counts = self.scores.groupby("entity_id").size().rename("scores")
        return (
            rows.join(counts, on="entity_id")
            .sort_values("probability", ascending=False, kind="stable")
            .reset_index(drop=True)
        )

    def versions(self) -> pd.DataFrame:
        """Model versions seen in the window: scores, first and last use, share flagged."""
        grouped = self.scores.groupby("model_version")
        return pd.DataFrame(
            {
                "scores": grouped.size(),
                "first_scored": grouped["scored_at"].min(),
                "last_scored": grouped["scored_at"].max(),
                "flagged": grouped["decision"].mean(),
            }
        ).reset_index()


def load_portfolio(log_dir: Path, model: str, days: float, now: datetime | None = None) -> Portfolio:
    """The window's scores of ``model`` with the segment columns parsed from the logged features."""
    end = now or datetime.now(UTC)
    start = end - timedelta(days=days)
    log = read_log(log_dir, model, start, end)
    segments = [s for s in segments_of(model) if s != "vintage"]
    scores = log.drop(columns="features")
    if segments:
        parsed = features_frame(log["features"], segments)
        for name in segments:
            scores[name] = parsed[name].astype("string").to_numpy()
    if "vintage" in segments_of(model):
        scores["vintage"] = vintage(scores["entity_id"]).to_numpy()
    latest = scores.drop_duplicates("entity_id", keep="last").reset_index(drop=True)
    return Portfolio(model, start, end, scores, latest)


class PortfolioCache:
    """Portfolios by (model, days), reloaded when the log's head file changes or after ``max_age``."""

    def __init__(self, log_dir: Path, max_age: float = 60.0) -> None:
        self.log_dir = log_dir
        self.max_age = max_age
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, float], tuple[float, float, Portfolio]] = {}

    def _head_stamp(self) -> float:
        try:
            return (self.log_dir / "_head.json").stat().st_mtime_ns / 1e9
        except OSError:
            return 0.0

    def get(self, model: str, days: float) -> Portfolio:
        stamp, now = self._head_stamp(), time.monotonic()
        with self._lock:
            entry = self._entries.get((model, days))
            if entry and entry[0] == stamp and now - entry[1] < self.max_age:
                return entry[2]
        portfolio = load_portfolio(self.log_dir, model, days)
        with self._lock:
            self._entries[(model, days)] = (stamp, now, portfolio)
        return portfolio


def entity_records(log_dir: Path, model: str, entity_id: str) -> pd.DataFrame:
    """Every logged record of one entity (all days), oldest first, with its features as a dict."""
    files = sorted(str(p) for p in log_dir.glob("date=*/part-*.parquet"))
    if not files:
        return pd.DataFrame()
    dataset = ds.dataset(files, format="parquet")
    table = dataset.to_table(
        columns=[
            "scored_at",
            "model_version",
            "features",
            "probability",
            "decision",
            "threshold",
            "request_id",
        ],
        filter=(ds.field("entity_id") == entity_id) & (ds.field("model_name") == model),
    )
    frame = table.to_pandas().sort_values("scored_at", kind="stable").reset_index(drop=True)
    frame["features"] = [json.loads(text) for text in frame["features"]]
    return frame


def latest_feature_frame(records: pd.DataFrame, feature_names: list[str]) -> pd.DataFrame:
    """The last record's features as a one-row frame in the model's column order."""
    features = records["features"].iloc[-1]
    return pd.DataFrame([{name: features.get(name, np.nan) for name in feature_names}])
