"""``creditrisk demo``: the whole pipeline end to end on a small generated data set."""

from __future__ import annotations

import typer
from rich.table import Table

from creditrisk.cli._app import app, console
from creditrisk.pipeline import DemoOptions, Step, StepOutcome, demo_steps, run_steps
from creditrisk.settings import get_settings


@app.command("demo")
def demo(
    loans: int = typer.Option(DemoOptions.loans, help="Loans to generate."),
    companies: int = typer.Option(DemoOptions.companies, help="Companies to generate."),
    start: str = typer.Option(
        "", help="First month of the window, YYYY-MM (default: --months before now, so it ends now)."
    ),
    months: int = typer.Option(DemoOptions.months, help="Months in the window."),
    seed: int = typer.Option(DemoOptions.seed, help="Random seed."),
    bankruptcy_rate_scale: float = typer.Option(
        DemoOptions.bankruptcy_rate_scale, help="Multiplies the bankruptcy odds (1.0 = the generator's rate)."
    ),
) -> None:
    """Run every pipeline step that exists on a small data set and say where everything went."""
    settings = get_settings()
    options = DemoOptions(
        loans=loans,
        companies=companies,
        start=start,
        months=months,
        seed=seed,
        bankruptcy_rate_scale=bankruptcy_rate_scale,
    )
    console.rule("[bold]creditrisk demo")
    console.print(f"data dir: {settings.data_root}")

    def on_start(step: Step) -> None:
        console.print(f"[cyan]->[/] {step.name}: {step.description}")

    def on_done(outcome: StepOutcome) -> None:
        for key, fact in outcome.result.facts.items():
            console.print(f"   {key}: {fact}")
        console.print(f"   [green]done[/] in {outcome.seconds:.1f}s")

    outcomes = run_steps(demo_steps(), settings, options, on_start=on_start, on_done=on_done)
    _print_summary(outcomes)


def _print_summary(outcomes: list[StepOutcome]) -> None:
    table = Table(title="Demo summary: where everything went")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_column("outputs")
    for outcome in outcomes:
        outputs = "\n".join(f"{k}: {v}" for k, v in outcome.result.outputs.items())
        table.add_row(outcome.step.name, f"{outcome.seconds:.1f}", outputs)
    console.print(table)
    hints = [hint for outcome in outcomes for hint in outcome.result.hints]
    if hints:
        console.print("[bold]How to look at it:[/]")
        for hint in hints:
            console.print(f"  {hint}")
