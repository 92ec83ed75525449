-- companies.csv lines typed and checked; reject_reason is NULL for rows that pass.
with lines as (
    {{ csv_named_lines(source('companies', 'companies'), ['company_id', 'company_name', 'sector', 'founded_year']) }}
),

checked as (
    select
        *,
        case
            {{ csv_field_count_violation() }}
            {{ company_id_violation() }}
            when sector is null then 'missing sector'
            when {{ failed_cast('founded_year', 'integer') }} then 'invalid founded_year: ' || founded_year
        end as rule_violation
    from lines
),

ranked as (
    select
        *,
        row_number() over (
            partition by case when rule_violation is null then company_id end
            order by line_number
        ) as copy_rank
    from checked
)

select
    {{ star_except(['rule_violation', 'copy_rank']) }},
    coalesce(rule_violation, case when copy_rank > 1 then 'duplicate company_id ' || company_id || ' (an earlier line was kept)' end) as reject_reason
from ranked
