{{ config(materialized='view') }}
-- One row per loan and reporting month, typed and decoded. A view over the accepted rows of the
-- incremental base_freddie__performance_validated (which already holds the typed fields): a new
-- reporting month is parsed and stored once there, and nothing here is rebuilt or copied.
with valid as (
    select * from {{ ref('base_freddie__performance_validated') }}
    where reject_reason is null
),

zero_balance_codes as (select * from {{ ref('zero_balance_codes') }})

select
    valid.loan_sequence_number as loan_id,
    valid.reporting_month,
    valid.current_actual_upb as current_upb_usd,
    valid.delinquency_status_code,
    try_cast(valid.delinquency_status_code as bigint) as delinquency_status,
    valid.delinquency_status_code = 'RA' as is_reo_acquisition,
    valid.loan_age as loan_age_months,
    valid.remaining_months_to_maturity,
    coalesce(valid.modification_flag in ('Y', 'P'), false) as is_modified_this_month,
    valid.zero_balance_code,
    zero_balance_codes.zero_balance_reason,
    coalesce(zero_balance_codes.is_credit_loss, false) as is_credit_loss_exit,
    coalesce(zero_balance_codes.is_prepaid, false) as is_prepaid_exit,
    valid.zero_balance_effective_date as zero_balance_effective_month,
    valid.current_interest_rate as current_interest_rate_pct,
    valid.current_deferred_upb as current_deferred_upb_usd,
    valid.ddlpi as ddlpi_month,
    coalesce(valid.payment_deferral_flag = 'Y', false) as has_payment_deferral,
    nullif(valid.eltv, 999) as eltv_pct,
    (valid.eltv is null or valid.eltv = 999) as is_eltv_missing,
    valid.borrower_assistance_status_code,
    coalesce(valid.delinquency_due_to_disaster = 'Y', false) as is_disaster_delinquency,
    valid.layout::string as source_layout,
    valid.source_file,
    valid.line_number
from valid
left join zero_balance_codes on valid.zero_balance_code = zero_balance_codes.code
