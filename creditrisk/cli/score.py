"""``creditrisk score``: batch scoring with point-in-time features from the offline store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from creditrisk.cli._app import app, console
from creditrisk.settings import get_settings


@app.command("score")
def score(
    model: str = typer.Option(..., "--model", help="Registered model name, e.g. loan_default."),
    input_path: Path = typer.Option(
        ..., "--input", help="Ids as .parquet or .csv (column = entity key or id)."
    ),
    out: Path = typer.Option(..., "--out", help="Output Parquet file."),
    as_of: str = typer.Option(
        None, "--as-of", help="Score as of this UTC time (features known then); default now."
    ),
    alias: str = typer.Option(None, help="Registry alias (default CREDITRISK_MODEL_ALIAS)."),
    chunk_size: int = typer.Option(5_000, help="Ids per offline-store query."),
) -> None:
    """Score ids with the model's features as they were known at --as-of; same fields as the API."""
    from serving.batch import parse_as_of, read_ids, score_batch
    from serving.model_holder import load_served_model

    settings = get_settings()
    when = parse_as_of(as_of)
    served = load_served_model(model, settings, alias=alias)
    ids = read_ids(input_path, served.entity_key)
    columns = [TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("score", total=len(ids))
        summary = score_batch(
            settings,
            served,
            ids,
            out,
            when,
            chunk_size=chunk_size,
            on_chunk=lambda n: progress.advance(task, n),
        )
    console.print(
        f"{summary.rows} ids scored with {summary.model} v{summary.version} as of {when.isoformat()}: "
        f"{summary.scored} scored ({summary.high_risk} high risk), {summary.not_found} not found "
        f"-> {summary.out}"
    )
