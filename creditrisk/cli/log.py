"""``creditrisk log verify``: check the prediction log's hash chain."""

from __future__ import annotations

from pathlib import Path

import typer

from creditrisk.cli._app import app, console
from creditrisk.errors import DataError
from creditrisk.settings import get_settings

log_app = typer.Typer(help="The prediction log (every scored entity, hash-chained).", no_args_is_help=True)
app.add_typer(log_app, name="log")


@log_app.command("verify")
def verify(
    path: Path = typer.Option(None, help="Log folder (default $CREDITRISK_DATA_DIR/prediction_log)."),
) -> None:
    """Walk the chain; fail naming the first edited, deleted or reordered record."""
    from serving.prediction_log import verify_log

    root = path or get_settings().prediction_log_dir
    report = verify_log(root)
    if not report.ok:
        where = f" in {report.problem_file} row {report.problem_row}" if report.problem_file else ""
        raise DataError(f"prediction log broken after {report.records} good records: {report.problem}{where}")
    console.print(
        f"prediction log OK: {report.records} records in {report.files} files, chain intact ({root})"
    )
