{{ config(materialized='view') }}
-- The loan-month panel: staged performance + delinquency windows + origination + state macro,
-- with current LTV marked to market by the state house price index and the refinance incentive.
-- A view: the expensive parts (parsing, windows) are incremental tables upstream, and the windows
-- table already carries the month's performance fields; the joins left are with small tables
-- (loans, state-months), computed once when the feature mart is written.
with windows as (
    select * from {{ ref('int_loan_months__delinquency_windows') }}
),

loans as (
    select * from {{ ref('stg_freddie__loans') }}
),

state_macro as (
    select * from {{ ref('int_state_macro__monthly') }}
),

joined as (
    select
        windows.*,
        loans.property_state,
        loans.orig_upb_usd,
        loans.orig_ltv_pct,
        loans.origination_month,
        state_macro.unemployment_rate_pct as state_unemployment_rate_pct,
        state_macro.unemployment_change_3m_pct as state_unemployment_change_3m_pct,
        state_macro.unemployment_change_12m_pct as state_unemployment_change_12m_pct,
        state_macro.hpi as state_hpi,
        state_macro.hpi_change_12m_pct as state_hpi_change_12m_pct,
        state_macro.mortgage_rate_30y_pct,
        state_macro.mortgage_rate_change_12m_pct,
        origination_macro.hpi as origination_state_hpi
    from windows
    inner join loans on windows.loan_id = loans.loan_id
    left join state_macro
        on loans.property_state = state_macro.state and windows.reporting_month = state_macro.month
    left join state_macro as origination_macro
        on loans.property_state = origination_macro.state and loans.origination_month = origination_macro.month
),

final as (
    select
        {{ star_except(['origination_state_hpi', 'state_hpi']) }},
        current_upb_usd / nullif(orig_upb_usd, 0) as current_upb_to_orig_ratio,
        -- Property value at origination (UPB / LTV) moved with the state HPI since then.
        100.0 * current_upb_usd
            / nullif(orig_upb_usd / nullif(orig_ltv_pct / 100.0, 0) * state_hpi / nullif(origination_state_hpi, 0), 0)
            as current_ltv_pct,
        100.0 * (state_hpi / nullif(origination_state_hpi, 0) - 1) as hpi_change_since_origination_pct,
        current_interest_rate_pct - mortgage_rate_30y_pct as rate_incentive_pct
    from joined
)

select * from final
