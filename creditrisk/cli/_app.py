"""The root Typer application and the error boundary every command shares."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from creditrisk.errors import CreditRiskError
from creditrisk.telemetry import disable_telemetry

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    name="creditrisk",
    help="Credit-risk feature store: raw data -> dbt -> Feast -> training/MLflow -> serving.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Credit-risk feature store: raw data -> dbt -> Feast -> training/MLflow -> serving."""
    disable_telemetry()


def main() -> None:
    """Console entry point: library errors become one line on stderr and their exit code.

    Click handles usage errors itself (standalone mode); anything a command raises as a
    :class:`CreditRiskError` is reported here, never as a stack trace.
    """
    try:
        app()
    except CreditRiskError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        sys.exit(exc.exit_code)
