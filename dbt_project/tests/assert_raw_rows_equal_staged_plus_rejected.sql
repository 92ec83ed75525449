-- Nothing disappears: for every source, raw lines = staged rows + rejected rows.
-- Returns one row per source whose counts do not add up.
{% set sources = [
    ('freddie', 'origination', 'stg_freddie__loans', 'stg_freddie__loans_rejected'),
    ('freddie', 'performance', 'stg_freddie__performance', 'stg_freddie__performance_rejected'),
    ('companies', 'companies', 'stg_companies__companies', 'stg_companies__companies_rejected'),
    ('companies', 'financial_statements', 'stg_companies__financial_statements', 'stg_companies__financial_statements_rejected'),
    ('companies', 'bankruptcies', 'stg_companies__bankruptcies', 'stg_companies__bankruptcies_rejected'),
    ('macro', 'state_unemployment', 'stg_macro__state_unemployment', 'stg_macro__state_unemployment_rejected'),
    ('macro', 'state_hpi', 'stg_macro__state_hpi', 'stg_macro__state_hpi_rejected'),
    ('macro', 'mortgage_rate_30y', 'stg_macro__mortgage_rates', 'stg_macro__mortgage_rates_rejected'),
] %}
with counts as (
    {% for source_name, table, staged, rejected in sources %}
    select
        '{{ source_name }}.{{ table }}' as source_table,
        (select count(*) from {{ source(source_name, table) }}) as raw_rows,
        (select count(*) from {{ ref(staged) }}) as staged_rows,
        (select count(*) from {{ ref(rejected) }}) as rejected_rows
    {{ 'union all' if not loop.last }}
    {% endfor %}
)

select *
from counts
where raw_rows <> staged_rows + rejected_rows
