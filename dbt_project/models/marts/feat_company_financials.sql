-- Company financial features (docs: feat_company_financials.yml). Known at the statement's
-- filing date, 00:00 UTC, never the period end. One row per company and filing day (originals
-- and restatements alike): the latest period known that day, with trends over the history as
-- known that day.
with trends as (
    select * from {{ ref('int_company_filings__trends') }}
),

companies as (
    select * from {{ ref('stg_companies__companies') }}
)

select
    trends.company_id as company_id,
    {{ utc_timestamp('trends.known_at') }} as event_timestamp,
    {{ run_created_timestamp() }} as created_timestamp,
    trends.period_end_date as period_end_date,
    trends.amendment_number::bigint as amendment_number,
    companies.sector as sector,
    (year(trends.period_end_date) - companies.founded_year)::double as company_age_years,
    trends.log_total_assets::double as log_total_assets,
    trends.current_ratio::double as current_ratio,
    trends.quick_ratio::double as quick_ratio,
    trends.cash_ratio::double as cash_ratio,
    trends.debt_to_assets::double as debt_to_assets,
    trends.debt_to_equity::double as debt_to_equity,
    trends.long_term_debt_to_assets::double as long_term_debt_to_assets,
    trends.interest_coverage::double as interest_coverage,
    trends.return_on_assets::double as return_on_assets,
    trends.return_on_equity::double as return_on_equity,
    trends.gross_margin::double as gross_margin,
    trends.operating_margin::double as operating_margin,
    trends.net_margin::double as net_margin,
    trends.operating_cash_flow_to_liabilities::double as operating_cash_flow_to_liabilities,
    trends.asset_turnover::double as asset_turnover,
    trends.receivables_turnover::double as receivables_turnover,
    trends.inventory_turnover::double as inventory_turnover,
    trends.altman_x1_working_capital_to_assets::double as altman_x1_working_capital_to_assets,
    trends.altman_x2_retained_earnings_to_assets::double as altman_x2_retained_earnings_to_assets,
    trends.altman_x3_ebit_to_assets::double as altman_x3_ebit_to_assets,
    trends.altman_x4_market_equity_to_liabilities::double as altman_x4_market_equity_to_liabilities,
    trends.altman_x5_sales_to_assets::double as altman_x5_sales_to_assets,
    trends.altman_z_score::double as altman_z_score,
    trends.ohlson_size::double as ohlson_size,
    trends.ohlson_tlta::double as ohlson_tlta,
    trends.ohlson_wcta::double as ohlson_wcta,
    trends.ohlson_clca::double as ohlson_clca,
    trends.ohlson_oeneg::bigint as ohlson_oeneg,
    trends.ohlson_nita::double as ohlson_nita,
    trends.ohlson_futl::double as ohlson_futl,
    trends.ohlson_intwo::bigint as ohlson_intwo,
    trends.ohlson_chin::double as ohlson_chin,
    trends.ohlson_o_score::double as ohlson_o_score,
    trends.revenue_growth_qoq_pct::double as revenue_growth_qoq_pct,
    trends.revenue_growth_yoy_pct::double as revenue_growth_yoy_pct,
    trends.current_ratio_qoq_change::double as current_ratio_qoq_change,
    trends.current_ratio_yoy_change::double as current_ratio_yoy_change,
    trends.current_ratio_mean_4q::double as current_ratio_mean_4q,
    trends.current_ratio_std_4q::double as current_ratio_std_4q,
    trends.current_ratio_slope_4q::double as current_ratio_slope_4q,
    trends.debt_to_assets_qoq_change::double as debt_to_assets_qoq_change,
    trends.debt_to_assets_yoy_change::double as debt_to_assets_yoy_change,
    trends.debt_to_assets_mean_4q::double as debt_to_assets_mean_4q,
    trends.debt_to_assets_std_4q::double as debt_to_assets_std_4q,
    trends.debt_to_assets_slope_4q::double as debt_to_assets_slope_4q,
    trends.return_on_assets_qoq_change::double as return_on_assets_qoq_change,
    trends.return_on_assets_yoy_change::double as return_on_assets_yoy_change,
    trends.return_on_assets_mean_4q::double as return_on_assets_mean_4q,
    trends.return_on_assets_std_4q::double as return_on_assets_std_4q,
    trends.return_on_assets_slope_4q::double as return_on_assets_slope_4q,
    trends.altman_z_score_qoq_change::double as altman_z_score_qoq_change,
    trends.altman_z_score_yoy_change::double as altman_z_score_yoy_change,
    trends.altman_z_score_mean_4q::double as altman_z_score_mean_4q,
    trends.altman_z_score_std_4q::double as altman_z_score_std_4q,
    trends.altman_z_score_slope_4q::double as altman_z_score_slope_4q,
    trends.quarters_of_history::bigint as quarters_of_history
from trends
inner join companies on trends.company_id = companies.company_id
