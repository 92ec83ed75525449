{#
  The `external` materialisation on Spark: the model's query written as a Parquet folder under
  marts_root() (`<marts>/<model>.parquet/part-*.parquet`, what Spark and Feast's Spark store read,
  and pyarrow as one dataset), and a view over that folder so `ref()` to a mart works as with the
  DuckDB version (materializations/external.sql). INSERT OVERWRITE DIRECTORY replaces the folder
  as a whole; the session's outputTimestampType keeps timestamps as UTC-adjusted microseconds, the
  type DuckDB writes for TIMESTAMP WITH TIME ZONE.
#}
{% materialization external, adapter="spark", supported_languages=['sql'] %}

  {%- set format = config.get('format') or 'parquet' -%}
  {%- if format != 'parquet' -%}
    {{ exceptions.raise_compiler_error("The Spark external materialisation writes parquet, not " ~ format) }}
  {%- endif -%}
  {%- set location = config.get('location') or (marts_root() ~ '/' ~ this.identifier ~ '.parquet') -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing_relation = load_cached_relation(this) -%}

  {{ run_hooks(pre_hooks) }}

  {% call statement('write_to_file') -%}
    insert overwrite directory '{{ location }}' using parquet
    {{ compiled_code }}
  {%- endcall %}

  {% if existing_relation is not none and existing_relation.type != 'view' %}
    {{ drop_relation_if_exists(existing_relation) }}
  {% endif %}
  {% call statement('main') -%}
    create or replace view {{ target_relation }} as select * from parquet.`{{ location }}`
  {%- endcall %}

  {{ run_hooks(post_hooks) }}

  {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
