"""``creditrisk warehouse build|docs``: run the dbt project on the data dir's raw files."""

from __future__ import annotations

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from creditrisk.cli._app import app, console
from creditrisk.settings import get_settings
from creditrisk.warehouse import build, dbt_target_dir, generate_docs

warehouse_app = typer.Typer(
    help="The dbt warehouse: staging, intermediate, feature and label marts.", no_args_is_help=True
)
app.add_typer(warehouse_app, name="warehouse")


@warehouse_app.command("build")
def build_command(
    full_refresh: bool = typer.Option(False, help="Rebuild incremental models from scratch."),
    select: str = typer.Option(None, help="dbt node selection, e.g. 'staging+' (default: everything)."),
) -> None:
    """dbt build: seeds, models and tests, from raw files to the Parquet marts under the data dir."""
    settings = get_settings()
    finished = {"ok": 0, "other": 0}
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("dbt build", total=None)

        def on_node_done(name: str, status: str) -> None:
            finished["ok" if status in {"success", "pass"} else "other"] += 1
            progress.update(task, description=f"dbt build: {sum(finished.values())} nodes, last {name}")

        summary = build(settings, full_refresh=full_refresh, select=select, on_node_done=on_node_done)
    table = Table(title=f"Warehouse built in {summary.seconds:.1f}s ({summary.nodes} dbt nodes)")
    table.add_column("mart")
    table.add_column("rows", justify="right")
    table.add_column("path")
    for name, path in summary.marts.items():
        table.add_row(name, f"{summary.mart_rows[name]:,}", str(path))
    console.print(table)
    rejected = {k: v for k, v in summary.rejected_rows.items() if v}
    if rejected:
        listed = ", ".join(f"{source} {rows:,}" for source, rows in rejected.items())
        console.print(f"rejected rows (reasons in the stg_*_rejected models): {listed}")


@warehouse_app.command("docs")
def docs_command() -> None:
    """dbt docs generate: the model and column documentation site under the data dir."""
    settings = get_settings()
    with console.status("dbt docs generate"):
        target = generate_docs(settings)
    console.print(f"docs site: {target / 'index.html'}")
    console.print(
        f"serve it:  CREDITRISK_DATA_DIR={settings.data_root} "
        f"dbt docs serve --target-path {dbt_target_dir(settings)}"
    )
