"""The offline-store benchmark's mart-width case stays the width and types of the real view.

The case exists to measure the stores at ``feat_loan_monthly_performance``'s width, so the
generated file must follow the generated mart schema: a new mart column (or a type the
generator cannot make) must show up here, not as a silently narrower benchmark.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from feast.types import Float64, Int64

from benchmarks._offline_store_worker import MART_SCHEMAS, mart_fields
from benchmarks.bench_offline_store import write_features


def _mart_schema() -> list:
    spec = importlib.util.spec_from_file_location("mart_schemas_for_test", MART_SCHEMAS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FEAT_LOAN_MONTHLY_PERFORMANCE_FEATURES


def test_mart_fields_follow_the_generated_schema() -> None:
    expected = [(f.name, {Float64: "float64", Int64: "int64"}[f.dtype]) for f in _mart_schema()]
    assert mart_fields() == expected
    assert len(expected) == 34


def test_mart_width_file_has_every_mart_column_with_nulls(tmp_path: Path) -> None:
    path = tmp_path / "features.parquet"
    write_features(path, loans=50, months=12, seed=3, width="mart")
    table = pq.read_table(path)
    assert table.num_rows == 50 * 12
    assert table.column_names[:3] == ["loan_id", "event_timestamp", "created_timestamp"]
    types = {"float64": pa.float64(), "int64": pa.int64()}
    assert [(f.name, f.type) for f in table.schema][3:] == [(n, types[k]) for n, k in mart_fields()]
    assert sum(table.column(name).null_count for name, _ in mart_fields()) > 0
