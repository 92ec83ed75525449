-- Loan monthly performance features (docs: feat_loan_monthly_performance.yml). Known at the
-- end of the reporting month plus the reporting lag (var performance_reporting_lag_days), UTC.
with panel as (
    select * from {{ ref('int_loan_months__panel') }}
)

select
    loan_id,
    {{ performance_event_timestamp('reporting_month') }} as event_timestamp,
    {{ run_created_timestamp() }} as created_timestamp,
    reporting_month,
    current_upb_usd::double as current_upb_usd,
    current_upb_to_orig_ratio::double as current_upb_to_orig_ratio,
    delinquency_status::bigint as delinquency_status,
    is_reo_acquisition::bigint as is_reo_acquisition,
    delinquency_status_change_1m::bigint as delinquency_status_change_1m,
    loan_age_months::bigint as loan_age_months,
    remaining_months_to_maturity::bigint as remaining_months_to_maturity,
    current_interest_rate_pct::double as current_interest_rate_pct,
    months_delinquent_6m::bigint as months_delinquent_6m,
    months_delinquent_12m::bigint as months_delinquent_12m,
    worst_delinquency_12m::bigint as worst_delinquency_12m,
    count_30dpd_12m::bigint as count_30dpd_12m,
    count_60dpd_12m::bigint as count_60dpd_12m,
    count_90plus_dpd_12m::bigint as count_90plus_dpd_12m,
    current_delinquency_streak_months::bigint as current_delinquency_streak_months,
    months_since_last_delinquent::bigint as months_since_last_delinquent,
    months_observed::bigint as months_observed,
    upb_paydown_1m_pct::double as upb_paydown_1m_pct,
    upb_paydown_12m_pct::double as upb_paydown_12m_pct,
    missed_payments_since_ddlpi::bigint as missed_payments_since_ddlpi,
    is_modified::bigint as is_modified,
    has_payment_deferral::bigint as has_payment_deferral,
    has_borrower_assistance::bigint as has_borrower_assistance,
    current_ltv_pct::double as current_ltv_pct,
    eltv_pct::double as eltv_pct,
    is_eltv_missing::bigint as eltv_missing,
    rate_incentive_pct::double as rate_incentive_pct,
    state_unemployment_rate_pct::double as state_unemployment_rate_pct,
    state_unemployment_change_3m_pct::double as state_unemployment_change_3m_pct,
    state_unemployment_change_12m_pct::double as state_unemployment_change_12m_pct,
    state_hpi_change_12m_pct::double as state_hpi_change_12m_pct,
    hpi_change_since_origination_pct::double as hpi_change_since_origination_pct,
    mortgage_rate_30y_pct::double as mortgage_rate_30y_pct,
    mortgage_rate_change_12m_pct::double as mortgage_rate_change_12m_pct
from panel
