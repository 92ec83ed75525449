"""``creditrisk data pull macro``: macro series from a FRED-style HTTP API into raw/macro/."""

from __future__ import annotations

from datetime import date

import typer

from creditrisk.cli._app import console
from creditrisk.cli.data import data_app
from creditrisk.errors import DataError
from creditrisk.settings import get_settings

pull_app = typer.Typer(help="Pull raw data from HTTP APIs.", no_args_is_help=True)
data_app.add_typer(pull_app, name="pull")


def _states(value: str | None) -> list[str]:
    from creditrisk.datagen.geography import STATES

    if not value:
        return list(STATES)
    states = [s.strip().upper() for s in value.split(",") if s.strip()]
    bad = [s for s in states if len(s) != 2 or not s.isalpha()]
    if bad:
        raise DataError(f"--states: not two-letter state codes: {', '.join(bad)}")
    return states


@pull_app.command("macro")
def pull_macro_cmd(
    start: str = typer.Option("2000-01", help="First month, YYYY-MM."),
    states: str = typer.Option(None, help="Comma-separated states (default: the generator's states)."),
    timeout: float = typer.Option(10.0, help="Seconds to wait for each answer."),
    retries: int = typer.Option(4, help="Retries per request on timeouts, 429 and 5xx."),
) -> None:
    """Pull the 30-year mortgage rate, state unemployment and state house prices from FRED.

    The base URL and key come from CREDITRISK_FRED_BASE_URL / CREDITRISK_FRED_API_KEY or a secrets
    file outside the repository (CREDITRISK_SECRETS_FILE); the key is never printed.
    """
    from rich.progress import Progress

    from creditrisk.ingest.credentials import fred_credentials
    from creditrisk.ingest.fred import FredClient
    from creditrisk.ingest.macro import pull_macro_frames, write_macro_files

    try:
        first = date.fromisoformat(f"{start}-01")
    except ValueError:
        raise DataError(f"--start: not a month (YYYY-MM): {start!r}") from None
    wanted = _states(states)
    credentials = fred_credentials()
    settings = get_settings()
    with FredClient(credentials.base_url, credentials.api_key, timeout=timeout, retries=retries) as client:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("FRED series", total=1 + 2 * len(wanted))
            frames = pull_macro_frames(client, wanted, first, lambda _: progress.advance(task))
        written = write_macro_files(frames, settings.raw_dir / "macro")
        requests = client.requests
    for name, rows in written.items():
        console.print(f"{settings.raw_dir / 'macro' / name}: {rows:,} rows")
    console.print(f"{requests} requests to {credentials.base_url} (key from {credentials.source})")
