"""``creditrisk features apply|materialize|config``: the Feast repo for this data dir."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from creditrisk.cli._app import app, console
from creditrisk.errors import DataError
from creditrisk.settings import get_settings

features_app = typer.Typer(help="Feast feature repository: apply, materialize, config.", no_args_is_help=True)
app.add_typer(features_app, name="features")


def _parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{option}: not a date or time: {value!r}") from exc
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


@features_app.command("apply")
def apply_cmd() -> None:
    """Register feature_repo/ definitions in this data dir's registry and set up the online store."""
    from creditrisk.features.store import apply_definitions

    settings = get_settings()
    with console.status("feast apply"):
        result = apply_definitions(settings)
    defs = result.definitions
    console.print(
        f"applied {len(defs.entities)} entities, {len(defs.feature_views)} feature views, "
        f"{len(defs.on_demand_feature_views)} on-demand views, {len(defs.feature_services)} services "
        f"(online store: {settings.online_store}); registry {settings.feast_dir / 'registry.db'}"
    )
    if result.deleted:
        console.print(f"removed from the registry: {', '.join(result.deleted)}")


@features_app.command("materialize")
def materialize_cmd(
    start: str = typer.Option(
        None, help="Start (UTC). Default: where the last run ended, else the earliest event."
    ),
    end: str = typer.Option(None, help="End (UTC). Default: now."),
    view: list[str] = typer.Option(None, help="Feature view(s) to load (default: all)."),
) -> None:
    """Load the online store from the marts for [start, end] (incremental without --start)."""
    from creditrisk.features.materialize import materialize

    settings = get_settings()
    runs = materialize(
        settings, start=_parse_time(start, "--start"), end=_parse_time(end, "--end"), views=view or None
    )
    table = Table(title=f"Materialised into {settings.online_store}")
    for column in ("view", "start", "end", "source rows", "note"):
        table.add_column(column)
    for run in runs:
        table.add_row(run.view, run.start.isoformat(), run.end.isoformat(), str(run.source_rows), run.skipped)
    console.print(table)


@features_app.command("config")
def config_cmd() -> None:
    """Print the effective feature_store.yaml for these settings (usable with `feast -f`)."""
    from creditrisk.features.config import render_yaml

    typer.echo(render_yaml(get_settings()), nl=False)  # plain stdout: no wrapping, valid YAML
