-- Ratios of every statement version (originals and restatements) on its own: liquidity,
-- leverage, profitability, activity, and the Altman Z and Ohlson O components that need only
-- this statement. Flow items are quarterly; "annualised" means x 4. Division by zero gives NULL.
with statements as (
    select * from {{ ref('stg_companies__financial_statements') }}
),

ratios as (
    select
        company_id,
        fiscal_year,
        fiscal_quarter,
        period_end_date,
        filing_date,
        amendment_number,
        total_assets_usd,
        net_income_usd,
        revenue_usd,
        ln(total_assets_usd / 1e6) as log_total_assets,
        current_assets_usd / nullif(current_liabilities_usd, 0) as current_ratio,
        (current_assets_usd - coalesce(inventory_usd, 0)) / nullif(current_liabilities_usd, 0) as quick_ratio,
        cash_and_equivalents_usd / nullif(current_liabilities_usd, 0) as cash_ratio,
        total_liabilities_usd / total_assets_usd as debt_to_assets,
        total_liabilities_usd / nullif(total_equity_usd, 0) as debt_to_equity,
        long_term_debt_usd / total_assets_usd as long_term_debt_to_assets,
        operating_income_usd / nullif(interest_expense_usd, 0) as interest_coverage,
        4 * net_income_usd / total_assets_usd as return_on_assets,
        4 * net_income_usd / nullif(total_equity_usd, 0) as return_on_equity,
        (revenue_usd - cost_of_revenue_usd) / nullif(revenue_usd, 0) as gross_margin,
        operating_income_usd / nullif(revenue_usd, 0) as operating_margin,
        net_income_usd / nullif(revenue_usd, 0) as net_margin,
        4 * operating_cash_flow_usd / nullif(total_liabilities_usd, 0) as operating_cash_flow_to_liabilities,
        4 * revenue_usd / total_assets_usd as asset_turnover,
        4 * revenue_usd / nullif(accounts_receivable_usd, 0) as receivables_turnover,
        4 * cost_of_revenue_usd / nullif(inventory_usd, 0) as inventory_turnover,
        (current_assets_usd - current_liabilities_usd) / total_assets_usd as altman_x1_working_capital_to_assets,
        retained_earnings_usd / total_assets_usd as altman_x2_retained_earnings_to_assets,
        4 * operating_income_usd / total_assets_usd as altman_x3_ebit_to_assets,
        market_value_equity_usd / nullif(total_liabilities_usd, 0) as altman_x4_market_equity_to_liabilities,
        4 * revenue_usd / total_assets_usd as altman_x5_sales_to_assets,
        ln(total_assets_usd / 1e6) as ohlson_size,
        total_liabilities_usd / total_assets_usd as ohlson_tlta,
        (current_assets_usd - current_liabilities_usd) / total_assets_usd as ohlson_wcta,
        current_liabilities_usd / nullif(current_assets_usd, 0) as ohlson_clca,
        (total_liabilities_usd > total_assets_usd)::bigint as ohlson_oeneg,
        4 * net_income_usd / total_assets_usd as ohlson_nita,
        4 * operating_cash_flow_usd / nullif(total_liabilities_usd, 0) as ohlson_futl
    from statements
)

select
    *,
    1.2 * altman_x1_working_capital_to_assets
        + 1.4 * altman_x2_retained_earnings_to_assets
        + 3.3 * altman_x3_ebit_to_assets
        + 0.6 * altman_x4_market_equity_to_liabilities
        + 1.0 * altman_x5_sales_to_assets as altman_z_score
from ratios
