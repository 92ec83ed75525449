-- One row per company and filing day: the latest period known that day (in its latest version)
-- with trends over the history known that day (QoQ and YoY changes, 4-quarter mean, volatility
-- and slope) and the Ohlson terms that need the previous quarter (INTWO, CHIN), which complete
-- the O-score. A restatement of an older quarter thus shows up as changed trends at its own
-- filing date.
{% set trended = ['current_ratio', 'debt_to_assets', 'return_on_assets', 'altman_z_score'] %}
with history as (
    select * from {{ ref('int_company_filings__known_history') }}
),

current_quarter as (
    select {{ star_except(['quarters_back', 'quarters_of_history']) }}
    from history
    where quarters_back = 0
),

aggregated as (
    select
        company_id,
        known_at,
        max(quarters_of_history) as quarters_of_history,
        max(case when quarters_back = 1 then net_income_usd end) as previous_net_income_usd,
        max(case when quarters_back = 1 then revenue_usd end) as previous_revenue_usd,
        max(case when quarters_back = 4 then revenue_usd end) as year_ago_revenue_usd,
        {%- for column in trended %}
        max(case when quarters_back = 1 then {{ column }} end) as {{ column }}_previous,
        max(case when quarters_back = 4 then {{ column }} end) as {{ column }}_year_ago,
        avg({{ column }}) filter (where quarters_back between 0 and 3) as {{ column }}_mean_4q,
        stddev_samp({{ column }}) filter (where quarters_back between 0 and 3) as {{ column }}_std_4q,
        regr_slope({{ column }}, -quarters_back) filter (where quarters_back between 0 and 3) as {{ column }}_slope_4q
        {{- ',' if not loop.last }}
        {%- endfor %}
    from history
    group by all
),

combined as (
    select
        current_quarter.*,
        aggregated.quarters_of_history,
        100.0 * (current_quarter.revenue_usd / nullif(aggregated.previous_revenue_usd, 0) - 1) as revenue_growth_qoq_pct,
        100.0 * (current_quarter.revenue_usd / nullif(aggregated.year_ago_revenue_usd, 0) - 1) as revenue_growth_yoy_pct,
        {%- for column in trended %}
        current_quarter.{{ column }} - aggregated.{{ column }}_previous as {{ column }}_qoq_change,
        current_quarter.{{ column }} - aggregated.{{ column }}_year_ago as {{ column }}_yoy_change,
        aggregated.{{ column }}_mean_4q,
        aggregated.{{ column }}_std_4q,
        aggregated.{{ column }}_slope_4q,
        {%- endfor %}
        coalesce(current_quarter.net_income_usd < 0 and aggregated.previous_net_income_usd < 0, false)::bigint as ohlson_intwo,
        (current_quarter.net_income_usd - aggregated.previous_net_income_usd)
            / nullif(abs(current_quarter.net_income_usd) + abs(aggregated.previous_net_income_usd), 0) as ohlson_chin
    from current_quarter
    inner join aggregated using (company_id, known_at)
)

select
    *,
    -1.32 - 0.407 * coalesce(ohlson_size, 0) + 6.03 * coalesce(ohlson_tlta, 0)
        - 1.43 * coalesce(ohlson_wcta, 0) + 0.0757 * coalesce(ohlson_clca, 0)
        - 1.72 * coalesce(ohlson_oeneg, 0) - 2.37 * coalesce(ohlson_nita, 0)
        - 1.83 * coalesce(ohlson_futl, 0) + 0.285 * coalesce(ohlson_intwo, 0)
        - 0.521 * coalesce(ohlson_chin, 0) as ohlson_o_score
from combined
