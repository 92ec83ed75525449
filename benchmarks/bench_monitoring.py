"""Monitoring: drift on 100k scored rows (20k at small scale) and the dashboard's page times.

Figures and the baselines measured in the same run on the same data:

- drift of 60 features (PSI + KS, score PSI) between a 100k-row reference and 100k current rows,
  against the textbook pandas version (``pd.qcut`` on the reference, ``pd.cut`` + ``value_counts``
  per feature, scipy's ``ks_2samp`` with its default method);
- parsing 100k logged ``features`` JSON records into a frame with Arrow's JSON reader (what
  ``monitoring.sources`` does), against ``json.loads`` per record;
- the dashboard on a prediction log of 100k scores: the portfolio page cold (read and parse the
  log, render) against warm (the cached portfolio, render only), and one entity's page (a
  filtered read of the log, render); the page's weight against the same page with plotly.js
  inlined, as a self-contained report would carry it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from plotly.offline import get_plotlyjs
from scipy import stats as scipy_stats

from benchmarks.harness import BenchContext, Measurement, timed
from monitoring.dashboard import pages
from monitoring.dashboard.data import entity_records, load_portfolio
from monitoring.drift import DriftOptions, compare, score_drift
from monitoring.sources import features_frame
from serving.prediction_log import LOG_SCHEMA

FEATURES = 60
SHIFTED = 6


def _frames(rows: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    columns = [f"f{i:02d}" for i in range(FEATURES)]
    reference = pd.DataFrame(rng.normal(size=(rows, FEATURES)), columns=columns)
    current = pd.DataFrame(rng.normal(size=(rows, FEATURES)), columns=columns)
    current.iloc[:, :SHIFTED] += 0.8  # a clear shift in a few features
    return reference, current


def _textbook_drift(reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, float]:
    """PSI and KS the way a notebook would: qcut/cut/value_counts and scipy's default KS."""
    out = {}
    for name in reference.columns:
        _, edges = pd.qcut(reference[name], 10, retbins=True, duplicates="drop")
        edges[0], edges[-1] = -np.inf, np.inf
        expected = pd.cut(reference[name], edges).value_counts(normalize=True, sort=False).to_numpy()
        actual = pd.cut(current[name], edges).value_counts(normalize=True, sort=False).to_numpy()
        e, a = np.maximum(expected, 1e-4), np.maximum(actual, 1e-4)
        out[name] = float(np.sum((a - e) * np.log(a / e)))
        scipy_stats.ks_2samp(reference[name], current[name])
    return out


def _drift_measurements(rows: int, seed: int) -> list[Measurement]:
    reference, current = _frames(rows, seed)
    options = DriftOptions()
    types = {name: "float" for name in reference.columns}
    ref_scores = 1 / (1 + np.exp(-reference["f00"].to_numpy()))
    cur_scores = 1 / (1 + np.exp(-current["f00"].to_numpy()))
    cpu = time.process_time()
    with timed() as ours:
        results = compare(reference, current, types, options)
        score_drift(ref_scores, cur_scores, 0.5, options)
    ours_cpu = time.process_time() - cpu
    drifting = sorted(r.name for r in results if r.status == "drift")
    cpu = time.process_time()
    with timed() as textbook:
        psi = _textbook_drift(reference, current)
    textbook_cpu = time.process_time() - cpu
    same = max(abs(psi[r.name] - r.psi) for r in results)
    case = f"{rows // 1000}k scored rows x {FEATURES} features"
    return [
        Measurement(
            "monitoring",
            case,
            "drift (PSI + KS per feature, score PSI)",
            ours(),
            "s",
            "pandas qcut/cut + scipy ks_2samp (textbook)",
            textbook(),
            notes=f"CPU {ours_cpu:.2f} s vs {textbook_cpu:.2f} s; {len(drifting)} of {SHIFTED} shifted "
            f"features flagged; largest PSI difference between the two {same:.2g}",
        )
    ]


def _log_records(rows: int, seed: int) -> tuple[pa.Table, list[str]]:
    """A prediction log's records (hashes left empty: nothing here reads them)."""
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    states = np.array(["CA", "TX", "NY", "FL", "IL", "WA", "GA", "OH"])
    ids = [f"F{19 + i % 5}Q{1 + i % 4}{i % 20_000:07d}" for i in range(rows)]
    features = [
        json.dumps(
            {
                "orig_credit_score": float(700 + 50 * rng.standard_normal()),
                "orig_ltv_pct": float(rng.uniform(40, 100)),
                "property_state": str(states[i % len(states)]),
                "channel": ["retail", "broker", "correspondent"][i % 3],
                **{f"f{j:02d}": float(rng.standard_normal()) for j in range(FEATURES - 4)},
            },
            separators=(",", ":"),
        )
        for i in range(rows)
    ]
    probability = rng.beta(2, 12, rows)
    table = pa.table(
        {
            "seq": np.arange(1, rows + 1),
            "request_id": ["bench"] * rows,
            "scored_at": pa.array(
                [now - timedelta(seconds=int(s)) for s in np.sort(rng.integers(0, 6 * 86400, rows))[::-1]],
                type=pa.timestamp("us", tz="UTC"),
            ),
            "model_name": ["loan_default"] * rows,
            "model_version": ["1"] * rows,
            "entity_id": ids,
            "features": features,
            "probability": probability,
            "decision": (probability >= 0.2).astype(np.int64),
            "threshold": np.full(rows, 0.2),
            "latency_ms": np.full(rows, 2.0),
            "prev_hash": [""] * rows,
            "record_hash": [""] * rows,
        },
        schema=LOG_SCHEMA,
    )
    return table, ids


def _write_log(table: pa.Table, log_dir: Path) -> None:
    days = pd.Series(table.column("scored_at").to_pandas()).dt.strftime("%Y-%m-%d").to_numpy()
    for day in sorted(set(days)):
        folder = log_dir / f"date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.filter(pa.array(days == day)), folder / "part-000000000001.parquet")
    (log_dir / "_head.json").write_text("{}")


def _log_measurements(ctx: BenchContext, rows: int) -> list[Measurement]:
    table, ids = _log_records(rows, ctx.settings.seed)
    texts = pd.Series(table.column("features").to_pylist())
    names = [f"f{j:02d}" for j in range(FEATURES - 4)]
    with timed() as arrow:
        features_frame(texts, names)
    with timed() as per_record:
        pd.DataFrame([json.loads(t) for t in texts])[names]
    case = f"{rows // 1000}k logged records"
    out = [
        Measurement(
            "monitoring", case, "features JSON -> frame", arrow(), "s", "json.loads per record", per_record()
        )
    ]
    log_dir = ctx.scratch("log")
    _write_log(table, log_dir)
    with timed() as cold:
        portfolio = load_portfolio(log_dir, "loan_default", 30)
        page = pages.portfolio_page(
            portfolio,
            ["loan_default"],
            30,
            None,
            pd.DataFrame(),
            "1",
            ("vintage", "property_state", "channel"),
        )
    with timed() as warm:
        pages.portfolio_page(
            portfolio,
            ["loan_default"],
            30,
            None,
            pd.DataFrame(),
            "1",
            ("vintage", "property_state", "channel"),
        )
    with timed() as entity:
        records = entity_records(log_dir, "loan_default", ids[-1])
        pages.entity_page("loan_default", ids[-1], records, None, None, ["loan_default"])
    inlined = len(page.encode()) + len(get_plotlyjs().encode())
    out += [
        Measurement(
            "monitoring",
            case,
            "dashboard portfolio page, warm (cached log)",
            warm(),
            "s",
            "cold: read + parse the log, then render",
            cold(),
            notes=f"{len(portfolio.latest):,} entities; the cache reloads when the log's head changes",
        ),
        Measurement(
            "monitoring",
            case,
            "dashboard entity page (filtered log read + render)",
            entity(),
            "s",
            notes=f"{len(records)} records of one loan",
        ),
        Measurement(
            "monitoring",
            case,
            "dashboard page weight",
            len(page.encode()) / 1e6,
            "MB",
            "the same page with plotly.js inlined (self-contained)",
            inlined / 1e6,
            notes="plotly.js is a separate static file the browser caches",
        ),
    ]
    return out


def run(ctx: BenchContext) -> list[Measurement]:
    rows = 20_000 if ctx.scale == "small" else 100_000
    return _drift_measurements(rows, ctx.settings.seed) + _log_measurements(ctx, rows)
