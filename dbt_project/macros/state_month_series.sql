{#- A state-by-month macro series CSV (columns: state, month, one value column) read line by line,
    typed and checked; reject_reason is NULL for rows that pass. The unemployment and house-price
    sources share it, so their validation cannot drift apart. -#}
{% macro validated_state_month_series(source_table, value_column) %}
with lines as (
    {{ csv_named_lines(source('macro', source_table), ['state', 'month', value_column]) }}
),

states as (select code from {{ ref('state_codes') }}),
checked as (
    select
        *,
        case
            {{ csv_field_count_violation() }}
            when state is null or state not in (select code from states)
                then 'unknown state: ' || coalesce(state, '<blank>')
            when {{ yyyy_mm_to_date('month') }} is null
                then 'missing or malformed month: ' || coalesce(month, '<blank>')
            when try_cast({{ value_column }} as double) is null
                then 'missing or invalid {{ value_column }}: ' || coalesce({{ value_column }}, '<blank>')
        end as rule_violation
    from lines
),

ranked as (
    select
        *,
        row_number() over (
            partition by case when rule_violation is null then state end, case when rule_violation is null then {{ yyyy_mm_to_date('month') }} end
            order by line_number
        ) as copy_rank
    from checked
)

select
    {{ star_except(['rule_violation', 'copy_rank']) }},
    coalesce(rule_violation, case when copy_rank > 1 then 'duplicate state and month (an earlier line was kept)' end) as reject_reason
from ranked
{% endmacro %}
