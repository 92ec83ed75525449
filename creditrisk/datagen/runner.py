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
from creditrisk.datagen.loan_source import LOAN_TRUTH_SCHEMA, QuarterResult, generate_quarters, plan_quarters
from creditrisk.datagen.macro import MACRO_BASE, MacroPaths, simulate_macro
from creditrisk.datagen.months import Month
from creditrisk.settings import Settings

GENERATOR_VERSION = "1"


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


def _clear_outputs(raw_dir: Path) -> None:
    """Remove what a previous run generated (only our own folders), so files never mix seeds."""
    for sub in ("freddie", "companies", "macro", "_truth"):
        target = raw_dir / sub
        if target.is_dir():
            shutil.rmtree(target)
    (raw_dir / "_manifest.json").unlink(missing_ok=True)


def generate(config: GeneratorConfig, settings: Settings, show_progress: bool = True) -> GenerationSummary:
    """Generate loans, performance, companies, macro and the ground truth, streaming by quarter."""
    started = time.perf_counter()
    raw_dir = settings.raw_dir
    raw_dir.mkdir(parents=True, exist_ok=True)
    _clear_outputs(raw_dir)
    summary = GenerationSummary(raw_dir=raw_dir)
    macro = simulate_macro(config, np.random.default_rng(np.random.SeedSequence([config.seed, 0])))
    truth_dir = raw_dir / "_truth"
    truth_dir.mkdir(parents=True, exist_ok=True)

    for name, frame in _macro_frames(macro, config.last_month).items():
        summary.files[f"macro/{name}"] = _write_csv(frame, raw_dir / "macro" / name)

    quarters = [p for p in plan_quarters(config) if p.loans]
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        disable=not show_progress, transient=False,
    )  # fmt: skip
    writer: pq.ParquetWriter | None = None
    with progress:
        task = progress.add_task("loans by origination quarter", total=len(quarters))

        def on_quarter(result: QuarterResult) -> None:
            progress.update(task, advance=1, description=f"loans {result.plan.year}Q{result.plan.quarter}")

        if config.write_truth:
            writer = pq.ParquetWriter(truth_dir / "loan_month_truth.parquet", LOAN_TRUTH_SCHEMA)
        try:
            for result in generate_quarters(config, macro, raw_dir, on_quarter):
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
        company_task = progress.add_task("companies", total=1)
        out = simulate_companies(config, np.random.default_rng(np.random.SeedSequence([config.seed, 2])))
        progress.update(company_task, advance=1)

    cdir = raw_dir / "companies"
    summary.files["companies/companies.csv"] = _write_csv(out.companies, cdir / "companies.csv")
    summary.files["companies/financial_statements.csv"] = _write_csv(
        out.statements, cdir / "financial_statements.csv"
    )
    summary.files["companies/bankruptcies.csv"] = _write_csv(out.bankruptcies, cdir / "bankruptcies.csv")
    summary.companies, summary.statements, summary.bankruptcies = (
        len(out.companies),
        len(out.statements),
        len(out.bankruptcies),
    )
    if config.write_truth:
        truth = out.truth.copy()
        truth["period_end_date"] = pd.to_datetime(truth["period_end_date"]).dt.date
        table = pa.Table.from_pandas(truth, preserve_index=False).cast(
            pa.schema(
                [("company_id", pa.string()), ("period_end_date", pa.date32()), ("true_pd_12m", pa.float64())]
            )
        )
        pq.write_table(table, truth_dir / "company_quarter_truth.parquet")

    from creditrisk.datagen.corrupt import corrupt_files

    corruptions = corrupt_files(config, raw_dir, summary.files)
    pd.DataFrame(corruptions, columns=["file", "line_number", "kind"]).to_csv(
        truth_dir / "corruptions.csv", index=False, lineterminator="\n"
    )
    summary.corruptions = len(corruptions)
    summary.seconds = time.perf_counter() - started
    _write_manifest(config, summary)
    return summary


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
