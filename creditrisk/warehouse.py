"""Build the warehouse: run the dbt project (raw files -> staging -> intermediate -> marts).

dbt runs in-process through ``dbt.cli.main.dbtRunner`` against the repository's own
``dbt_project.yml`` and ``profiles.yml``, with ``CREDITRISK_DATA_DIR`` pointing at the settings'
data dir, so ``creditrisk warehouse build`` and a plain ``dbt build`` from the repo root build
the same thing. dbt's target folder (manifest, run results, docs) goes under the data dir too,
so two data dirs never share partial-parse state.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from creditrisk.errors import DataError, PipelineStepError
from creditrisk.settings import Settings
from creditrisk.spark_engine import DBT_TARGET
from creditrisk.telemetry import OPT_OUT_ENV

#: The marts Feast and training read (docs/contracts.md section 2).
MART_NAMES = (
    "feat_loan_origination",
    "feat_loan_monthly_performance",
    "feat_company_financials",
    "lbl_loan_default_12m",
    "lbl_company_bankruptcy_12m",
)

#: Each source's staged model and its rejected model (staged + rejected = raw rows).
STAGED_AND_REJECTED = {
    "freddie.origination": ("stg_freddie__loans", "stg_freddie__loans_rejected"),
    "freddie.performance": ("stg_freddie__performance", "stg_freddie__performance_rejected"),
    "companies.companies": ("stg_companies__companies", "stg_companies__companies_rejected"),
    "companies.financial_statements": (
        "stg_companies__financial_statements",
        "stg_companies__financial_statements_rejected",
    ),
    "companies.bankruptcies": ("stg_companies__bankruptcies", "stg_companies__bankruptcies_rejected"),
    "macro.state_unemployment": ("stg_macro__state_unemployment", "stg_macro__state_unemployment_rejected"),
    "macro.state_hpi": ("stg_macro__state_hpi", "stg_macro__state_hpi_rejected"),
    "macro.mortgage_rate_30y": ("stg_macro__mortgage_rates", "stg_macro__mortgage_rates_rejected"),
}


@dataclass
class BuildSummary:
    """What a dbt build produced: marts, row counts, rejected rows and how long it took."""

    seconds: float
    nodes: int
    marts: dict[str, Path] = field(default_factory=dict)
    mart_rows: dict[str, int] = field(default_factory=dict)
    rejected_rows: dict[str, int] = field(default_factory=dict)


def dbt_target_dir(settings: Settings) -> Path:
    """dbt's target folder for this data dir (manifest, run results, catalog, docs site)."""
    return settings.data_root / "dbt_target"


@contextmanager
def dbt_environment(settings: Settings) -> Iterator[None]:
    """Point dbt's profile at the settings' data dir (and keep telemetry off) for one invocation."""
    wanted = {**OPT_OUT_ENV, "CREDITRISK_DATA_DIR": str(settings.data_root)}
    wanted = {k: os.environ.get(k, v) if k in OPT_OUT_ENV else v for k, v in wanted.items()}
    previous = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(
    args: list[str],
    settings: Settings,
    on_node_done: Callable[[str, str], None] | None = None,
    quiet: bool = True,
) -> Any:
    """Invoke dbt with ``args`` against the repo project and the settings' data dir.

    Raises :class:`PipelineStepError` naming the failing nodes when dbt does not succeed.
    ``on_node_done(node_name, status)`` is called as each model, seed or test finishes.
    """
    from dbt.cli.main import dbtRunner

    project_dir = settings.project_dir.resolve()
    settings.data_root.mkdir(parents=True, exist_ok=True)
    callbacks = [_node_callback(on_node_done)] if on_node_done else []
    full_args = [
        *(["--quiet"] if quiet else []),
        *args,
        *(["--target", DBT_TARGET] if settings.engine == "spark" else []),
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(dbt_target_dir(settings)),
        "--log-path",
        str(dbt_target_dir(settings) / "logs"),
    ]
    if settings.engine == "spark":
        from creditrisk.spark_engine import prepare_python_workers

        prepare_python_workers()
    with dbt_environment(settings):
        result = dbtRunner(callbacks=callbacks).invoke(full_args)
    if not result.success:
        raise PipelineStepError(f"dbt {args[0]} failed: {describe_failure(result)}")
    return result


def _node_callback(on_node_done: Callable[[str, str], None]) -> Callable[[Any], None]:
    def callback(event: Any) -> None:
        if event.info.name == "NodeFinished":
            node = event.data.node_info
            on_node_done(node.node_name, node.node_status)

    return callback


def describe_failure(result: Any) -> str:
    """One line naming each failing node and dbt's message for it."""
    if result.exception is not None:
        text = str(result.exception).strip()
        return text.splitlines()[0] if text else repr(result.exception)
    problems = []
    for node_result in getattr(result.result, "results", None) or []:
        status = str(getattr(node_result, "status", "")).lower()
        if status in {"error", "fail", "runtime error"} or status.endswith(("error", "fail")):
            message = " ".join(str(node_result.message or "").split())
            problems.append(f"{node_result.node.unique_id}: {message[:300]}")
    return "; ".join(problems) or "dbt reported failure without node details (see dbt_target/logs)"


def check_raw_dir(settings: Settings) -> None:
    """Fail early, with the fix, when there is nothing to build from."""
    freddie = settings.raw_dir / "freddie"
    if not freddie.is_dir() or not any(freddie.glob("historical_data_*.txt")):
        raise DataError(
            f"no Freddie Mac files under {freddie}; run `creditrisk data generate` or copy real "
            "historical_data_*.txt files there"
        )
    for name in ("companies/companies.csv", "companies/financial_statements.csv", "macro/state_hpi.csv"):
        if not (settings.raw_dir / name).is_file():
            raise DataError(f"missing raw file {settings.raw_dir / name}; run `creditrisk data generate`")


def build(
    settings: Settings,
    full_refresh: bool = False,
    select: str | None = None,
    on_node_done: Callable[[str, str], None] | None = None,
) -> BuildSummary:
    """``dbt build`` (seeds, models, tests) from the raw files to the Parquet marts."""
    check_raw_dir(settings)
    args = ["build", *(["--full-refresh"] if full_refresh else []), *(["--select", select] if select else [])]
    started = time.perf_counter()
    result = run_dbt(args, settings, on_node_done=on_node_done)
    seconds = time.perf_counter() - started
    summary = BuildSummary(seconds=seconds, nodes=len(result.result.results))
    for name in MART_NAMES:
        path = settings.marts_dir / f"{name}.parquet"
        if path.exists():
            summary.marts[name] = path
            summary.mart_rows[name] = _parquet_rows(path)
    summary.rejected_rows = rejected_counts(settings)
    return summary


def generate_docs(settings: Settings) -> Path:
    """``dbt docs generate``; returns the folder holding the static docs site (index.html)."""
    check_raw_dir(settings)
    run_dbt(["docs", "generate"], settings)
    return dbt_target_dir(settings)


def rejected_counts(settings: Settings) -> dict[str, int]:
    """Rejected rows per source, read from the warehouse (empty when it was not built)."""
    import duckdb

    if settings.engine == "spark":
        from creditrisk.spark_engine import table_row_counts

        return table_row_counts(settings, {source: rej for source, (_, rej) in STAGED_AND_REJECTED.items()})
    if not settings.warehouse_path.exists():
        return {}
    # Same configuration as dbt-duckdb's connection, which may still be open in this process.
    with duckdb.connect(str(settings.warehouse_path)) as con:
        return {
            source: con.execute(f"select count(*) from {rejected}").fetchone()[0]
            for source, (_, rejected) in STAGED_AND_REJECTED.items()
        }


def _parquet_rows(path: Path) -> int:
    """Rows of a mart: one Parquet file (DuckDB) or a folder of part files (Spark)."""
    import pyarrow.parquet as pq

    if path.is_dir():
        return sum(pq.ParquetFile(part).metadata.num_rows for part in sorted(path.glob("*.parquet")))
    return pq.ParquetFile(path).metadata.num_rows


def dbt_step(settings: Settings, options: Any) -> Any:
    """The demo's ``dbt`` step: build everything and report the marts and rejected rows."""
    from creditrisk.demo_contract import StepResult

    summary = build(settings)
    rejected = sum(summary.rejected_rows.values())
    return StepResult(
        outputs={**summary.marts, "warehouse": settings.warehouse_path},
        facts={
            "marts": ", ".join(f"{name} {rows:,}" for name, rows in summary.mart_rows.items()),
            "rejected raw rows": f"{rejected:,} (with reasons in the stg_*_rejected models)",
            "dbt nodes": f"{summary.nodes} (models, seeds and tests) in {summary.seconds:.1f}s",
        },
        hints=[
            "creditrisk warehouse docs   # dbt docs: every model and column",
            f".venv/bin/python -c \"import duckdb; duckdb.connect('{settings.warehouse_path}', "
            "read_only=True).sql('select reject_reason, count(*) from stg_freddie__performance_rejected "
            "group by 1').show()\"",
        ],
    )
