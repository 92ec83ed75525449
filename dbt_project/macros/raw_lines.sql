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
    parse_filename(scanned.filename) as source_file,
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

{# Split one CSV line into its fields, honouring double quotes ("a, b" and "" escapes). #}
{% macro csv_fields(line_expr) -%}
list_transform(
    regexp_extract_all({{ line_expr }} || ',', '("(?:[^"]|"")*"|[^,"]*),', 1),
    x -> nullif(trim(case when starts_with(x, '"') then replace(x[2:-2], '""', '"') else x end), '')
)
{%- endmacro %}

{# A blank or whitespace-only field is missing. #}
{% macro blank_to_null(expr) -%}
nullif(trim({{ expr }}), '')
{%- endmacro %}

{# YYYYMM text to the first day of that month (NULL when malformed). #}
{% macro yyyymm_to_date(expr) -%}
try_strptime(nullif(trim({{ expr }}), '') || '01', '%Y%m%d')::date
{%- endmacro %}

{# YYYY-MM text to the first day of that month (NULL when malformed). #}
{% macro yyyy_mm_to_date(expr) -%}
try_strptime(nullif(trim({{ expr }}), '') || '-01', '%Y-%m-%d')::date
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
    len(fields) as field_count,
    {{ columns | length }} as expected_field_count,
    {%- for column in columns %}
    fields[{{ loop.index }}] as {{ column }}{{ ',' if not loop.last }}
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
timezone('UTC', ({{ expr }})::timestamp)
{%- endmacro %}

{# When a performance month becomes known: the end of the month plus the reporting lag, UTC. #}
{% macro performance_event_timestamp(month_expr) -%}
{{ utc_timestamp(month_expr ~ " + interval 1 month + interval " ~ var('performance_reporting_lag_days') ~ " day") }}
{%- endmacro %}

{# The run's start time: created_timestamp of every mart row written by this run. #}
{% macro run_created_timestamp() -%}
'{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00'::timestamptz
{%- endmacro %}

{# The latest reporting month (YYYYMM text) with an accepted row in an incremental model; '' if none. #}
{% macro latest_accepted_month(relation) -%}
  {%- if execute -%}
    {%- set result = run_query("select coalesce(max(strftime(reporting_month, '%Y%m')), '') from " ~ relation ~ " where reject_reason is null") -%}
    {{- result.columns[0].values()[0] -}}
  {%- endif -%}
{%- endmacro %}
