{#
  The company-id rule, in one place for the three companies files that carry an id (companies,
  financial_statements, bankruptcies): an id is "C" followed by 6 digits. Fields arrive trimmed,
  blanks as NULL (csv_fields); there is no case folding, so "c000001" is rejected, not repaired.
  A `when ... then <reject reason>` branch for a base model's rule_violation case, like
  csv_field_count_violation().
#}
{% macro company_id_violation(column='company_id') -%}
when {{ column }} is null or not {{ regexp_full_match(column, "C[0-9]{6}") }}
    then 'missing or malformed {{ column }}: ' || coalesce({{ column }}, '<blank>')
{%- endmacro %}
