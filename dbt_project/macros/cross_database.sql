{#
  Dialect differences between DuckDB (the embedded default) and Apache Spark (the scale-out
  target, docs/scale-out.md), one dispatched macro per construct the models use, so the models
  themselves exist once. The duckdb__ versions emit exactly the SQL the models had before, so the
  DuckDB build is unchanged; the spark__ versions assume the session settings of the `spark`
  target in profiles.yml (session time zone UTC, ANSI off as dbt-spark forces, CORRECTED parser).
#}

{# `* exclude (a, b)`: every column of `relation` (a qualifier, or '' for all) but the named ones. #}
{% macro star_except(columns, qualifier='') -%}
{{ adapter.dispatch('star_except', 'creditrisk')(columns, qualifier) }}
{%- endmacro %}
{% macro duckdb__star_except(columns, qualifier) -%}
{{ qualifier ~ '.' if qualifier }}* exclude ({{ columns | join(', ') }})
{%- endmacro %}
{% macro spark__star_except(columns, qualifier) -%}
{{ qualifier ~ '.' if qualifier }}* except ({{ columns | join(', ') }})
{%- endmacro %}

{# The semi-join keyword: rows of the left side that have a match, each once. #}
{% macro semi_join() -%}
{{ adapter.dispatch('semi_join', 'creditrisk')() }}
{%- endmacro %}
{% macro duckdb__semi_join() %}semi join{% endmacro %}
{% macro spark__semi_join() %}left semi join{% endmacro %}

{# Length of a string in bytes (the raw files are ASCII; counting bytes skips UTF-8 decoding). #}
{% macro byte_length(expr) -%}
{{ adapter.dispatch('byte_length', 'creditrisk')(expr) }}
{%- endmacro %}
{% macro duckdb__byte_length(expr) %}strlen({{ expr }}){% endmacro %}
{% macro spark__byte_length(expr) %}octet_length({{ expr }}){% endmacro %}

{# The base name of a file path (what follows the last '/'). #}
{% macro file_base_name(expr) -%}
{{ adapter.dispatch('file_base_name', 'creditrisk')(expr) }}
{%- endmacro %}
{% macro duckdb__file_base_name(expr) %}parse_filename({{ expr }}){% endmacro %}
{% macro spark__file_base_name(expr) %}regexp_extract({{ expr }}, '[^/]*$', 0){% endmacro %}

{# A string split on a literal one-character delimiter into a list. #}
{% macro split_to_list(expr, delimiter) -%}
{{ adapter.dispatch('split_to_list', 'creditrisk')(expr, delimiter) }}
{%- endmacro %}
{% macro duckdb__split_to_list(expr, delimiter) %}string_split({{ expr }}, '{{ delimiter }}'){% endmacro %}
{# Spark's split() takes a regular expression; -1 keeps trailing empty fields as DuckDB does. #}
{% macro spark__split_to_list(expr, delimiter) %}split({{ expr }}, '\\{{ delimiter }}', -1){% endmacro %}

{# Element `position` (1-based, a literal) of a list; NULL past its end. #}
{% macro list_item(list_expr, position) -%}
{{ adapter.dispatch('list_item', 'creditrisk')(list_expr, position) }}
{%- endmacro %}
{% macro duckdb__list_item(list_expr, position) %}{{ list_expr }}[{{ position }}]{% endmacro %}
{# 0-based subscript; NULL past the end with ANSI off (dbt-spark's setting). #}
{% macro spark__list_item(list_expr, position) %}{{ list_expr }}[{{ position - 1 }}]{% endmacro %}

{# Number of elements of a list. #}
{% macro list_length(list_expr) -%}
{{ adapter.dispatch('list_length', 'creditrisk')(list_expr) }}
{%- endmacro %}
{% macro duckdb__list_length(list_expr) %}len({{ list_expr }}){% endmacro %}
{% macro spark__list_length(list_expr) %}size({{ list_expr }}){% endmacro %}

{# True when the whole string matches the regular expression. #}
{% macro regexp_full_match(expr, pattern) -%}
{{ adapter.dispatch('regexp_full_match', 'creditrisk')(expr, pattern) }}
{%- endmacro %}
{% macro duckdb__regexp_full_match(expr, pattern) %}regexp_full_match({{ expr }}, '{{ pattern }}'){% endmacro %}
{% macro spark__regexp_full_match(expr, pattern) %}({{ expr }} rlike '^(?:{{ pattern }})$'){% endmacro %}

{#
  Text parsed with a strptime format to a timestamp, NULL when it does not parse. The Spark
  version maps the few formats the models use to Java patterns.
#}
{% macro try_strptime(expr, format) -%}
{{ adapter.dispatch('try_strptime', 'creditrisk')(expr, format) }}
{%- endmacro %}
{% macro duckdb__try_strptime(expr, format) %}try_strptime({{ expr }}, '{{ format }}'){% endmacro %}
{% macro spark__try_strptime(expr, format) -%}
try_to_timestamp({{ expr }}, '{{ creditrisk.java_datetime_pattern(format) }}')
{%- endmacro %}

{# A date or timestamp formatted with a strftime format. #}
{% macro strftime(expr, format) -%}
{{ adapter.dispatch('strftime', 'creditrisk')(expr, format) }}
{%- endmacro %}
{% macro duckdb__strftime(expr, format) %}strftime({{ expr }}, '{{ format }}'){% endmacro %}
{% macro spark__strftime(expr, format) -%}
date_format({{ expr }}, '{{ creditrisk.java_datetime_pattern(format) }}')
{%- endmacro %}

{% macro java_datetime_pattern(format) -%}
{%- set patterns = {'%Y%m%d': 'yyyyMMdd', '%Y-%m-%d': 'yyyy-MM-dd', '%Y%m': 'yyyyMM', '%Y-%m': 'yyyy-MM'} -%}
{%- if format not in patterns -%}
  {{ exceptions.raise_compiler_error("No Spark pattern for the strftime format " ~ format) }}
{%- endif -%}
{{ patterns[format] }}
{%- endmacro %}

{#
  A TIMESTAMP WITH TIME ZONE shown as the UTC wall-clock TIMESTAMP (DuckDB's timezone('UTC', x)).
  Spark's TIMESTAMP is an instant shown in the session time zone, which the spark target sets to
  UTC, so the value is already its UTC wall time.
#}
{% macro utc_wall_time(expr) -%}
{{ adapter.dispatch('utc_wall_time', 'creditrisk')(expr) }}
{%- endmacro %}
{% macro duckdb__utc_wall_time(expr) %}timezone('UTC', {{ expr }}){% endmacro %}
{% macro spark__utc_wall_time(expr) %}({{ expr }}){% endmacro %}

{# A timestamp literal (UTC) as TIMESTAMP WITH TIME ZONE. #}
{% macro utc_timestamp_literal(text) -%}
{{ adapter.dispatch('utc_timestamp_literal', 'creditrisk')(text) }}
{%- endmacro %}
{% macro duckdb__utc_timestamp_literal(text) %}'{{ text }}+00'::timestamptz{% endmacro %}
{% macro spark__utc_timestamp_literal(text) %}timestamp '{{ text }}'{% endmacro %}

{# A DATE/TIMESTAMP wall time read as UTC: TIMESTAMP WITH TIME ZONE (Spark: an instant in the UTC session). #}
{% macro wall_time_as_utc(expr) -%}
{{ adapter.dispatch('wall_time_as_utc', 'creditrisk')(expr) }}
{%- endmacro %}
{% macro duckdb__wall_time_as_utc(expr) %}timezone('UTC', ({{ expr }})::timestamp){% endmacro %}
{% macro spark__wall_time_as_utc(expr) %}cast(({{ expr }}) as timestamp){% endmacro %}

{# Quote-aware split of one CSV line into its fields ("a, b" and "" escapes), blanks as NULL. #}
{% macro csv_fields(line_expr) -%}
{{ adapter.dispatch('csv_fields', 'creditrisk')(line_expr) }}
{%- endmacro %}
{% macro duckdb__csv_fields(line_expr) -%}
list_transform(
    regexp_extract_all({{ line_expr }} || ',', '("(?:[^"]|"")*"|[^,"]*),', 1),
    x -> nullif(trim(case when starts_with(x, '"') then replace(x[2:-2], '""', '"') else x end), '')
)
{%- endmacro %}
{% macro spark__csv_fields(line_expr) -%}
transform(
    regexp_extract_all({{ line_expr }} || ',', '("(?:[^"]|"")*"|[^,"]*),', 1),
    x -> nullif(trim(case when startswith(x, '"') then replace(substring(x, 2, length(x) - 2), '""', '"') else x end), '')
)
{%- endmacro %}
