"""Load the online store from the marts, with explicit ranges and no silent gaps.

Feast's ``materialize-incremental`` starts a view's first run at ``now - ttl``: with historic
data (or a short TTL) everything older is skipped without a word. Here a first run starts at
the earliest ``event_timestamp`` in the view's source instead, and later runs continue from
the end of the last interval Feast recorded in the registry for that view, so runs are
incremental and the history is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from creditrisk.errors import DataError
from creditrisk.features.store import get_feature_store, require_applied
from creditrisk.settings import Settings


@dataclass(frozen=True)
class ViewRun:
    """What one materialisation did for one feature view."""

    view: str
    start: datetime
    end: datetime
    source_rows: int
    skipped: str = ""


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def source_time_range(path: str) -> tuple[datetime | None, datetime | None, int]:
    """Earliest and latest ``event_timestamp`` and the row count of a mart file."""
    import duckdb

    if not Path(path).exists():
        raise DataError(f"mart not found: {path}; run `creditrisk warehouse build` first")
    # A mart written by dbt's spark target is a folder of part files.
    files = f"{path}/*.parquet" if Path(path).is_dir() else path
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        first, last, rows = con.execute(
            "select min(event_timestamp), max(event_timestamp), count(*) from read_parquet(?)", [files]
        ).fetchone()
    return (_utc(first) if first else None, _utc(last) if last else None, int(rows))


def _last_materialized(view) -> datetime | None:
    ends = [_utc(end) for _, end in view.materialization_intervals]
    return max(ends) if ends else None


def materialize(
    settings: Settings,
    start: datetime | None = None,
    end: datetime | None = None,
    views: list[str] | None = None,
) -> list[ViewRun]:
    """Materialise feature views into the online store.

    With ``start``, every selected view is loaded for ``[start, end]``. Without it, each view
    continues from its last recorded interval, or (first run) from the earliest event in its
    source. ``end`` defaults to now (UTC).
    """
    require_applied(settings)
    if settings.engine == "spark":
        from creditrisk.spark_engine import get_spark_session

        get_spark_session(settings)  # Feast's Spark engine then runs on the project's session
    store = get_feature_store(settings)
    end = _utc(end) if end else datetime.now(UTC)
    registered = {fv.name: fv for fv in store.list_feature_views()}
    selected = views or sorted(registered)
    unknown = sorted(set(selected) - set(registered))
    if unknown:
        raise DataError(f"unknown feature views: {', '.join(unknown)}; have {', '.join(sorted(registered))}")
    runs: list[ViewRun] = []
    for name in selected:
        view = registered[name]
        first, _, rows = source_time_range(view.batch_source.path)
        view_start = _utc(start) if start else (_last_materialized(view) or first)
        if view_start is None:
            runs.append(ViewRun(name, end, end, rows, skipped="source is empty"))
            continue
        if view_start >= end:
            runs.append(ViewRun(name, view_start, end, rows, skipped="already up to date"))
            continue
        store.materialize(start_date=view_start, end_date=end, feature_views=[name])
        runs.append(ViewRun(name, view_start, end, rows))
    return runs
