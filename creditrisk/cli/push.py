"""``creditrisk features push``: push rows from a file or stdin into the feature store."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from creditrisk.cli._app import console
from creditrisk.cli.features import features_app
from creditrisk.errors import DataError
from creditrisk.settings import get_settings


def read_rows(text: str, source: str) -> list[Any]:
    """Rows from a JSON array or JSON Lines (one object per line; blank lines ignored)."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            rows = json.loads(stripped)
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise DataError(f"{source}: not JSON or JSON Lines ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(rows, list):
        raise DataError(f"{source}: expected a JSON array of rows or one JSON object per line")
    return rows


@features_app.command("push")
def push_cmd(
    path: str = typer.Argument("-", help="JSON array or JSON Lines file of rows; '-' reads stdin."),
    view: str = typer.Option(
        "loan_monthly_performance",
        help="Feature view to push to: loan_monthly_performance, company_financials.",
    ),
    offline: bool = typer.Option(
        False, "--offline", help="Also append the rows to the offline store (PushMode.ONLINE_AND_OFFLINE)."
    ),
) -> None:
    """Push rows (every column of the view's mart; UTC times) to the online store, optionally offline too.

    A row older than what the online store holds for its entity is kept out of the online store
    (and still appended offline with --offline).
    """
    from creditrisk.features import get_feature_store
    from creditrisk.features.push import push_rows
    from creditrisk.features.store import require_applied

    if path == "-":
        text, source = sys.stdin.read(), "stdin"
    else:
        file = Path(path)
        if not file.is_file():
            raise DataError(f"no such file: {file}")
        text, source = file.read_text(encoding="utf-8"), str(file)
    rows = read_rows(text, source)
    settings = get_settings()
    require_applied(settings)
    result = push_rows(get_feature_store(settings), view, rows, offline=offline)
    console.print(
        f"{result.view}: {result.received} rows received, {result.online_written} written online, "
        f"{result.online_skipped} not newer than the stored row, {result.offline_written} appended offline"
    )
