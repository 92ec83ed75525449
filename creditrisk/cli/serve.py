"""``creditrisk serve`` (the HTTP API under uvicorn) and ``creditrisk keygen`` (mint an API key)."""

from __future__ import annotations

import typer

from creditrisk.cli._app import app, console
from creditrisk.settings import get_settings


@app.command("serve")
def serve(
    host: str = typer.Option(None, help="Bind address (default CREDITRISK_HOST)."),
    port: int = typer.Option(None, help="Port (default CREDITRISK_PORT)."),
    log_level: str = typer.Option("warning", help="uvicorn log level."),
) -> None:
    """Serve the scoring API (models from the MLflow alias or bundles; SIGHUP reloads them)."""
    import uvicorn

    from serving.auth import parse_api_keys
    from serving.main import create_app

    settings = get_settings()
    keys = parse_api_keys(settings.api_keys)  # a malformed key list fails here, in one line
    if not keys:
        console.print(
            "[yellow]CREDITRISK_API_KEYS is empty: every scoring request will get 401 "
            "(mint a key with `creditrisk keygen`)."
        )
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(
        f"serving on http://{bind_host}:{bind_port} (docs at /docs), {len(keys)} API key(s) accepted"
    )
    uvicorn.run(
        create_app(settings),
        host=bind_host,
        port=bind_port,
        log_level=log_level,
        loop="uvloop",
        http="httptools",
        workers=1,  # one writer per prediction log: the hash chain is a single sequence
        access_log=False,
        server_header=False,  # no product/version banner (docs/security.md)
    )


@app.command("keygen")
def keygen(
    admin: bool = typer.Option(False, "--admin", help="Grant the admin scope (model reload)."),
) -> None:
    """Mint an API key: prints the key once and the CREDITRISK_API_KEYS entry (its SHA-256 digest)."""
    from serving.auth import mint_api_key

    key, entry = mint_api_key(admin=admin)
    console.print(f"API key (give to the caller, shown once): {key}", soft_wrap=True)
    console.print(f"add to CREDITRISK_API_KEYS:              {entry}", soft_wrap=True)
