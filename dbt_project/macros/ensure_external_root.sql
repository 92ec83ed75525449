{#
  DuckDB's COPY does not create folders, so the first build on a fresh data dir would fail to
  write the marts. A zero-row partitioned COPY creates the folder and leaves existing files alone.
#}
{% macro ensure_external_root() %}
  {{ return(adapter.dispatch('ensure_external_root', 'creditrisk')()) }}
{% endmacro %}

{# Spark's writers create their folders. #}
{% macro spark__ensure_external_root() %}{% endmacro %}

{% macro duckdb__ensure_external_root() %}
  {% set root = marts_root() %}
  {% if execute %}
    {% do run_query("copy (select 1 as _one, 'x' as _part where false) to '" ~ root ~ "' (format parquet, partition_by (_part), overwrite_or_ignore true)") %}
  {% endif %}
{% endmacro %}
