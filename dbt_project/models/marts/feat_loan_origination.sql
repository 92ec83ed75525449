-- Loan origination features (docs: feat_loan_origination.yml). Known at origination: the 1st
-- of the month before the first payment, 00:00 UTC.
with loans as (
    select * from {{ ref('stg_freddie__loans') }}
),

mortgage_rates as (
    select * from {{ ref('stg_macro__mortgage_rates') }}
)

select
    loans.loan_id,
    {{ utc_timestamp('loans.origination_month') }} as event_timestamp,
    {{ run_created_timestamp() }} as created_timestamp,
    loans.credit_score::double as orig_credit_score,
    loans.is_credit_score_missing::bigint as orig_credit_score_missing,
    loans.orig_ltv_pct::double as orig_ltv_pct,
    loans.orig_cltv_pct::double as orig_cltv_pct,
    loans.orig_dti_pct::double as orig_dti_pct,
    loans.is_dti_missing::bigint as orig_dti_missing,
    loans.orig_upb_usd::double as orig_upb_usd,
    loans.orig_interest_rate_pct::double as orig_interest_rate_pct,
    -- The latest market rate published by origination: month m-2 (m-1 appears on the 15th of m).
    (loans.orig_interest_rate_pct - mortgage_rates.mortgage_rate_30y_pct)::double as orig_rate_spread_pct,
    loans.orig_loan_term_months::bigint as orig_loan_term_months,
    loans.mi_pct::double as orig_mi_pct,
    loans.num_units::bigint as orig_num_units,
    loans.num_borrowers::bigint as orig_num_borrowers,
    loans.is_first_time_homebuyer::bigint as is_first_time_homebuyer,
    loans.is_super_conforming::bigint as is_super_conforming,
    loans.has_prepayment_penalty::bigint as has_prepayment_penalty,
    coalesce(loans.occupancy_status, 'unknown') as occupancy_status,
    coalesce(loans.channel, 'unknown') as channel,
    coalesce(loans.loan_purpose, 'unknown') as loan_purpose,
    coalesce(loans.property_type, 'unknown') as property_type,
    loans.amortization_type,
    loans.property_state,
    loans.property_region,
    loans.first_payment_month,
    loans.origination_month,
    loans.source_layout
from loans
left join mortgage_rates
    on mortgage_rates.month = (loans.origination_month - interval 2 month)::date
