"""The DuckDB SQL behind the ASOF offline store, built from plain descriptions of the inputs.

Feast's built-in DuckDB store (through ibis) joins every entity row to every older feature row
of the same key with an inequality join, then ranks them with ``row_number``; the intermediate
result grows with entity rows x feature rows per key. DuckDB's ``ASOF JOIN`` instead sorts both
sides once and picks, per entity row, the latest feature row at or before the entity time, so
time and memory grow with the inputs, not with their product.

Feast's semantics that the queries keep (see ``feast/infra/offline_stores/ibis.py``):

- a feature row is visible to an entity row when ``event_ts <= entity_ts`` and, with a TTL,
  ``event_ts + ttl >= entity_ts`` (both inclusive; a zero or missing TTL means no limit);
- among visible rows the greatest ``event_ts`` wins, ties broken by the greatest
  ``created_timestamp`` (``DESC`` with DuckDB's default ``NULLS LAST``);
- feature columns are renamed by the source's ``field_mapping`` before anything else;
- every entity row is kept, duplicates included; rows that match nothing get nulls.

A training set is three statements (run by ``plans.PointInTimePlan``): ``matches_sql`` joins
only keys, ordering keys and a row id per feature row (``feature_row_id``), so the sort behind
the ASOF join carries no feature values; ``features_sql`` fetches the values of the matched
rows by id, in entity-row order; ``entity_sql`` reads the entity columns back in their order.

Nothing here touches a database: the functions return SQL text, so the text can be read,
tested and shown by ``RetrievalJob.to_sql()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

#: Name under which the entity rows (with their row number) are registered in DuckDB.
ENTITY_RELATION = "__feast_asof_entity"
#: Row number added to the entity rows so the result keeps their order, duplicates included.
ROW_ID = "__feast_asof_row"
#: The entity time in microseconds since the epoch (whatever unit or zone the frame carried).
ENTITY_US = "__feast_asof_entity_us"
#: A feature row's id (see ``feature_row_id``), carried through the join instead of its values.
FEATURE_ROW = "__feast_asof_feature_row"
#: Temp table of step 1: per entity row, the matched feature row id of each view.
MATCHES = "__feast_asof_matches"
#: ASOF ordering key of a feature row: its event time, then created time (see ``feature_order``).
FEATURE_ORDER = "__feast_asof_order"


def quote_ident(name: str) -> str:
    """A DuckDB identifier, quoted so any column name (spaces, quotes, keywords) is safe."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def parquet_scan(paths: Sequence[str]) -> str:
    """``read_parquet([...])`` over the same path list ibis hands DuckDB for a FileSource."""
    return "read_parquet([" + ", ".join(quote_literal(p) for p in paths) + "])"


#: DuckDB's virtual columns that number a scan's rows; ``feature_row_id`` combines them.
ROW_NUMBER_COLUMNS = ("file_index", "file_row_number")
_ROWS_PER_FILE = 2**40


def feature_row_id() -> str:
    """A BIGINT naming one Parquet row across all files of a scan: ``file_index * 2^40 + row``.

    It lets the point-in-time join carry a row's id instead of its feature values, and fetch
    the values afterwards. Both numbers are DuckDB virtual columns, stable for a given path list.
    """
    return f"file_index::BIGINT * {_ROWS_PER_FILE}::BIGINT + file_row_number"


def renamed_scan(paths: Sequence[str], field_mapping: dict[str, str], columns: Sequence[str]) -> str:
    """The source with Feast's ``field_mapping`` applied (only for columns the files have) and
    each row's id as ``FEATURE_ROW`` (see ``feature_row_id``)."""
    renames = [(old, new) for old, new in field_mapping.items() if old in columns and old != new]
    rename = ""
    if renames:
        rename = (
            " RENAME (" + ", ".join(f"{quote_ident(old)} AS {quote_ident(new)}" for old, new in renames) + ")"
        )
    return f"(SELECT *{rename}, {feature_row_id()} AS {FEATURE_ROW} FROM {parquet_scan(paths)})"


@dataclass(frozen=True)
class ViewJoin:
    """What the point-in-time join needs to know about one feature view.

    ``join_keys`` maps the feature-side key column (after field mapping) to the entity-frame
    column it is matched against; ``features`` maps the source column to the output name
    (``feature`` or ``view__feature``). ``source_sql`` must expose ``FEATURE_ROW``
    (``renamed_scan`` does).
    """

    source_sql: str
    join_keys: dict[str, str]
    timestamp_field: str
    created_timestamp_column: str | None
    features: dict[str, str]
    ttl: timedelta | None


def _ttl_microseconds(ttl: timedelta | None) -> int | None:
    """Feast treats a falsy TTL (None or zero) as "no limit"."""
    if not ttl:
        return None
    return (ttl.days * 86_400 + ttl.seconds) * 1_000_000 + ttl.microseconds


#: The earliest microsecond a DuckDB timestamp can hold (``-infinity`` is ``-(2^63 - 1)``).
_EARLIEST_US = -(2**63 - 1)
_TWO_64 = 2**64
#: Units a source's timestamps may all be whole multiples of, coarsest first: a day (marts keyed
#: by date) and a second; any time is a whole number of microseconds. Each unit checked costs a
#: division per row, so the ladder is short.
TIME_UNITS_US = (86_400_000_000, 1_000_000)
#: The largest packed BIGINT ordering key allowed (half of BIGINT's range: no sum can overflow).
_PACKED_LIMIT = 2**62
#: Times (us) a packing accepts: +-73,000 years, so no difference the SQL forms overflows BIGINT.
_TIME_LIMIT = 2**61


def _epoch_us(column: str) -> str:
    """Microseconds since the epoch of a timestamp column of any unit or zone (UTC instant)."""
    return f"epoch_us(CAST({quote_ident(column)} AS TIMESTAMPTZ))"


def _floor_div(numerator: str, divisor: int) -> str:
    """Exact floor division of an integer expression (DuckDB's ``//`` truncates toward zero)."""
    if divisor == 1:
        return f"({numerator})"
    return f"(({numerator}) - ((({numerator}) % {divisor}) + {divisor}) % {divisor}) // {divisor}"


@dataclass(frozen=True)
class OrderPacking:
    """``(event, created)`` packed exactly into one BIGINT, from a source's own ranges and units.

    With every event time a whole number of ``event_unit`` microseconds in
    ``[event_min, event_min + event_steps * event_unit]`` and the created times likewise, a row's
    key is ``event_index * width + created_offset``: ``event_index = (event_us - event_min) /
    event_unit``, ``created_offset`` 0 for a null created time (it ranks lowest, Feast's ``DESC
    NULLS LAST``) or ``(created_us - created_min) / created_unit + 1``, and ``width =
    created_steps + 2`` exceeds every offset. The key orders exactly as ``(event, created)``, and
    ``event_us <= t`` holds exactly when ``event_index <= floor((t - event_min) / event_unit)``,
    so entity times need no unit. It exists only when the largest key stays under 2^62
    (``fits``); otherwise the HUGEINT key of ``_packed_order`` is used (the narrow key's gain is
    in docs/offline_store.md, "Design measurements").
    """

    event_min: int
    event_unit: int
    event_steps: int
    created_min: int
    created_unit: int
    created_steps: int

    @property
    def width(self) -> int:
        return self.created_steps + 2

    def fits(self) -> bool:
        """The key stays under 2^62, and every time and difference the SQL forms fits BIGINT."""
        event_max = self.event_min + self.event_steps * self.event_unit
        created_max = self.created_min + self.created_steps * self.created_unit
        times = (self.event_min, event_max, self.created_min, created_max)
        return (
            all(abs(t) <= _TIME_LIMIT for t in times) and (self.event_steps + 1) * self.width <= _PACKED_LIMIT
        )

    def feature_key(self, event_us: str, created_us: str) -> str:
        event_index = f"(({event_us}) - {self.event_min}) // {self.event_unit}"
        created_offset = f"COALESCE((({created_us}) - {self.created_min}) // {self.created_unit} + 1, 0)"
        return f"(({event_index}) * {self.width} + {created_offset})::BIGINT"

    def entity_key(self, entity_us: str) -> str:
        """The greatest key a row at or before ``entity_us`` can have: its event index with the
        largest created offset, an index of -1 being below every row.

        The time is clamped to one unit beyond the event range first (the clamped index is the
        same), so the division is BIGINT: DuckDB's HUGEINT division is far slower.
        """
        unit = self.event_unit
        low, high = self.event_min - unit, self.event_min + (self.event_steps + 1) * unit
        offset = f"(GREATEST(LEAST({entity_us}, {high}), {low}) - {self.event_min})"
        index = f"LEAST({_floor_div(offset, unit)}, {self.event_steps})"
        return f"({index} * {self.width} + {self.width - 1})::BIGINT"

    def since_key(self, entity_us: str, ttl_us: int) -> str:
        """The smallest key the TTL admits: ``event_us >= entity_us - ttl``, i.e. an event index of
        at least ``ceil((entity_us - ttl - event_min) / event_unit)``, clamped to
        ``[0, event_steps + 1]``. The difference is taken in HUGEINT (a TTL may exceed BIGINT)
        and clamped to one unit beyond that range before the BIGINT division."""
        unit = self.event_unit
        lowest = f"{entity_us}::HUGEINT - {ttl_us}::HUGEINT - {self.event_min}::HUGEINT"
        bounded = (
            f"GREATEST(LEAST({lowest}, {(self.event_steps + 1) * unit}::HUGEINT), {-unit}::HUGEINT)::BIGINT"
        )
        index = f"GREATEST(-{_floor_div(f'-{bounded}', unit)}, 0)"
        return f"({index} * {self.width})::BIGINT"


def order_profile_sql(view: ViewJoin) -> str:
    """One pass over a view's join rows: event and created ranges, and which units divide them.

    Returns ``min, max`` of event and created microseconds, then per ``TIME_UNITS_US`` the
    largest remainder of an event time (0: every event time is a multiple), then the same for
    created times (nulls ignored).
    """
    assert view.created_timestamp_column
    event, created = _epoch_us(view.timestamp_field), _epoch_us(view.created_timestamp_column)
    remainders = [f"max(abs(ev % {unit}))" for unit in TIME_UNITS_US]
    remainders += [f"max(abs(cr % {unit}))" for unit in TIME_UNITS_US]
    return (
        f"SELECT min(ev), max(ev), min(cr), max(cr), {', '.join(remainders)}\n"
        f"FROM (SELECT {event} AS ev, {created} AS cr FROM {view.source_sql} AS src\n"
        f"      WHERE {' AND '.join(_join_rows_filter(view))})"
    )


def _whole_unit(remainders: Sequence) -> int:
    """The coarsest unit of ``TIME_UNITS_US`` leaving no remainder, else one microsecond."""
    return next((unit for unit, rest in zip(TIME_UNITS_US, remainders, strict=True) if rest == 0), 1)


def packing_from_profile(profile: Sequence) -> OrderPacking | None:
    """The packing ``order_profile_sql``'s row allows, or None (no rows, or the key too wide)."""
    event_min, event_max, created_min, created_max = profile[:4]
    if event_min is None:
        return None
    units = len(TIME_UNITS_US)
    event_unit = _whole_unit(profile[4 : 4 + units])
    if created_min is None:  # every created time is null: one offset (0) is used
        created_min, created_max, created_unit = 0, 0, 1
    else:
        created_unit = _whole_unit(profile[4 + units :])
    packing = OrderPacking(
        event_min=event_min,
        event_unit=event_unit,
        event_steps=(event_max - event_min) // event_unit,
        created_min=created_min,
        created_unit=created_unit,
        created_steps=(created_max - created_min) // created_unit,
    )
    return packing if packing.fits() else None


def key_collision_sql(view: ViewJoin) -> str:
    """Whether ``hash`` of the join keys is one-to-one over both sides' keys (True) or not.

    A hashed key joins like the keys themselves exactly when no two distinct key values share a
    hash; counting distinct values and distinct hashes over both sides settles it in one pass.
    """

    def key_and_hash(columns: list[str]) -> str:
        listed = ", ".join(quote_ident(c) for c in columns)
        value = listed if len(columns) == 1 else f"({listed})"
        return f"{value} AS k, {_hashed(columns)} AS h"

    entity_keys = list(view.join_keys.values())
    entity_filter = " AND ".join(f"{quote_ident(k)} IS NOT NULL" for k in entity_keys)
    return (
        "SELECT count(DISTINCT k) = count(DISTINCT h) FROM (\n"
        f"    SELECT {key_and_hash(list(view.join_keys))} FROM {view.source_sql} AS src\n"
        f"    WHERE {' AND '.join(_join_rows_filter(view))}\n"
        "    UNION ALL\n"
        f"    SELECT {key_and_hash(entity_keys)} FROM {ENTITY_RELATION} WHERE {entity_filter}\n"
        ")"
    )


@dataclass(frozen=True)
class ViewLayout:
    """How one view's join columns are encoded, chosen from the data (see ``layouts.py``).

    ``hashed_keys``: the join keys are replaced by one UBIGINT ``hash`` (only when it is
    one-to-one over both sides); ``packing``: the BIGINT ordering key, or None for the HUGEINT
    one. The default is the encoding that is exact for any data.
    """

    hashed_keys: bool = False
    packing: OrderPacking | None = None


def _packed_order(event_us: str, created_offset: str) -> str:
    """``event_us * 2^64 + created_offset`` as HUGEINT, with ``0 <= created_offset < 2^64``.

    Any two event times differ by at least 2^64 in the key while the created offsets span
    less, so the key orders exactly as ``(event, created)``; and ``event_us >= t`` holds
    exactly when ``key >= t * 2^64``, which is how the TTL is checked without carrying the
    event time through the join. The exact key for any data; ``OrderPacking`` is the narrower
    one used when the data allows.
    """
    return f"({event_us}::HUGEINT * {_TWO_64}::HUGEINT + ({created_offset})::HUGEINT)"


def feature_order(view: ViewJoin, layout: ViewLayout) -> str:
    """The ASOF ordering key of a feature row: its event time, then its created time.

    A null created time ranks below any other (Feast sorts ``created DESC NULLS LAST``): it
    maps to offset 0 and a created time ``c`` to ``c + 2^63`` (or ``OrderPacking``'s offsets).
    Without a created-timestamp column the key is the event time in microseconds.
    """
    event_us = _epoch_us(view.timestamp_field)
    if not view.created_timestamp_column:
        return event_us
    if layout.packing:
        return layout.packing.feature_key(event_us, _epoch_us(view.created_timestamp_column))
    created_offset = (
        f"COALESCE({_epoch_us(view.created_timestamp_column)}::HUGEINT + {2**63}::HUGEINT, 0::HUGEINT)"
    )
    return _packed_order(event_us, created_offset)


def entity_order(view: ViewJoin, layout: ViewLayout) -> str:
    """The entity row's key on the same scale: its time, with any created time acceptable."""
    if not view.created_timestamp_column:
        return ENTITY_US
    if layout.packing:
        return layout.packing.entity_key(ENTITY_US)
    return _packed_order(ENTITY_US, f"{_TWO_64 - 1}::HUGEINT")


def entity_since(view: ViewJoin, layout: ViewLayout, ttl_us: int) -> str:
    """The smallest feature key the TTL lets an entity row see: ``event_us >= entity_us - ttl``.

    Clamped at the earliest microsecond, below which no event time can lie, so it cannot
    overflow. (``GREATEST`` skips nulls, so a null entity time gets the clamp; such a row
    never matches anyway, see ``matches_sql``.)
    """
    if view.created_timestamp_column and layout.packing:
        return layout.packing.since_key(ENTITY_US, ttl_us)
    since_us = f"GREATEST({ENTITY_US}::HUGEINT - {ttl_us}::HUGEINT, {_EARLIEST_US}::HUGEINT)"
    if not view.created_timestamp_column:
        return f"{since_us}::BIGINT"
    return f"({since_us} * {_TWO_64}::HUGEINT)"


def match_column(index: int) -> str:
    """The column of ``MATCHES`` holding view ``index``'s matched feature row id (or null)."""
    return f"__feast_asof_match_{index}"


def _view_keys(view: ViewJoin, index: int, layout: ViewLayout) -> list[str]:
    if layout.hashed_keys:
        return [f"__k{index}_hash"]
    return [f"__k{index}_{i}" for i in range(len(view.join_keys))]


def _join_rows_filter(view: ViewJoin) -> list[str]:
    """The feature rows a join can pick: keys and event time present (as in Feast's join)."""
    not_null = [f"{quote_ident(src)} IS NOT NULL" for src in view.join_keys]
    not_null.append(f"{quote_ident(view.timestamp_field)} IS NOT NULL")
    return not_null


def _hashed(columns: Sequence[str]) -> str:
    return f"hash({', '.join(quote_ident(c) for c in columns)})"


def _view_relation(view: ViewJoin, index: int, layout: ViewLayout) -> str:
    """One feature view's join columns only: keys, the ASOF ordering key and the row id.

    The feature values stay out of the join (they are fetched by row id afterwards), so the
    sort behind the ASOF join moves a few narrow columns instead of every feature. With a
    created-timestamp column the ordering key packs ``(event_ts, created_ts)`` (see
    ``feature_order``): the ASOF join then picks the row with the greatest event time at or
    before the entity time and, among those, the greatest created time; Feast's tie-break in
    the same single sort-merge pass, with no separate deduplication of the feature rows.
    """
    names = _view_keys(view, index, layout)
    if layout.hashed_keys:
        keys = [f"{_hashed(list(view.join_keys))} AS {quote_ident(names[0])}"]
    else:
        keys = [
            f"{quote_ident(src)} AS {quote_ident(name)}"
            for src, name in zip(view.join_keys, names, strict=True)
        ]
    columns = [*keys, f"{feature_order(view, layout)} AS {FEATURE_ORDER}", FEATURE_ROW]
    return (
        f"SELECT {', '.join(columns)}\n    FROM {view.source_sql} AS src\n"
        f"    WHERE {' AND '.join(_join_rows_filter(view))}"
    )


def matches_sql(
    event_timestamp_column: str, views: Sequence[ViewJoin], layouts: Sequence[ViewLayout] | None = None
) -> str:
    """Step 1: per entity row and view, the id of the feature row it sees (null if none).

    One ASOF join per view over the narrow relations of ``_view_relation``; the result, one
    row per entity row in no particular order, is kept as the temp table ``MATCHES``. The
    entity side carries its own keys: its ordering key per view and, for a view with a TTL,
    the smallest feature key the TTL admits (``entity_since``); so the chosen row's TTL is
    checked on the entity side and nothing but the row id crosses the join. An older row can
    never be younger, so nulling the ASOF choice when it is too old is Feast's answer. A null
    entity time or key never matches (DuckDB's sort-merge ASOF would match a null time).
    ``layouts`` (one per view, default: the encoding exact for any data) may hash the keys and
    narrow the ordering key where the data allows (see ``layouts.py``).
    """
    layouts = list(layouts) if layouts is not None else [ViewLayout() for _ in views]
    entity_ts = f"CAST({quote_ident(event_timestamp_column)} AS TIMESTAMPTZ)"
    key_columns = list(dict.fromkeys(c for view in views for c in view.join_keys.values()))
    base = [ROW_ID, *(quote_ident(c) for c in key_columns), f"epoch_us({entity_ts}) AS {ENTITY_US}"]
    derived: list[str] = []
    joins: list[str] = []
    ctes: list[str] = []
    outputs = [f"e.{ROW_ID}"]
    for index, (view, layout) in enumerate(zip(views, layouts, strict=True)):
        order_column, since_column = f"__feast_asof_entity_order_{index}", f"__feast_asof_since_{index}"
        derived.append(f"{entity_order(view, layout)} AS {order_column}")
        ctes.append(f"fv{index} AS (\n    {_view_relation(view, index, layout)}\n)")
        alias = f"f{index}"
        feature_keys = _view_keys(view, index, layout)
        if layout.hashed_keys:
            hash_column = f"__feast_asof_entity_hash_{index}"
            derived.append(f"{_hashed(list(view.join_keys.values()))} AS {hash_column}")
            entity_keys = [hash_column]
        else:
            entity_keys = [quote_ident(c) for c in view.join_keys.values()]
        conditions = [
            f"e.{entity_key} = {alias}.{quote_ident(key)}"
            for entity_key, key in zip(entity_keys, feature_keys, strict=True)
        ]
        conditions.append(f"e.{order_column} >= {alias}.{FEATURE_ORDER}")
        joins.append(f"ASOF LEFT JOIN fv{index} AS {alias} ON {' AND '.join(conditions)}")
        visible = [f"e.{ENTITY_US} IS NOT NULL"]
        visible += [f"e.{quote_ident(c)} IS NOT NULL" for c in view.join_keys.values()]
        ttl_us = _ttl_microseconds(view.ttl)
        if ttl_us is not None:
            derived.append(f"{entity_since(view, layout, ttl_us)} AS {since_column}")
            visible.append(f"{alias}.{FEATURE_ORDER} >= e.{since_column}")
        outputs.append(
            f"CASE WHEN {' AND '.join(visible)} THEN {alias}.{FEATURE_ROW} END AS {match_column(index)}"
        )
    entity = (
        f"entity AS (\n    SELECT *, {', '.join(derived)}\n"
        f"    FROM (SELECT {', '.join(base)} FROM {ENTITY_RELATION})\n)"
    )
    return (
        f"CREATE TEMP TABLE {MATCHES} AS\n"
        "WITH " + ",\n".join([entity, *ctes]) + "\n"
        "SELECT " + ",\n       ".join(outputs) + "\n"
        "FROM entity AS e\n" + "\n".join(joins)
    )


def features_sql(views: Sequence[ViewJoin]) -> str:
    """Step 2: each view's feature values fetched by the matched row ids, in entity-row order.

    A hash join per view on the row id (the matches are the small build side), then one sort
    of the matches by entity row number: the features come back aligned with the entity rows.
    """
    outputs: list[str] = []
    joins: list[str] = []
    for index, view in enumerate(views):
        alias = f"s{index}"
        joins.append(
            f"LEFT JOIN {view.source_sql} AS {alias} ON {alias}.{FEATURE_ROW} = m.{match_column(index)}"
        )
        outputs += [f"{alias}.{quote_ident(src)} AS {quote_ident(out)}" for src, out in view.features.items()]
    return (
        "SELECT "
        + ",\n       ".join(outputs)
        + f"\nFROM {MATCHES} AS m\n"
        + "\n".join(joins)
        + f"\nORDER BY m.{ROW_ID}"
    )


def entity_sql(entity_columns: Sequence[str]) -> str:
    """Step 3: the entity columns as DuckDB returns them (the types the built-in store returns),
    in the frame's order (read with ``preserve_insertion_order``)."""
    return f"SELECT {', '.join(quote_ident(c) for c in entity_columns)} FROM {ENTITY_RELATION}"


def _naive_utc_literal(value: datetime) -> str:
    """A TIMESTAMP literal for a bound Feast passes as an aware (or local naive) datetime."""
    return f"TIMESTAMP {quote_literal(value.isoformat(sep=' '))}"


def _range_filter(timestamp_field: str, start: datetime | None, end: datetime | None) -> str:
    """Inclusive ``[start, end]`` on the timestamp read as UTC wall time, as ibis compiles it."""
    column = f"CAST({quote_ident(timestamp_field)} AS TIMESTAMP)"
    parts = []
    if start is not None:
        parts.append(f"{column} >= {_naive_utc_literal(start)}")
    if end is not None:
        parts.append(f"{column} <= {_naive_utc_literal(end)}")
    return " AND ".join(parts) if parts else "TRUE"


def pull_latest_sql(
    source_sql: str,
    join_key_columns: Sequence[str],
    columns: Sequence[str],
    timestamp_field: str,
    created_timestamp_column: str | None,
    start: datetime,
    end: datetime,
) -> str:
    """The latest row per join key in ``[start, end]``: what materialisation writes online.

    One hash aggregate: ``arg_max(row, {event, created})`` per key keeps the row Feast's
    ``row_number() OVER (ORDER BY event DESC, created DESC)`` ranks first (a null created time
    ranks last). DuckDB would also turn a ``QUALIFY row_number() = 1`` into an aggregate, but
    one that joins back to the scan, and this form is faster (docs/offline_store.md).
    """
    row = ", ".join(f"{quote_literal(c)}: {quote_ident(c)}" for c in columns)
    order = quote_ident(timestamp_field)
    if created_timestamp_column:
        created_ts = f"CAST({quote_ident(created_timestamp_column)} AS TIMESTAMPTZ)"
        created = f"COALESCE({created_ts}, '-infinity'::TIMESTAMPTZ)"
        order = f"{{'t': {order}, 'c': {created}}}"
    group = (
        f"GROUP BY {', '.join(quote_ident(k) for k in join_key_columns)}"
        if join_key_columns
        # Without keys the whole table is one group; an empty range must still give no row.
        else "HAVING count(*) > 0"
    )
    return (
        f"SELECT unnest(latest) FROM (\n"
        f"    SELECT arg_max({{{row}}}, {order}) AS latest\n"
        f"    FROM {source_sql} AS src\n"
        f"    WHERE {_range_filter(timestamp_field, start, end)}\n"
        f"    {group}\n)"
    )


def pull_all_sql(
    source_sql: str,
    columns: Sequence[str],
    timestamp_field: str,
    start: datetime | None,
    end: datetime | None,
) -> str:
    """Every row in the (optionally open) range ``[start, end]``."""
    return (
        f"SELECT {', '.join(quote_ident(c) for c in columns)}\n"
        f"FROM {source_sql} AS src\n"
        f"WHERE {_range_filter(timestamp_field, start, end)}"
    )
