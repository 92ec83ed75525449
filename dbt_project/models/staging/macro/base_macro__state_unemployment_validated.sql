-- state_unemployment.csv lines typed and checked; reject_reason is NULL for rows that pass.
with lines as (
    {{ csv_named_lines(source('macro', 'state_unemployment'), ['state', 'month', 'unemployment_rate_pct']) }}
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
            when try_cast(unemployment_rate_pct as double) is null
                then 'missing or invalid unemployment_rate_pct: ' || coalesce(unemployment_rate_pct, '<blank>')
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
    * exclude (rule_violation, copy_rank),
    coalesce(rule_violation, case when copy_rank > 1 then 'duplicate state and month (an earlier line was kept)' end) as reject_reason
from ranked
