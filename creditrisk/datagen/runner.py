"""``generate(config, settings)``: write the whole raw data set under ``$CREDITRISK_DATA_DIR/raw``."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from creditrisk.datagen.company_source import simulate_companies
from creditrisk.datagen.config import GeneratorConfig
from creditrisk.datagen.corrupt import corrupt_files
from creditrisk.datagen.loan_source import LOAN_TRUTH_SCHEMA, QuarterResult, generate_quarters, plan_quarters
from creditrisk.datagen.macro import MACRO_BASE, MacroPaths, simulate_macro
from creditrisk.datagen.months import Month
from creditrisk.errors import DataError
from creditrisk.settings import Settings

GENERATOR_VERSION = "1"
MACRO_FILES = ("state_unemployment.csv", "state_hpi.csv", "mortgage_rate_30y.csv")
COMPANY_FILES = ("companies.csv", "financial_statements.csv", "bankruptcies.csv")
COMPANY_TRUTH_SCHEMA = pa.schema(
    [("company_id", pa.string()), ("period_end_date", pa.date32()), ("true_pd_12m", pa.float64())]
)


@dataclass
class GenerationSummary:
    """What was written: the raw dir, row counts per file and a few headline rates."""

    raw_dir: Path
    files: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    loans: int = 0
    performance_rows: int = 0
    loans_defaulted: int = 0
    companies: int = 0
    bankruptcies: int = 0
    statements: int = 0
    corruptions: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.performance_rows / self.seconds if self.seconds else 0.0


def _macro_frames(macro: MacroPaths, last: Month) -> dict[str, pd.DataFrame]:
    n = last.index - MACRO_BASE.index + 1
    months = [str(Month(MACRO_BASE.index + i)) for i in range(n)]
    states = np.repeat(np.array(macro.states), n)
    month_col = np.tile(months, len(macro.states))
    return {
        "state_unemployment.csv": pd.DataFrame(
            {
                "state": states,
                "month": month_col,
                "unemployment_rate_pct": macro.unemployment_pct[:, :n].ravel(),
            }
        ),
        "state_hpi.csv": pd.DataFrame({"state": states, "month": month_col, "hpi": macro.hpi[:, :n].ravel()}),
        "mortgage_rate_30y.csv": pd.DataFrame({"month": months, "rate_pct": macro.mortgage_rate_pct[:n]}),
    }


def _write_csv(df: pd.DataFrame, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n")
    return len(df)


def _clear_previous_run(raw_dir: Path, planned: list[str]) -> None:
    """Remove what the previous run generated, and refuse to overwrite anything else.

    Real Freddie Mac files a user downloaded live in the same folders; the generator only
    deletes files its own last manifest lists, and stops with an error rather than overwrite
    a file it did not write.
    """
    manifest = raw_dir / "_manifest.json"
    previous: set[str] = set()
    if manifest.is_file():
        try:
            previous = set(json.loads(manifest.read_text()).get("files", {}))
        except (json.JSONDecodeError, AttributeError) as exc:
            raise DataError(f"{manifest} is not a generator manifest ({exc}); move it away first") from None
    foreign = [rel for rel in planned if (raw_dir / rel).exists() and rel not in previous]
    if foreign:
        raise DataError(
            f"refusing to overwrite {len(foreign)} file(s) the generator did not write, e.g. "
            f"{raw_dir / foreign[0]}; move them or use another CREDITRISK_DATA_DIR"
        )
    for rel in previous:
        (raw_dir / rel).unlink(missing_ok=True)
    if (raw_dir / "_truth").is_dir():
        shutil.rmtree(raw_dir / "_truth")
    manifest.unlink(missing_ok=True)


def planned_files(config: GeneratorConfig) -> list[str]:
    """Every data file a run with ``config`` writes, relative to the raw dir."""
    names = [f"macro/{n}" for n in MACRO_FILES] + [f"companies/{n}" for n in COMPANY_FILES]
    for plan in plan_quarters(config):
        if plan.loans:
            names.append(f"freddie/historical_data_{plan.year}Q{plan.quarter}.txt")
            names.append(f"freddie/historical_data_time_{plan.year}Q{plan.quarter}.txt")
    return names


def generate(config: GeneratorConfig, settings: Settings, show_progress: bool = True) -> GenerationSummary:
    """Generate macro, loans (streaming one origination quarter at a time), companies, truth."""
    started = time.perf_counter()
    raw_dir = settings.raw_dir
    raw_dir.mkdir(parents=True, exist_ok=True)
    _clear_previous_run(raw_dir, planned_files(config))
    (raw_dir / "_truth").mkdir(parents=True, exist_ok=True)
    summary = GenerationSummary(raw_dir=raw_dir)
    macro = simulate_macro(config, np.random.default_rng(np.random.SeedSequence([config.seed, 0])))
    for name, frame in _macro_frames(macro, config.last_month).items():
        summary.files[f"macro/{name}"] = _write_csv(frame, raw_dir / "macro" / name)
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        disable=not show_progress,
    )  # fmt: skip
    with progress:
        _write_loans(config, macro, summary, progress)
        task = progress.add_task("companies", total=1)
        _write_companies(config, summary)
        progress.update(task, advance=1)
    _write_corruptions(config, summary)
    summary.seconds = time.perf_counter() - started
    _write_manifest(config, summary)
    return summary


def _write_loans(
    config: GeneratorConfig, macro: MacroPaths, summary: GenerationSummary, progress: Progress
) -> None:
    """The Freddie Mac files, quarter by quarter, and the loan truth appended as each arrives."""
    quarters = [p for p in plan_quarters(config) if p.loans]
    task = progress.add_task("loans by origination quarter", total=len(quarters))

    def on_quarter(result: QuarterResult) -> None:
        progress.update(task, advance=1, description=f"loans {result.plan.year}Q{result.plan.quarter}")

    truth_path = summary.raw_dir / "_truth" / "loan_month_truth.parquet"
    writer = pq.ParquetWriter(truth_path, LOAN_TRUTH_SCHEMA) if config.write_truth else None
    try:
        for result in generate_quarters(config, macro, summary.raw_dir, on_quarter, config.workers):
            summary.files[f"freddie/{result.origination_path.name}"] = result.origination_rows
            summary.files[f"freddie/{result.performance_path.name}"] = result.performance_rows
            summary.loans += result.origination_rows
            summary.performance_rows += result.performance_rows
            summary.loans_defaulted += result.defaulted_loans
            if writer is not None and result.truth is not None:
                writer.write_table(result.truth)
    finally:
        if writer is not None:
            writer.close()


def _write_companies(config: GeneratorConfig, summary: GenerationSummary) -> None:
    """Companies, statements and bankruptcies as CSV, and the company truth as Parquet."""
    out = simulate_companies(config, np.random.default_rng(np.random.SeedSequence([config.seed, 2])))
    folder = summary.raw_dir / "companies"
    for name, frame in (
        ("companies.csv", out.companies),
        ("financial_statements.csv", out.statements),
        ("bankruptcies.csv", out.bankruptcies),
    ):
        summary.files[f"companies/{name}"] = _write_csv(frame, folder / name)
    summary.companies, summary.statements = len(out.companies), len(out.statements)
    summary.bankruptcies = len(out.bankruptcies)
    if config.write_truth:
        truth = out.truth.assign(period_end_date=pd.to_datetime(out.truth["period_end_date"]).dt.date)
        table = pa.Table.from_pandas(truth, preserve_index=False).cast(COMPANY_TRUTH_SCHEMA)
        pq.write_table(table, summary.raw_dir / "_truth" / "company_quarter_truth.parquet")


def _write_corruptions(config: GeneratorConfig, summary: GenerationSummary) -> None:
    """Damage rows when asked to, and list every damaged row (the list is written even if empty)."""
    corruptions = corrupt_files(config, summary.raw_dir, summary.files)
    pd.DataFrame(corruptions, columns=["file", "line_number", "kind"]).to_csv(
        summary.raw_dir / "_truth" / "corruptions.csv", index=False, lineterminator="\n"
    )
    summary.corruptions = len(corruptions)


def _write_manifest(config: GeneratorConfig, summary: GenerationSummary) -> None:
    manifest = {
        "generator": "creditrisk.datagen",
        "generator_version": GENERATOR_VERSION,
        "generated_at": datetime.now(UTC).isoformat(),
        "parameters": config.as_dict(),
        "window": {"first_month": str(config.first_month), "last_month": str(config.last_month)},
        "stress_period": {
            "first_month": str(config.stress_first_month),
            "months": config.stress_months,
            "severity": config.stress_severity,
        },
        "files": summary.files,
        "counts": {
            "loans": summary.loans,
            "performance_rows": summary.performance_rows,
            "loans_reaching_90dpd_or_credit_exit": summary.loans_defaulted,
            "companies": summary.companies,
            "statements": summary.statements,
            "bankruptcies": summary.bankruptcies,
            "corrupted_rows": summary.corruptions,
        },
        "seconds": round(summary.seconds, 2),
    }
    (summary.raw_dir / "_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
