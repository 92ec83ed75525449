"""Feast on the marts: historical retrieval, materialisation and online lookups.

Synthetic marts with every column of the dbt YAML (random values, real shapes): ``loans``
loans, one performance row per loan and month. Each figure is compared with Feast's own
number measured in the same run:

- historical retrieval of the ``loan_default_v1`` service (``build_training_set``'s path,
  through the configured offline store) vs Feast's built-in ``duckdb`` offline store;
- materialisation with ``creditrisk.features.materialize`` (first run, no --start) vs Feast's
  ``FeatureStore.materialize`` over the same range, for SQLite and Redis;
- online lookup p50/p99 of ``online_features`` (in-process, 1 and 100 loans) vs ``feast serve``
  over HTTP (httpx, loopback) on the same online store; Feast's raw in-process
  ``get_online_features`` is reported in the notes.

Scale ``full``: 100k loans x 60 months = 6M performance rows, 100k entity rows. ``small``:
2k loans x 12 months, 2k entity rows.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.harness import BenchContext, Measurement, peak_rss_mb, timed
from creditrisk.features.config import render_yaml
from creditrisk.features.schema import load_marts
from creditrisk.settings import Settings

NAME = "features"
START = datetime(2015, 1, 1, tzinfo=UTC)
ARROW = {
    "DOUBLE": pa.float64(),
    "BIGINT": pa.int64(),
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
}


def _month(i: int) -> datetime:
    return datetime(START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1, 1, tzinfo=UTC)


def _columns(mart: str, n: int, rng: np.random.Generator, fixed: dict[str, object]) -> pa.Table:
    arrays = {}
    fields = []
    for col in load_marts()[mart]:
        kind = col.data_type.upper()
        if col.name in fixed:
            values = fixed[col.name]
        elif kind == "DOUBLE":
            values = rng.normal(50, 20, n)
        elif kind == "BIGINT":
            values = rng.integers(0, 6, n)
        elif kind == "VARCHAR":
            values = np.array(["a", "b", "c", "d", "e"], dtype=object)[rng.integers(0, 5, n)]
        elif kind == "DATE":
            values = np.full(n, _month(0).date())
        else:
            values = np.full(n, _month(0))
        arrays[col.name] = pa.array(values, type=ARROW[kind])
        fields.append(pa.field(col.name, ARROW[kind]))
    return pa.Table.from_pydict(arrays, schema=pa.schema(fields))


def write_marts(marts: Path, loans: int, months: int, seed: int = 7) -> list[str]:
    """Origination (one row per loan) and performance (one per loan and month) marts."""
    rng = np.random.default_rng(seed)
    marts.mkdir(parents=True, exist_ok=True)
    ids = np.array([f"F15Q1{i:07d}" for i in range(loans)], dtype=object)
    created = np.full(loans, datetime(2024, 1, 1, tzinfo=UTC))
    origination = _columns(
        "feat_loan_origination",
        loans,
        rng,
        {"loan_id": ids, "event_timestamp": np.full(loans, _month(0)), "created_timestamp": created},
    )
    pq.write_table(origination, marts / "feat_loan_origination.parquet")
    writer = None
    for m in range(months):
        published = _month(m + 1) + timedelta(days=15)
        table = _columns(
            "feat_loan_monthly_performance",
            loans,
            rng,
            {
                "loan_id": ids,
                "event_timestamp": np.full(loans, published),
                "created_timestamp": created,
                "reporting_month": np.full(loans, _month(m).date()),
                "loan_age_months": np.full(loans, m + 1),
            },
        )
        if writer is None:
            writer = pq.ParquetWriter(marts / "feat_loan_monthly_performance.parquet", table.schema)
        writer.write_table(table)
    writer.close()
    # Empty company mart: the views must exist, the benchmark is about loans.
    pq.write_table(_columns("feat_company_financials", 0, rng, {}), marts / "feat_company_financials.parquet")
    return list(ids)


def entity_frame(ids: list[str], months: int, rows: int, seed: int = 11) -> pd.DataFrame:
    """Observation rows: a random loan at a random time within the window (as a label mart would)."""
    rng = np.random.default_rng(seed)
    month = rng.integers(0, months, rows)
    base = pd.to_datetime([_month(int(m) + 1) + timedelta(days=15) for m in month], utc=True)
    offsets = pd.to_timedelta(rng.integers(0, 30 * 86_400, rows), unit="s")
    frame = pd.DataFrame({"loan_id": np.asarray(ids, dtype=object)[rng.integers(0, len(ids), rows)]})
    frame["event_timestamp"] = base + offsets
    frame["as_of"] = frame["event_timestamp"]
    return frame


def _historical(settings: Settings, entities: pd.DataFrame, offline: str | None) -> tuple[float, int]:
    from creditrisk.features.store import get_feature_store

    store = get_feature_store(settings)
    if offline is not None:
        from feast.repo_config import RepoConfig

        cfg = store.config.model_dump(by_alias=True)
        cfg["offline_store"] = {"type": offline}
        config = RepoConfig(**cfg)
        config.repo_path = settings.feature_repo_dir
        from feast import FeatureStore

        store = FeatureStore(config=config)
    with timed() as elapsed:
        frame = store.get_historical_features(
            entity_df=entities.copy(), features=store.get_feature_service("loan_default_v1")
        ).to_df()
    return elapsed(), len(frame)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ms = np.array(samples) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(settings: Settings, work: Path):
    """Start `feast serve` on loopback for these settings; returns (process, base url)."""
    yaml_path = work / f"feature_store_{settings.online_store}.yaml"
    yaml_path.write_text(render_yaml(settings))
    port = _free_port()
    feast = Path(sys.executable).with_name("feast")
    proc = subprocess.Popen(
        [
            str(feast),
            "-c",
            str(settings.feature_repo_dir),
            "-f",
            str(yaml_path),
            "serve",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(work / f"feast_serve_{settings.online_store}.log", "w"),  # noqa: SIM115
        env={**os.environ, "CREDITRISK_DATA_DIR": str(settings.data_root), "FEAST_USAGE": "False"},
    )
    import httpx

    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("feast serve did not start; see " + str(work))


def _online(settings: Settings, ids: list[str], months: int, work: Path, repeats: int) -> list[Measurement]:
    import httpx

    from creditrisk.features import online_features
    from creditrisk.features.store import get_feature_store

    store = get_feature_store(settings)
    service = store.get_feature_service("loan_default_v1")
    rng = np.random.default_rng(3)
    as_of = _month(months + 1) + timedelta(days=20)  # just after the last report: within every TTL
    proc, url = _serve(settings, work)
    out: list[Measurement] = []
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            for batch in (1, 100):
                ours, raw, http = [], [], []
                for r in range(repeats + 5):
                    chosen = [ids[i] for i in rng.integers(0, len(ids), batch)]
                    t0 = time.perf_counter()
                    online_features(settings, "loan_default", chosen, as_of=as_of, store=store)
                    t1 = time.perf_counter()
                    store.get_online_features(
                        features=service, entity_rows=[{"loan_id": i, "as_of": as_of} for i in chosen]
                    ).to_dict()
                    t2 = time.perf_counter()
                    body = {
                        "feature_service": "loan_default_v1",
                        "entities": {"loan_id": chosen, "as_of": [int(as_of.timestamp())] * batch},
                    }
                    response = client.post("/get-online-features", json=body)
                    t3 = time.perf_counter()
                    response.raise_for_status()
                    if r >= 5:  # warm-up excluded
                        ours.append(t1 - t0)
                        raw.append(t2 - t1)
                        http.append(t3 - t2)
                o50, o99 = _percentiles(ours)
                r50, r99 = _percentiles(raw)
                h50, h99 = _percentiles(http)
                case = f"online {settings.online_store}, {batch} loan{'s' if batch > 1 else ''}"
                note = f"Feast in-process get_online_features p50 {r50:.2f} ms, p99 {r99:.2f} ms"
                for metric, value, base in (("p50 latency", o50, h50), ("p99 latency", o99, h99)):
                    out.append(
                        Measurement(
                            NAME,
                            case,
                            metric,
                            value,
                            "ms",
                            baseline_name=f"feast serve HTTP ({settings.online_store})",
                            baseline_value=base,
                            notes=note,
                        )
                    )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


def _materialize_measurement(settings: Settings, end: datetime, loans: int, feature_rows: int) -> Measurement:
    """Our materialisation into the settings' online store against Feast's own, as one row."""
    ours, feast = _materialize(settings, end)
    return Measurement(
        NAME,
        f"materialize {loans:,} loans into {settings.online_store}",
        "seconds",
        ours,
        "s",
        baseline_name="Feast FeatureStore.materialize (same range)",
        baseline_value=feast,
        notes=f"origination + performance views over {feature_rows:,} source rows",
    )


def _materialize(settings: Settings, end: datetime) -> tuple[float, float]:
    """Seconds for our first-run materialisation, then for Feast's own over the same range."""
    from creditrisk.features.materialize import materialize, source_time_range
    from creditrisk.features.store import get_feature_store

    views = ["loan_origination", "loan_monthly_performance"]
    with timed() as ours:
        materialize(settings, end=end, views=views)
    store = get_feature_store(settings)
    first, _, _ = source_time_range(str(settings.marts_dir / "feat_loan_origination.parquet"))
    with timed() as feast_own:
        store.materialize(start_date=first, end_date=end, feature_views=views)
    return ours(), feast_own()


def _redis_url() -> str | None:
    import redis

    url = os.environ.get("CREDITRISK_TEST_REDIS_URL", "127.0.0.1:6399")
    host, port = url.split(",")[0].split(":")
    try:
        redis.Redis(host=host, port=int(port), db=9, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError:
        return None
    return f"{host}:{port},db=9"


def run(ctx: BenchContext) -> list[Measurement]:
    from creditrisk.features.store import apply_definitions

    small = ctx.scale == "small"
    loans, months, entity_rows = (2_000, 12, 2_000) if small else (100_000, 60, 100_000)
    repeats = 50 if small else 500
    work = ctx.work_dir
    shutil.rmtree(work, ignore_errors=True)  # a leftover registry would make materialize a no-op
    work.mkdir(parents=True)
    sqlite = Settings(data_dir=ctx.scratch("data"), online_store="sqlite")
    with timed() as gen:
        ids = write_marts(sqlite.marts_dir, loans, months)
    feature_rows = loans * months + loans
    print(f"  synthetic marts: {feature_rows:,} feature rows in {gen():.1f}s")
    apply_definitions(sqlite)
    out: list[Measurement] = []

    entities = entity_frame(ids, months, entity_rows)
    configured = sqlite.offline_store
    _historical(sqlite, entities.head(10), None)  # warm-up: imports, DuckDB start
    ours_s, rows = _historical(sqlite, entities, None)
    feast_s, _ = _historical(sqlite, entities, "duckdb")
    out.append(
        Measurement(
            NAME,
            f"historical {entity_rows:,} entity rows x {feature_rows:,} feature rows",
            "seconds",
            ours_s,
            "s",
            baseline_name="Feast built-in duckdb offline store",
            baseline_value=feast_s,
            notes=f"offline store '{configured}', service loan_default_v1 ({rows:,} rows out); "
            f"peak RSS {peak_rss_mb():,.0f} MiB",
        )
    )

    end = datetime(2031, 1, 1, tzinfo=UTC)
    out.append(_materialize_measurement(sqlite, end, loans, feature_rows))
    out += _online(sqlite, ids, months, ctx.scratch("serve"), repeats)

    redis_url = _redis_url()
    if redis_url is None:
        print("  Redis not running (make redis): Redis figures skipped")
        return out
    redis_settings_dir = ctx.scratch("redis")
    redis_settings = Settings(data_dir=redis_settings_dir / "data", online_store="redis", redis_url=redis_url)
    shutil.copytree(sqlite.marts_dir, redis_settings.marts_dir, dirs_exist_ok=True)
    apply_definitions(redis_settings)
    out.append(_materialize_measurement(redis_settings, end, loans, feature_rows))
    out += _online(redis_settings, ids, months, ctx.scratch("serve"), repeats)
    return out
