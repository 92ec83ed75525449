{#
  dbt-duckdb's `external` materialisation, writing the model's query straight to its file.

  The adapter's own version first stores the query's result in a temporary table inside the
  warehouse, then COPYs that table to the file and drops it. For the 6M-row feature mart that
  table write cost about as much as the Parquet write itself, for nothing: the marts live in
  their files. This version runs `COPY (<query>) TO <location>` and puts the same view over the
  file, so `ref()` to a mart and everything downstream behave exactly as with the adapter's.
  Same configuration (`location`, `format`, `options`, read options); SQL models only, and no
  Glue/plugin registration (this project uses neither). A zero-row result still writes a file
  with the full schema, so the adapter's placeholder-row workaround is not needed.
  Defined in the root project, so dbt picks it over the adapter's for `materialized='external'`.
#}
{% materialization external, adapter="duckdb", supported_languages=['sql'] %}

  {%- set location = render(config.get('location', default=external_location(this, config))) -%}
  {%- set rendered_options = render_write_options(config) -%}
  {%- set write_options = adapter.external_write_options(location, rendered_options) -%}
  {%- set format = config.get('format') or (rendered_options['format'] | lower) -%}
  {%- if format not in ['csv', 'parquet', 'json'] -%}
    {{ exceptions.raise_compiler_error("Invalid format: " ~ format ~ ". Allowed formats are: csv, parquet, json") }}
  {%- endif -%}
  {%- set read_location = adapter.external_read_location(location, rendered_options) -%}
  {%- set read_options = config.get(format ~ '_read_options', {'union_by_name': False} if format == 'parquet' else {'auto_detect': True}) -%}
  {%- if rendered_options.get('compression') and format != 'parquet' and 'compression' not in read_options -%}
    {%- set read_options = dict(read_options, compression=rendered_options['compression']) -%}
  {%- endif -%}

  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {% set grant_config = config.get('grants') %}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  -- `BEGIN` happens here:
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% call statement('write_to_file') -%}
    copy (
      {{ compiled_code }}
    ) to '{{ location }}' ({{ write_options }})
  {%- endcall %}

  {% if existing_relation is not none and existing_relation.type != 'view' %}
    {{ drop_relation_if_exists(existing_relation) }}
  {% endif %}
  {% call statement('main') -%}
    create or replace view {{ target_relation }} as (
      select * from {{ 'read_' ~ format }}('{{ read_location }}'
      {%- for key, value in read_options.items() -%}
        , {{ key }}={% if value is string %}'{{ value }}'{% else %}{{ value }}{% endif %}
      {%- endfor -%}
      )
    )
  {%- endcall %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
  {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}
  {% do persist_docs(target_relation, model) %}
  -- `COMMIT` happens here
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
