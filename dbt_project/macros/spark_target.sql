{#
  What the Spark target needs that DuckDB gets from its adapter (docs/scale-out.md).
#}

{#
  Incremental models stay incremental on DuckDB. On Spark the marts and tables are plain Parquet
  (Delta and Iceberg need jars from Maven, which this project cannot fetch); a Parquet table takes
  no DELETE, which the incremental tail logic needs, so there they are rebuilt in full as tables.
#}
{% macro incremental_or_table() -%}
{{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{# Where the Parquet marts go: the target's external_root, else $CREDITRISK_DATA_DIR/marts. #}
{% macro marts_root() -%}
{{ return(target.external_root if target.external_root is defined and target.external_root else env_var('CREDITRISK_DATA_DIR', 'data') ~ '/marts') }}
{%- endmacro %}

{#
  Register the raw files as the sources' relations, before any model runs. DuckDB reads them
  through each source's meta.external_location (dbt-duckdb); Spark gets one view per source over
  the same files, read line by line with Spark's text reader: line, filename, the split the line
  was read in (block_start) and a per-task counter (scan_id), from which
  numbered_raw_lines_with numbers the lines. The path and header flag are taken from the
  external_location itself, so the two engines cannot read different files.
#}
{% macro register_raw_sources() -%}
{{ adapter.dispatch('register_raw_sources', 'creditrisk')() }}
{%- endmacro %}
{% macro default__register_raw_sources() %}{% endmacro %}
{% macro spark__register_raw_sources() %}
  {% if execute %}
    {% for source in graph.sources.values() if source.meta.external_location %}
      {% set location = render(source.meta.external_location) %}
      {% set path = location.split("read_csv('")[1].split("'")[0] %}
      {% set lines =
          "select value as line, _metadata.file_path as filename, _metadata.file_block_start as block_start, "
          ~ "monotonically_increasing_id() as scan_id from text.`" ~ path ~ "`" %}
      {% if 'header=true' in location %}
        {# A CSV header is the first line of the file's first split; the sources hold data lines only,
           as DuckDB's read_csv(header=true) gives. The CSV sources are small, so a window is cheap. #}
        {% set lines =
            "select line, filename, block_start, scan_id from ("
            ~ "select *, min(scan_id) over (partition by filename, block_start) as first_scan_id from (" ~ lines ~ ")"
            ~ ") where not (block_start = 0 and scan_id = first_scan_id)" %}
      {% endif %}
      {% do run_query("create database if not exists " ~ source.schema) %}
      {% do run_query("create or replace view " ~ source.schema ~ "." ~ source.identifier ~ " as " ~ lines) %}
    {% endfor %}
  {% endif %}
{% endmacro %}
