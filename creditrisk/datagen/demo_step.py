"""The demo's ``generate`` step: the raw data set at the demo's sizes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from creditrisk.datagen.config import GeneratorConfig
from creditrisk.datagen.runner import generate
from creditrisk.settings import Settings

if TYPE_CHECKING:
    from creditrisk.demo_contract import DemoOptions, StepResult


def generate_step(settings: Settings, options: DemoOptions) -> StepResult:
    """Generate loans, statements, macro and truth for the demo and say where they went."""
    from creditrisk.demo_contract import StepResult

    config = GeneratorConfig(
        loans=options.loans,
        companies=options.companies,
        start=options.window_start,
        months=options.months,
        seed=options.seed,
        bankruptcy_rate_scale=options.bankruptcy_rate_scale,
    )
    summary = generate(config, settings, show_progress=False)
    raw = summary.raw_dir
    return StepResult(
        outputs={"raw files": raw, "manifest": raw / "_manifest.json"},
        facts={
            "loans": f"{summary.loans:,} ({summary.performance_rows:,} performance rows, "
            f"{summary.loans_defaulted:,} reach 90+ days or a credit exit)",
            "companies": f"{summary.companies:,} ({summary.statements:,} statements, "
            f"{summary.bankruptcies:,} bankruptcies)",
            "raw dir": str(raw),
        },
        hints=[f"head -3 {raw}/freddie/historical_data_time_*Q1.txt   # Freddie Mac format, no header"],
    )
