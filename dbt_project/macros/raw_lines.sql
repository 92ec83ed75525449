{#
  Every raw file is read the same way (see the sources' external_location): one VARCHAR column per
  physical line, no quoting, with the file name, so that nothing is dropped or reinterpreted by a
  CSV sniffer before our own rules run. Fields are split afterwards (Freddie Mac: '|'; CSV:
  quote-aware ',') and the field count decides the layout.
#}

{#
  Numbered raw lines of a source: file (base name), line_number (1-based physical line in the
  file, counting the header for CSVs), line. DuckDB keeps scan order (preserve_insertion_order),
  so row_number() over () follows the file order; each file's first row number comes from a
  20-row aggregate joined back (a window partitioned by file would sort every line).
#}
{% macro numbered_raw_lines(relation, header=false) -%}
{{ numbered_raw_lines_with(relation, header) }}
select
    {{ file_base_name('scanned.filename') }} as source_file,
    (scanned.scan_order - files.first_scan_order + 1 + {{ 1 if header else 0 }})::bigint as line_number,
    scanned.line
from scanned
inner join files using (filename)
{%- endmacro %}

{#
  The WITH clause behind numbered_raw_lines: `scanned` (filename, line, scan_order and any
  `extra_columns` computed from line) and `files` (filename, first_scan_order and any
  `file_aggregates`), for a model that needs more per line or per file in the same pass.
#}
{% macro numbered_raw_lines_with(relation, header=false, extra_columns={}, file_aggregates={}) -%}
{{ adapter.dispatch('numbered_raw_lines_with', 'creditrisk')(relation, header, extra_columns, file_aggregates) }}
{%- endmacro %}

{% macro duckdb__numbered_raw_lines_with(relation, header, extra_columns, file_aggregates) -%}
with scanned as (
    select
        filename,
        line,
        row_number() over () as scan_order
        {%- for name, expr in extra_columns.items() %},
        {{ expr }} as {{ name }}
        {%- endfor %}
    from {{ relation }}
),

files as (
    select
        filename,
        min(scan_order) as first_scan_order
        {%- for name, expr in file_aggregates.items() %},
        {{ expr }} as {{ name }}
        {%- endfor %}
    from scanned
    group by filename
)
{%- endmacro %}

{#
  Spark has no scan order: a split of a file is read in order within one task, but splits are
  spread over tasks. The raw source views (register_raw_sources) carry each line's split
  (block_start) and monotonically_increasing_id(), which counts up within a task; a line's number
  is its offset in its split plus the lines of the file's earlier splits (an aggregate per split
  and a window over the few splits of a file, no sort of the lines). scan_order is that 1-based
  number among the data lines (a CSV source's view holds no header, as DuckDB's read_csv gives)
  and first_scan_order is 1, so the consumer's arithmetic is the DuckDB version's.
#}
{% macro spark__numbered_raw_lines_with(relation, header, extra_columns, file_aggregates) -%}
with scan_ids as (
    select filename, line, block_start, scan_id from {{ relation }}
),

file_splits as (
    select
        filename,
        block_start,
        min(scan_id) as first_scan_id,
        coalesce(sum(count(*)) over (
            partition by filename order by block_start rows between unbounded preceding and 1 preceding
        ), 0) as lines_before
    from scan_ids
    group by filename, block_start
),

numbered as (
    select
        scan_ids.filename,
        scan_ids.line,
        scan_ids.scan_id - file_splits.first_scan_id + file_splits.lines_before + 1 as data_line
    from scan_ids
    inner join file_splits
        on scan_ids.filename = file_splits.filename and scan_ids.block_start = file_splits.block_start
),

scanned as (
    select
        filename,
        line,
        data_line as scan_order
        {%- for name, expr in extra_columns.items() %},
        {{ expr }} as {{ name }}
        {%- endfor %}
    from numbered
),

files as (
    select
        filename,
        1 as first_scan_order
        {%- for name, expr in file_aggregates.items() %},
        {{ expr }} as {{ name }}
        {%- endfor %}
    from scanned
    group by filename
)
{%- endmacro %}

{# A blank or whitespace-only field is missing. #}
{% macro blank_to_null(expr) -%}
nullif(trim({{ expr }}), '')
{%- endmacro %}

{# YYYYMM text to the first day of that month (NULL when malformed). #}
{% macro yyyymm_to_date(expr) -%}
{{ try_strptime("nullif(trim(" ~ expr ~ "), '') || '01'", '%Y%m%d') }}::date
{%- endmacro %}

{# YYYY-MM text to the first day of that month (NULL when malformed). #}
{% macro yyyy_mm_to_date(expr) -%}
{{ try_strptime("nullif(trim(" ~ expr ~ "), '') || '-01'", '%Y-%m-%d') }}::date
{%- endmacro %}

{# A month as an integer (year * 12 + month - 1) so RANGE windows can count months. #}
{% macro month_index(date_expr) -%}
(year({{ date_expr }}) * 12 + month({{ date_expr }}) - 1)
{%- endmacro %}

{# True when a raw value was present but did not cast: the reason a row is rejected. #}
{% macro failed_cast(raw_expr, type) -%}
({{ raw_expr }} is not null and try_cast({{ raw_expr }} as {{ type }}) is null)
{%- endmacro %}

{#
  The lines of a CSV source split into named text fields (quote-aware), with field_count and the
  expected count, so the validating model can reject short or long rows with a reason.
#}
{% macro csv_named_lines(relation, columns) -%}
with raw_lines as (
    {{ numbered_raw_lines(relation, header=true) }}
),

split_lines as (
    select source_file, line_number, line, {{ csv_fields('line') }} as fields
    from raw_lines
)

select
    source_file,
    line_number,
    line,
    {{ list_length('fields') }} as field_count,
    {{ columns | length }} as expected_field_count,
    {%- for column in columns %}
    {{ list_item('fields', loop.index) }} as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
from split_lines
{%- endmacro %}

{# The common first rule for CSV rows: the right number of fields. #}
{% macro csv_field_count_violation() -%}
when field_count <> expected_field_count
    then 'field count ' || field_count || ' does not match the expected ' || expected_field_count
{%- endmacro %}

{# A DATE/TIMESTAMP expression as TIMESTAMP WITH TIME ZONE at that wall time in UTC. #}
{% macro utc_timestamp(expr) -%}
{{ wall_time_as_utc(expr) }}
{%- endmacro %}

{# When a performance month becomes known: the end of the month plus the reporting lag, UTC. #}
{% macro performance_event_timestamp(month_expr) -%}
{{ utc_timestamp(month_expr ~ " + interval 1 month + interval " ~ var('performance_reporting_lag_days') ~ " day") }}
{%- endmacro %}

{# The run's start time: created_timestamp of every mart row written by this run. #}
{% macro run_created_timestamp() -%}
{{ utc_timestamp_literal(run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f")) }}
{%- endmacro %}

{# The latest reporting month (YYYYMM text) with an accepted row in an incremental model; '' if none. #}
{% macro latest_accepted_month(relation) -%}
  {%- if execute -%}
    {%- set result = run_query("select coalesce(max(" ~ strftime('reporting_month', '%Y%m') ~ "), '') from " ~ relation ~ " where reject_reason is null") -%}
    {{- result.columns[0].values()[0] -}}
  {%- endif -%}
{%- endmacro %}
