"""One measured run of one offline store, in its own process (see ``bench_offline_store.py``).

Run as ``python -m benchmarks._offline_store_worker '<json spec>'``; prints one JSON line with
the timed seconds (wall, and CPU of all threads), this process's peak RSS right after the
timed call, and a digest of the result so the parent can check both stores returned the same
rows. A separate process per
run keeps one store's memory out of the other's figure and lets the parent kill a run that
grows past the memory cap.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.harness import peak_rss_mb

BASE_TIME = datetime(2015, 1, 1, tzinfo=UTC)
FEATURE_TTL = timedelta(days=92)
#: The narrow view's features and their types ("float64" or "int64").
NARROW_FIELDS = [
    ("balance", "float64"),
    ("rate", "float64"),
    ("months_delinquent", "float64"),
    ("ltv", "float64"),
    ("dti", "float64"),
    ("payments_made", "int64"),
]
FEATURES = [name for name, _ in NARROW_FIELDS]
MART_SCHEMAS = Path(__file__).resolve().parents[1] / "feature_repo" / "mart_schemas.py"


def mart_fields() -> list[tuple[str, str]]:
    """Names and types of the project's loan-month mart features (``feat_loan_monthly_performance``).

    Read from the generated ``feature_repo/mart_schemas.py`` so the wide bench case keeps the
    real view's width (34 features) as the mart grows; the file is not a package, hence the
    load by path.
    """
    from feast.types import Float64, Int64

    spec = importlib.util.spec_from_file_location("_bench_mart_schemas", MART_SCHEMAS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    kinds = {Float64: "float64", Int64: "int64"}
    fields = []
    for field in module.FEAT_LOAN_MONTHLY_PERFORMANCE_FEATURES:
        if field.dtype not in kinds:
            raise ValueError(f"bench cannot generate {field.name}: type {field.dtype} not supported")
        fields.append((field.name, kinds[field.dtype]))
    return fields


def view_fields(width: str) -> list[tuple[str, str]]:
    """``narrow``: the six-feature view; ``mart``: the loan-month mart's own features."""
    return mart_fields() if width == "mart" else NARROW_FIELDS


def definitions(
    feature_path: str, ttl: timedelta = FEATURE_TTL, fields: list[tuple[str, str]] = NARROW_FIELDS
) -> list:
    """A loan-month feature view like the project's performance mart: monthly rows, 92-day TTL.

    A long ``ttl`` (the project's origination view uses 41 years) makes every older row of a
    loan visible, which is what the built-in store's inequality join pays for.
    """
    from feast import Entity, FeatureView, Field, FileSource
    from feast.types import Float64, Int64, String
    from feast.value_type import ValueType

    types = {"float64": Float64, "int64": Int64}
    loan = Entity(name="loan", join_keys=["loan_id"], value_type=ValueType.STRING)
    view = FeatureView(
        name="loan_monthly",
        entities=[loan],
        ttl=ttl,  # default: a monthly series may be three months stale at most
        schema=[
            Field(name="loan_id", dtype=String),
            *[Field(name=name, dtype=types[kind]) for name, kind in fields],
        ],
        source=FileSource(
            name="loan_monthly_source",
            path=feature_path,
            timestamp_field="event_timestamp",
            created_timestamp_column="created_timestamp",
        ),
    )
    return [loan, view]


def feature_store(repo_dir: Path, offline_type: str, pull_latest: bool, batch_engine: str = "local"):
    from feast import FeatureStore, RepoConfig

    config = RepoConfig(
        batch_engine={"type": batch_engine},
        project="bench",
        registry=str(repo_dir / "registry.db"),
        provider="local",
        offline_store={"type": offline_type},
        online_store={"type": "sqlite", "path": str(repo_dir / "online.db")},
        entity_key_serialization_version=3,
        repo_path=str(repo_dir),
        materialization={"pull_latest_features": pull_latest},
    )
    return FeatureStore(config=config)


def cpu_seconds() -> float:
    """User + system CPU of this process so far, all threads (DuckDB's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def historical(spec: dict) -> dict:
    import pandas as pd

    store = feature_store(Path(spec["repo_dir"]), spec["offline_type"], False)
    fields = view_fields(spec.get("width", "narrow"))
    ttl = timedelta(days=spec.get("ttl_days", FEATURE_TTL.days))
    store.apply(definitions(spec["feature_path"], ttl, fields))
    entity_df = pd.read_parquet(spec["entity_path"])
    features = [f"loan_monthly:{name}" for name, _ in fields]
    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = store.get_historical_features(entity_df=entity_df, features=features).to_df()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    peak = peak_rss_mb()
    # Columns by name, then rows: the digest must not depend on either order.
    result = result[sorted(result.columns)]
    ordered = result.sort_values(list(result.columns), kind="mergesort").reset_index(drop=True)
    digest = int(pd.util.hash_pandas_object(ordered, index=False).sum())
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mb": peak,
        "rows": len(result),
        "columns": len(result.columns),
        "digest": digest,
    }


def materialize(spec: dict) -> dict:
    """Time ``materialize`` and split it where the output node (the online write) starts."""
    import pandas as pd
    from feast.infra.compute_engines.local import nodes

    from creditrisk.feast_asof.engine import FastOutputNode

    store = feature_store(
        Path(spec["repo_dir"]), spec["offline_type"], spec["pull_latest"], spec.get("batch_engine", "local")
    )
    store.apply(definitions(spec["feature_path"]))
    end = datetime.fromisoformat(spec["end"])
    write_started: list[float] = []

    def timed(original):  # type: ignore[no-untyped-def]
        def execute(self, context):  # type: ignore[no-untyped-def]
            write_started.append(time.perf_counter())
            return original(self, context)

        return execute

    # The output node (Feast's or the ASOF engine's) starts the online write.
    for node_class in (nodes.LocalOutputNode, FastOutputNode):
        node_class.execute = timed(node_class.execute)  # type: ignore[method-assign]
    started, cpu_started = time.perf_counter(), cpu_seconds()
    store.materialize(start_date=BASE_TIME - timedelta(days=1), end_date=end)
    finished, cpu = time.perf_counter(), cpu_seconds() - cpu_started
    peak = peak_rss_mb()
    ids = [f"L{i:09d}" for i in range(0, spec["entities"], max(1, spec["entities"] // 1000))]
    online = store.get_online_features(
        features=[f"loan_monthly:{name}" for name in FEATURES], entity_rows=[{"loan_id": i} for i in ids]
    ).to_df()
    # Feast orders online columns by a set (differs per process): hash them in name order.
    online = online[sorted(online.columns)]
    digest = int(pd.util.hash_pandas_object(online, index=False).sum())
    return {
        "seconds": finished - started,
        "cpu_seconds": cpu,
        "offline_seconds": write_started[0] - started,
        "online_write_seconds": finished - write_started[0],
        "peak_rss_mb": peak,
        "rows": len(online),
        "digest": digest,
    }


def main(argv: list[str]) -> int:
    from creditrisk.telemetry import disable_telemetry

    disable_telemetry()
    spec = json.loads(argv[0])
    outcome = historical(spec) if spec["mode"] == "historical" else materialize(spec)
    print(json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
