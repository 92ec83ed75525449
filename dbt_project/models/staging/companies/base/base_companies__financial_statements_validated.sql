{% set money_columns = ['total_assets', 'current_assets', 'cash_and_equivalents', 'accounts_receivable',
    'inventory', 'total_liabilities', 'current_liabilities', 'long_term_debt', 'retained_earnings',
    'total_equity', 'revenue', 'cost_of_revenue', 'operating_income', 'interest_expense', 'net_income',
    'operating_cash_flow', 'market_value_equity'] %}
-- financial_statements.csv lines typed and checked; reject_reason is NULL for rows that pass.
with lines as (
    {{ csv_named_lines(source('companies', 'financial_statements'),
        ['company_id', 'fiscal_year', 'fiscal_quarter', 'period_end_date', 'filing_date',
         'amendment_number', 'currency'] + money_columns) }}
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
            when try_cast(fiscal_year as integer) is null then 'missing or invalid fiscal_year: ' || coalesce(fiscal_year, '<blank>')
            when try_cast(fiscal_quarter as integer) not between 1 and 4 or fiscal_quarter is null
                then 'missing or invalid fiscal_quarter: ' || coalesce(fiscal_quarter, '<blank>')
            when {{ try_strptime('period_end_date', '%Y-%m-%d') }} is null
                then 'missing or malformed period_end_date: ' || coalesce(period_end_date, '<blank>')
            when {{ try_strptime('filing_date', '%Y-%m-%d') }} is null
                then 'missing or malformed filing_date: ' || coalesce(filing_date, '<blank>')
            when {{ try_strptime('filing_date', '%Y-%m-%d') }} <= {{ try_strptime('period_end_date', '%Y-%m-%d') }}
                then 'filing_date ' || filing_date || ' is not after period_end_date ' || period_end_date
            when try_cast(amendment_number as integer) is null or try_cast(amendment_number as integer) < 0
                then 'missing or invalid amendment_number: ' || coalesce(amendment_number, '<blank>')
            when coalesce(currency, 'USD') <> 'USD' then 'unsupported currency: ' || currency
            {%- for column in money_columns %}
            when {{ failed_cast(column, 'double') }} then 'invalid {{ column }}: ' || {{ column }}
            {%- endfor %}
            when try_cast(total_assets as double) is null or try_cast(total_assets as double) <= 0
                then 'missing or non-positive total_assets: ' || coalesce(total_assets, '<blank>')
            when company_id not in (select company_id from companies)
                then 'company not in companies.csv: ' || company_id
        end as rule_violation
    from lines
),

ranked as (
    select
        *,
        row_number() over (
            partition by case when rule_violation is null then company_id end,
                case when rule_violation is null then period_end_date end,
                case when rule_violation is null then amendment_number end
            order by line_number
        ) as copy_rank
    from checked
)

select
    {{ star_except(['rule_violation', 'copy_rank']) }},
    coalesce(rule_violation, case when copy_rank > 1 then 'duplicate filing ' || company_id || ' '
        || period_end_date || ' amendment ' || amendment_number || ' (an earlier line was kept)' end) as reject_reason
from ranked
