-- One row per state and month: unemployment and house prices with their changes, and the
-- national 30-year mortgage rate. A month's values are published 15 days after it ends, the same
-- lag as the loan performance file, so joining them to the same reporting month leaks nothing.
with unemployment as (
    select * from {{ ref('stg_macro__state_unemployment') }}
),

hpi as (
    select * from {{ ref('stg_macro__state_hpi') }}
),

mortgage_rates as (
    select * from {{ ref('stg_macro__mortgage_rates') }}
),

state_months as (
    select state, month from unemployment
    union
    select state, month from hpi
),

with_changes as (
    select
        state_months.state,
        state_months.month,
        unemployment.unemployment_rate_pct,
        unemployment.unemployment_rate_pct - unemployment_3m.unemployment_rate_pct as unemployment_change_3m_pct,
        unemployment.unemployment_rate_pct - unemployment_12m.unemployment_rate_pct as unemployment_change_12m_pct,
        hpi.hpi,
        100.0 * (hpi.hpi / nullif(hpi_12m.hpi, 0) - 1) as hpi_change_12m_pct,
        mortgage_rates.mortgage_rate_30y_pct,
        mortgage_rates.mortgage_rate_30y_pct - mortgage_rates_12m.mortgage_rate_30y_pct as mortgage_rate_change_12m_pct
    from state_months
    left join unemployment
        on state_months.state = unemployment.state and state_months.month = unemployment.month
    left join unemployment as unemployment_3m
        on state_months.state = unemployment_3m.state
        and unemployment_3m.month = (state_months.month - interval 3 month)::date
    left join unemployment as unemployment_12m
        on state_months.state = unemployment_12m.state
        and unemployment_12m.month = (state_months.month - interval 12 month)::date
    left join hpi
        on state_months.state = hpi.state and state_months.month = hpi.month
    left join hpi as hpi_12m
        on state_months.state = hpi_12m.state
        and hpi_12m.month = (state_months.month - interval 12 month)::date
    left join mortgage_rates
        on state_months.month = mortgage_rates.month
    left join mortgage_rates as mortgage_rates_12m
        on mortgage_rates_12m.month = (state_months.month - interval 12 month)::date
)

select * from with_changes
