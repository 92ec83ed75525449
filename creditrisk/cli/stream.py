"""``creditrisk stream produce|consume|lag``: feature events through a Redis stream."""

from __future__ import annotations

import signal
import threading

import typer

from creditrisk.cli._app import app, console
from creditrisk.settings import get_settings

stream_app = typer.Typer(
    help="Feature events: replay performance months onto a stream, consume them into Feast.",
    no_args_is_help=True,
)
app.add_typer(stream_app, name="stream")

_STREAM = typer.Option(None, help="Stream name (default: CREDITRISK_STREAM_NAME).")
_GROUP = typer.Option(None, help="Consumer group (default: CREDITRISK_STREAM_GROUP).")


def _broker(stream: str | None, group: str | None, consumer: str | None = None, create: bool = True):
    from creditrisk.stream.broker import RedisStreamBroker
    from creditrisk.stream.config import StreamSettings

    config = StreamSettings()
    broker = RedisStreamBroker(
        config.url, stream or config.name, group or config.group, consumer or config.consumer
    )
    if create:
        broker.ensure_group()
    return broker


@stream_app.command("produce")
def produce_cmd(
    rate: float = typer.Option(100.0, help="Events per second (0: as fast as possible)."),
    limit: int = typer.Option(None, help="Send at most this many events."),
    loans: int = typer.Option(None, help="Only the first N loans (by id)."),
    restamp: bool = typer.Option(
        False, "--restamp", help="Stamp each event with the time it is sent (a live feed), not its own."
    ),
    stream: str = _STREAM,
    group: str = _GROUP,
) -> None:
    """Replay the performance mart's loan-months as events, in event-time order, at --rate."""
    from rich.progress import Progress

    from creditrisk.stream.producer import MART, mart_rows, replay

    settings = get_settings()
    rows = mart_rows(settings.marts_dir / f"{MART}.parquet", limit=limit, loans=loans)
    broker = _broker(stream, group)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"publishing to {broker.stream}", total=len(rows))
        sent = replay(broker, rows, rate, restamp=restamp, on_sent=lambda n: progress.advance(task, n))
    console.print(f"published {sent:,} events to {broker.stream}")


@stream_app.command("consume")
def consume_cmd(
    offline: bool = typer.Option(False, "--offline", help="Also append every event to the offline store."),
    batch_size: int = typer.Option(500, help="Events per batch (one push and one acknowledgement each)."),
    max_events: int = typer.Option(None, help="Stop after this many events."),
    idle_exit: float = typer.Option(None, help="Stop after this many idle seconds (default: never)."),
    metrics_port: int = typer.Option(0, help="Serve Prometheus metrics (lag, events) on this port (0: off)."),
    stream: str = _STREAM,
    group: str = _GROUP,
    consumer: str = typer.Option(None, help="Consumer name in the group (CREDITRISK_STREAM_CONSUMER)."),
) -> None:
    """Push the stream's events into the online store (and offline with --offline), at least once.

    Stops cleanly on SIGTERM/SIGINT after the batch in hand; a killed consumer restarted with the
    same --consumer name re-reads what it had not acknowledged.
    """
    from creditrisk.features import get_feature_store
    from creditrisk.features.store import require_applied
    from creditrisk.stream.consumer import StreamConsumer
    from creditrisk.stream.metrics import ConsumerMetrics

    settings = get_settings()
    require_applied(settings)
    broker = _broker(stream, group, consumer)
    metrics = ConsumerMetrics(broker)
    if metrics_port:
        metrics.serve(metrics_port)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker = StreamConsumer(
        broker, get_feature_store(settings), offline=offline, batch_size=batch_size, on_batch=metrics.update
    )
    who = f"{broker.group}/{broker.consumer}"
    console.print(f"consuming {broker.stream} as {who} into {settings.online_store}")
    stats = worker.run(max_events=max_events, idle_exit_seconds=idle_exit, stop=stop)
    console.print(
        f"received {stats.received:,} events in {stats.batches:,} batches: {stats.online_written:,} written "
        f"online, {stats.online_skipped:,} not newer, {stats.offline_written:,} offline, "
        f"{stats.dead_lettered:,} dead-lettered"
    )


@stream_app.command("lag")
def lag_cmd(stream: str = _STREAM, group: str = _GROUP) -> None:
    """How far the consumer group (the online store) is behind the stream."""
    broker = _broker(stream, group, create=False)
    counts = broker.counts()
    console.print(
        f"{broker.stream} / {broker.group}: lag {broker.lag_seconds():.3f} s, "
        f"{counts['length']:,} entries, {counts['pending']:,} delivered but not acknowledged"
    )
