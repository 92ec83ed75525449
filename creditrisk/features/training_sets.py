"""Point-in-time training sets from Feast: labels as the entity frame, features as of each label.

``build_training_set("loan_default", start, end)`` reads the model's label mart, keeps the
observations in ``[start, end]`` (by ``event_timestamp``, the observation time), asks Feast for
the model's feature service as of each observation (``get_historical_features``: nothing
later than the observation time, nothing older than a view's TTL), and saves the result under
``datasets/<model>/<dataset id>/`` with a manifest. The manifest names the feature service, the
time range, rows and label rate, and fingerprints the source marts, so a set can be rebuilt
and compared (same fingerprint and ``frame_sha256`` = same data).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from creditrisk.errors import DataError
from creditrisk.features.online import service_layout
from creditrisk.features.store import get_feature_store, require_applied
from creditrisk.model_specs import REQUEST_TIME_FIELD, ModelSpec, get_model_spec
from creditrisk.settings import Settings, get_settings

FRAME_FILE = "training_set.parquet"
MANIFEST_FILE = "manifest.json"
_ROW = "__row_order"


@dataclass
class TrainingSet:
    """A built training set: the frame, its manifest and the folder both are saved in.

    ``frame`` columns: entity key, ``event_timestamp`` (observation time, UTC), the label
    table's extra columns (``observation_month`` / ``period_end_date``), the label, then the
    feature service's features in service order. Duplicate (key, time) rows are kept.
    """

    frame: pd.DataFrame
    manifest: dict
    path: Path

    @property
    def feature_names(self) -> list[str]:
        return list(self.manifest["features"])


def _to_utc(value: str | date | datetime | pd.Timestamp | None) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataError(f"not a date or time: {value!r}") from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _file_sha256(path: Path) -> str:
    """A mart's content hash: one Parquet file, or a folder of part files (Spark's marts)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.suffix == ".parquet") if path.is_dir() else [path]
    for file in files:
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def read_labels(spec: ModelSpec, settings: Settings) -> pd.DataFrame:
    """The label mart, checked for the columns the contract promises."""
    path = settings.marts_dir / f"{spec.label_mart}.parquet"
    if not path.exists():
        raise DataError(f"label mart not found: {path}; run `creditrisk warehouse build` first")
    labels = pd.read_parquet(path)
    wanted = [spec.entity_key, "event_timestamp", *spec.label_extra_columns, spec.label_column]
    missing = [c for c in wanted if c not in labels.columns]
    if missing:
        raise DataError(f"{path.name} lacks columns {', '.join(missing)}")
    labels = labels[wanted].copy()
    labels["event_timestamp"] = pd.to_datetime(labels["event_timestamp"], utc=True)
    return labels


def _source_files(store, spec: ModelSpec, settings: Settings) -> dict[str, Path]:
    files = {spec.label_mart: settings.marts_dir / f"{spec.label_mart}.parquet"}
    for view in service_layout(store, spec.feature_service).stored:
        path = Path(store.get_feature_view(view).batch_source.path)
        files[path.stem] = path
    return dict(sorted(files.items()))


def frame_sha256(frame: pd.DataFrame) -> str:
    """A content hash of a frame (values and column names, in order)."""
    values = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(values.tobytes() + json.dumps(list(frame.columns)).encode()).hexdigest()


def build_training_set(
    model: str,
    start: str | date | datetime | None = None,
    end: str | date | datetime | None = None,
    settings: Settings | None = None,
) -> TrainingSet:
    """Build, save and return the point-in-time training set of ``model`` (see module doc).

    ``start``/``end`` bound the observation time (inclusive; naive values are UTC); by default
    every labelled observation is used.
    """
    settings = settings or get_settings()
    spec = get_model_spec(model)
    require_applied(settings)
    start_ts, end_ts = _to_utc(start), _to_utc(end)
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise DataError(f"start {start_ts} is after end {end_ts}")
    labels = read_labels(spec, settings)
    if start_ts is not None:
        labels = labels[labels["event_timestamp"] >= start_ts]
    if end_ts is not None:
        labels = labels[labels["event_timestamp"] <= end_ts]
    if labels.empty:
        raise DataError(f"no labelled observations for {model} between {start_ts} and {end_ts}")

    store = get_feature_store(settings)
    features = service_layout(store, spec.feature_service).features
    # The label table's extra columns ride along under a private name: a feature view may have a
    # field of the same name (company_financials.period_end_date), which Feast would not allow.
    carried = {c: f"__label__{c}" for c in spec.label_extra_columns}
    entity_df = labels.rename(columns=carried).reset_index(drop=True)
    entity_df[_ROW] = range(len(entity_df))
    entity_df[REQUEST_TIME_FIELD] = entity_df["event_timestamp"]
    retrieved = store.get_historical_features(
        entity_df=entity_df, features=store.get_feature_service(spec.feature_service)
    ).to_df()
    retrieved = retrieved.sort_values(_ROW, kind="stable").reset_index(drop=True)
    retrieved = retrieved.drop(columns=list(carried), errors="ignore")
    retrieved = retrieved.rename(columns={v: k for k, v in carried.items()})
    columns = [spec.entity_key, "event_timestamp", *spec.label_extra_columns, spec.label_column, *features]
    frame = retrieved[columns].copy()
    frame["event_timestamp"] = pd.to_datetime(frame["event_timestamp"], utc=True)

    sources = {
        name: {"path": str(path), "sha256": _file_sha256(path)}
        for name, path in _source_files(store, spec, settings).items()
    }
    source_fingerprint = hashlib.sha256(
        json.dumps({k: v["sha256"] for k, v in sources.items()}, sort_keys=True).encode()
    ).hexdigest()
    request = {
        "model": model,
        "feature_service": spec.feature_service,
        "features": features,
        "start": start_ts.isoformat() if start_ts is not None else None,
        "end": end_ts.isoformat() if end_ts is not None else None,
        "source_fingerprint": source_fingerprint,
    }
    dataset_id = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:16]
    positives = int(frame[spec.label_column].sum())
    manifest = {
        **request,
        "dataset_id": dataset_id,
        "entity_key": spec.entity_key,
        "label": spec.label_column,
        "label_extra_columns": list(spec.label_extra_columns),
        "observed_start": frame["event_timestamp"].min().isoformat(),
        "observed_end": frame["event_timestamp"].max().isoformat(),
        "rows": len(frame),
        "entities": int(frame[spec.entity_key].nunique()),
        "positives": positives,
        "label_rate": positives / len(frame),
        "frame_sha256": frame_sha256(frame),
        "sources": sources,
        "offline_store": settings.offline_store,
        "feast_version": _feast_version(),
        "created_at": datetime.now(UTC).isoformat(),
    }
    path = settings.datasets_dir / model / dataset_id
    path.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path / FRAME_FILE, index=False)
    (path / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
    return TrainingSet(frame=frame, manifest=manifest, path=path)


def read_training_set(path: str | Path) -> TrainingSet:
    """A training set saved by :func:`build_training_set`."""
    path = Path(path)
    if not (path / MANIFEST_FILE).exists():
        raise DataError(f"no training set at {path} (missing {MANIFEST_FILE})")
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    return TrainingSet(frame=pd.read_parquet(path / FRAME_FILE), manifest=manifest, path=path)


def _feast_version() -> str:
    from importlib.metadata import version

    return version("feast")
