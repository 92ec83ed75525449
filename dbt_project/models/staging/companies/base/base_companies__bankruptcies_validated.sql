-- bankruptcies.csv lines typed and checked; reject_reason is NULL for rows that pass.
with lines as (
    {{ csv_named_lines(source('companies', 'bankruptcies'), ['company_id', 'bankruptcy_filing_date', 'chapter']) }}
),

companies as (
    select company_id from {{ ref('stg_companies__companies') }}
),

checked as (
    select
        *,
        case
            {{ csv_field_count_violation() }}
            {{ company_id_violation() }}
            when {{ try_strptime('bankruptcy_filing_date', '%Y-%m-%d') }} is null
                then 'missing or malformed bankruptcy_filing_date: ' || coalesce(bankruptcy_filing_date, '<blank>')
            when coalesce(chapter, '') not in ('7', '11') then 'chapter must be 7 or 11: ' || coalesce(chapter, '<blank>')
            when company_id not in (select company_id from companies)
                then 'company not in companies.csv: ' || company_id
        end as rule_violation
    from lines
),

ranked as (
    select
        *,
        -- A company goes bankrupt once: the earliest valid filing wins.
        row_number() over (
            partition by case when rule_violation is null then company_id end
            order by bankruptcy_filing_date, line_number
        ) as copy_rank
    from checked
)

select
    {{ star_except(['rule_violation', 'copy_rank']) }},
    coalesce(rule_violation, case when copy_rank > 1 then 'duplicate bankruptcy of ' || company_id || ' (the earliest was kept)' end) as reject_reason
from ranked
