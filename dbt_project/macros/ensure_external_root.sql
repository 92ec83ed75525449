{#
  DuckDB's COPY does not create folders, so the first build on a fresh data dir would fail to
  write the marts. A zero-row partitioned COPY creates the folder and leaves existing files alone.
#}
{% macro ensure_external_root() %}
  {% set root = target.external_root if target.external_root is defined and target.external_root else env_var('CREDITRISK_DATA_DIR', 'data') ~ '/marts' %}
  {% if execute %}
    {% do run_query("copy (select 1 as _one, 'x' as _part where false) to '" ~ root ~ "' (format parquet, partition_by (_part), overwrite_or_ignore true)") %}
  {% endif %}
{% endmacro %}
