-- One row per filing (originals and restatements): typed, amounts in USD as DOUBLE.
select
    company_id,
    try_cast(fiscal_year as integer) as fiscal_year,
    try_cast(fiscal_quarter as integer) as fiscal_quarter,
    {{ try_strptime('period_end_date', '%Y-%m-%d') }}::date as period_end_date,
    {{ try_strptime('filing_date', '%Y-%m-%d') }}::date as filing_date,
    try_cast(amendment_number as integer) as amendment_number,
    coalesce(currency, 'USD') as currency,
    try_cast(total_assets as double) as total_assets_usd,
    try_cast(current_assets as double) as current_assets_usd,
    try_cast(cash_and_equivalents as double) as cash_and_equivalents_usd,
    try_cast(accounts_receivable as double) as accounts_receivable_usd,
    try_cast(inventory as double) as inventory_usd,
    try_cast(total_liabilities as double) as total_liabilities_usd,
    try_cast(current_liabilities as double) as current_liabilities_usd,
    try_cast(long_term_debt as double) as long_term_debt_usd,
    try_cast(retained_earnings as double) as retained_earnings_usd,
    try_cast(total_equity as double) as total_equity_usd,
    try_cast(revenue as double) as revenue_usd,
    try_cast(cost_of_revenue as double) as cost_of_revenue_usd,
    try_cast(operating_income as double) as operating_income_usd,
    try_cast(interest_expense as double) as interest_expense_usd,
    try_cast(net_income as double) as net_income_usd,
    try_cast(operating_cash_flow as double) as operating_cash_flow_usd,
    try_cast(market_value_equity as double) as market_value_equity_usd,
    line_number
from {{ ref('base_companies__financial_statements_validated') }}
where reject_reason is null
