"""``creditrisk data generate``: write the raw files (loans, statements, macro, ground truth)."""

from __future__ import annotations

import typer
from rich.table import Table

from creditrisk.cli._app import app, console
from creditrisk.datagen.config import GeneratorConfig
from creditrisk.settings import get_settings

data_app = typer.Typer(
    help="Raw data: generate Freddie Mac-format loans, statements and macro.", no_args_is_help=True
)
app.add_typer(data_app, name="data")

_D = GeneratorConfig()


@data_app.command("generate")
def generate_command(
    loans: int = typer.Option(_D.loans, help="Loans to originate over the window."),
    companies: int = typer.Option(_D.companies, help="Companies filing quarterly statements."),
    start: str = typer.Option(_D.start, help="First reporting month, YYYY-MM."),
    months: int = typer.Option(_D.months, help="Reporting months in the window."),
    seed: int = typer.Option(_D.seed, help="Random seed; the same seed gives the same files."),
    layout: int = typer.Option(
        _D.layout, help="Freddie Mac layout by origination field count: 26, 31 or 32."
    ),
    stress_start: str = typer.Option(
        None, help="First month of the stress period, YYYY-MM (default: 40% into the window)."
    ),
    stress_months: int = typer.Option(
        _D.stress_months, help="Length of the stress period in months (0 = none)."
    ),
    stress_severity: float = typer.Option(
        _D.stress_severity, help="Size of the shock (1.0 = 2008-like, 0 = none)."
    ),
    default_rate_scale: float = typer.Option(
        _D.default_rate_scale,
        help="Multiplies the odds of missing a payment (1.0 = about 1-2% a year reach 90+).",
    ),
    bankruptcy_rate_scale: float = typer.Option(
        _D.bankruptcy_rate_scale, help="Multiplies the bankruptcy odds."
    ),
    corrupt_rate: float = typer.Option(
        _D.corrupt_rate, help="Share of rows to damage in every file (0 = none)."
    ),
    workers: int = typer.Option(
        _D.workers, help="Processes for the loan quarters (same output for any number)."
    ),
    no_truth: bool = typer.Option(False, "--no-truth", help="Skip the ground-truth files under raw/_truth."),
) -> None:
    """Generate the raw data set under $CREDITRISK_DATA_DIR/raw (deterministic for a seed)."""
    from creditrisk.datagen.runner import generate

    settings = get_settings()
    config = GeneratorConfig(
        loans=loans, companies=companies, start=start, months=months, seed=seed, layout=layout,
        stress_start=stress_start, stress_months=stress_months, stress_severity=stress_severity,
        default_rate_scale=default_rate_scale, bankruptcy_rate_scale=bankruptcy_rate_scale,
        corrupt_rate=corrupt_rate, write_truth=not no_truth, workers=workers,
    )  # fmt: skip
    summary = generate(config, settings)
    table = Table(title=f"Raw data in {summary.raw_dir}")
    table.add_column("what")
    table.add_column("value", justify="right")
    rows = {
        "loans": f"{summary.loans:,}",
        "performance rows": f"{summary.performance_rows:,}",
        "loans reaching 90+ dpd or a credit exit": f"{summary.loans_defaulted:,}",
        "companies": f"{summary.companies:,}",
        "statements (incl. restatements)": f"{summary.statements:,}",
        "bankruptcies": f"{summary.bankruptcies:,}",
        "corrupted rows": f"{summary.corruptions:,}",
        "seconds": f"{summary.seconds:.1f}",
        "performance rows / s": f"{summary.rows_per_second:,.0f}",
    }
    for key, value in rows.items():
        table.add_row(key, value)
    console.print(table)
