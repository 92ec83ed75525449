"""Local Apache Spark against DuckDB on the same raw files, in the same run (docs/scale-out.md).

Cases (``full``: 100k and 1M loans over 60 months; ``small``: 5k loans; sizes above
``CREDITRISK_BENCH_SPARK_MAX_LOANS`` are skipped and named in the report):
- dbt: seeds and every model (``dbt build`` without its tests: dbt's tests are the same SQL on
  both engines and cost Spark a job each) on the ``dev`` (DuckDB) and ``spark`` targets, from
  the same raw files. Baseline: the DuckDB build of the same size.
- training set: ``build_training_set('loan_default')`` through Feast, from the ASOF store over
  the DuckDB marts and from Feast's Spark offline store over the Spark marts. Baseline: the ASOF
  store.
- the Spark session's start (JVM, Hive metastore), paid once per process.

One machine is Spark's worst case: it brings a JVM, a scheduler, shuffles through local disk and
a task per split, all of which a cluster spreads over executors and DuckDB does not need. The
ratios say how much that costs here; the point of the Spark target is the data that no longer fits
one machine, which this benchmark cannot show.
"""

from __future__ import annotations

import os
import shutil
import time

from benchmarks.harness import BenchContext, Measurement, peak_rss_mb, timed
from creditrisk.datagen import GeneratorConfig, generate
from creditrisk.settings import Settings

MONTHS = 60
START = "2018-01"
SIZES = {"small": [5_000], "full": [100_000, 1_000_000]}
BUILD_ARGS = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
MAX_LOANS_ENV = "CREDITRISK_BENCH_SPARK_MAX_LOANS"


def _settings(ctx: BenchContext, loans: int) -> tuple[Settings, Settings]:
    """DuckDB and Spark data dirs for one size; the Spark one links the DuckDB one's raw files."""
    root = ctx.scratch(f"loans_{loans}")
    duck = Settings(data_dir=root / "duckdb", project_dir=ctx.settings.project_dir, engine="duckdb")
    spark = Settings(data_dir=root / "spark", project_dir=ctx.settings.project_dir, engine="spark")
    for settings in (duck, spark):
        if settings.data_root.exists():
            shutil.rmtree(settings.data_root)
    config = GeneratorConfig(
        loans=loans, companies=max(100, loans // 50), start=START, months=MONTHS, write_truth=False
    )
    generate(config, duck, show_progress=False)
    spark.data_root.mkdir(parents=True)
    spark.raw_dir.symlink_to(duck.raw_dir.resolve(), target_is_directory=True)
    return duck, spark


def _dbt_seconds(settings: Settings) -> float:
    from creditrisk.warehouse import run_dbt

    with timed() as elapsed:
        run_dbt(BUILD_ARGS, settings)
    return elapsed()


def _training_set_seconds(settings: Settings) -> tuple[float, int]:
    from creditrisk.features.store import apply_definitions
    from creditrisk.features.training_sets import build_training_set

    apply_definitions(settings)
    with timed() as elapsed:
        rows = len(build_training_set("loan_default", settings=settings).frame)
    return elapsed(), rows


def run(ctx: BenchContext) -> list[Measurement]:
    from creditrisk.spark_engine import get_spark_session

    results: list[Measurement] = []
    max_loans = int(os.environ.get(MAX_LOANS_ENV) or 0)
    sizes = [n for n in SIZES[ctx.scale] if not max_loans or n <= max_loans]
    skipped = [f"{n:,}" for n in SIZES[ctx.scale] if n not in sizes]
    first_duck, first_spark = _settings(ctx, sizes[0])
    started = time.perf_counter()
    get_spark_session(first_spark)
    results.append(
        Measurement(
            "spark",
            "local[*] on this machine",
            "Spark session start (JVM + metastore)",
            time.perf_counter() - started,
            "s",
            notes="paid once per process"
            + (f"; skipped by {MAX_LOANS_ENV}: {', '.join(skipped)} loans" if skipped else ""),
        )
    )
    for loans in sizes:
        duck, spark = (first_duck, first_spark) if loans == sizes[0] else _settings(ctx, loans)
        case = f"{loans:,} loans x {MONTHS} months"
        duck_dbt = _dbt_seconds(duck)
        spark_dbt = _dbt_seconds(spark)
        duck_ts, rows = _training_set_seconds(duck)
        spark_ts, spark_rows = _training_set_seconds(spark)
        results += [
            Measurement("spark", case, "dbt seeds + models, DuckDB", duck_dbt, "s"),
            Measurement(
                "spark",
                case,
                "dbt seeds + models, local Spark",
                spark_dbt,
                "s",
                baseline_name="DuckDB build, same run",
                baseline_value=duck_dbt,
                notes="ratio < 1: Spark slower on one machine",
            ),
            Measurement("spark", case, "loan training set, ASOF store", duck_ts, "s", notes=f"{rows:,} rows"),
            Measurement(
                "spark",
                case,
                "loan training set, Feast Spark store",
                spark_ts,
                "s",
                baseline_name="ASOF store, same run",
                baseline_value=duck_ts,
                notes=f"{spark_rows:,} rows (ASOF {rows:,}); peak RSS of the bench process "
                f"{peak_rss_mb() / 1024:.1f} GB (the JVM's heap is outside it)",
            ),
        ]
    return results
