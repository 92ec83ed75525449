"""``creditrisk config show``: every setting and the paths derived from it."""

from __future__ import annotations

import typer
from rich.table import Table

from creditrisk.cli._app import app, console
from creditrisk.settings import Settings, get_settings

config_app = typer.Typer(help="Inspect the resolved configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def show_config() -> None:
    """Print every CREDITRISK_* setting (secrets masked) and the data-dir layout."""
    settings = get_settings()
    table = Table(title="Settings (env prefix CREDITRISK_)")
    table.add_column("setting")
    table.add_column("value")
    table.add_column("description")
    for name, info in Settings.model_fields.items():
        value = getattr(settings, name)
        shown = "(set)" if "key" in name and value else str(value)
        table.add_row(f"CREDITRISK_{name.upper()}", shown, info.description or "")
    console.print(table)
    paths = Table(title="Data-dir layout")
    paths.add_column("what")
    paths.add_column("path")
    for name, path in settings.layout().items():
        paths.add_row(name, str(path))
    paths.add_row("feature repo", str(settings.feature_repo_dir))
    paths.add_row("MLflow tracking URI", settings.tracking_uri)
    console.print(paths)
