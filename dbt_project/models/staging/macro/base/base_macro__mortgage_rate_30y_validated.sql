-- mortgage_rate_30y.csv lines typed and checked; reject_reason is NULL for rows that pass.
with lines as (
    {{ csv_named_lines(source('macro', 'mortgage_rate_30y'), ['month', 'rate_pct']) }}
),

checked as (
    select
        *,
        case
            {{ csv_field_count_violation() }}

            when {{ yyyy_mm_to_date('month') }} is null
                then 'missing or malformed month: ' || coalesce(month, '<blank>')
            when try_cast(rate_pct as double) is null
                then 'missing or invalid rate_pct: ' || coalesce(rate_pct, '<blank>')
        end as rule_violation
    from lines
),

ranked as (
    select
        *,
        row_number() over (
            partition by case when rule_violation is null then {{ yyyy_mm_to_date('month') }} end
            order by line_number
        ) as copy_rank
    from checked
)

select
    {{ star_except(['rule_violation', 'copy_rank']) }},
    coalesce(rule_violation, case when copy_rank > 1 then 'duplicate month (an earlier line was kept)' end) as reject_reason
from ranked
