{#
  A warehouse built by an older version of an incremental model cannot take new rows: its table
  has other columns or types than the model now produces, so dbt would fail on the first run
  after an upgrade. Before anything runs, drop every incremental table whose columns differ from
  its model's documented columns (the docs test keeps those equal to what the model produces);
  dbt then rebuilds it in full from the raw files, as a --full-refresh would. Tables that match
  are left alone, so ordinary incremental runs are unaffected.
#}
{% macro drop_outdated_incremental_tables() %}
  {% if execute %}
    {% for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.materialized == 'incremental' and node.columns %}
      {% set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) %}
      {% if relation is not none %}
        {% set existing = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | sort | list %}
        {% set documented = node.columns.keys() | map('lower') | sort | list %}
        {% if existing != documented %}
          {{ log("Rebuilding " ~ node.name ~ " in full: the table was built by an older version of the model", info=true) }}
          {% do adapter.drop_relation(relation) %}
          {# The column lookup opened a transaction on this connection; without a commit the
             drop would be rolled back when the hook's connection is released. #}
          {% do adapter.commit() %}
        {% endif %}
      {% endif %}
    {% endfor %}
  {% endif %}
{% endmacro %}
