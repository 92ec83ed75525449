-- One row per loan: typed, snake_case, codes decoded through the seeds, sentinels to NULL with a
-- flag where missingness carries signal (credit score, DTI).
with valid as (
    select * from {{ ref('base_freddie__loans_validated') }}
    where reject_reason is null
),

channels as (select * from {{ ref('channel_codes') }}),
purposes as (select * from {{ ref('purpose_codes') }}),
occupancies as (select * from {{ ref('occupancy_codes') }}),
property_types as (select * from {{ ref('property_type_codes') }}),
states as (select * from {{ ref('state_codes') }}),

typed as (
    select
        loan_sequence_number as loan_id,
        {{ yyyymm_to_date('first_payment_date') }} as first_payment_month,
        ({{ yyyymm_to_date('first_payment_date') }} - interval 1 month)::date as origination_month,
        {{ yyyymm_to_date('maturity_date') }} as maturity_month,
        nullif(try_cast(credit_score as integer), 9999) as credit_score,
        (credit_score is null or try_cast(credit_score as integer) = 9999) as is_credit_score_missing,
        case first_time_homebuyer_flag when 'Y' then true when 'N' then false end as is_first_time_homebuyer,
        msa as msa_code,
        nullif(try_cast(mi_pct as integer), 999) as mi_pct,
        nullif(try_cast(num_units as integer), 99) as num_units,
        coalesce(occupancy_code, '9') as occupancy_code,
        nullif(try_cast(orig_cltv as integer), 999) as orig_cltv_pct,
        nullif(try_cast(orig_dti as integer), 999) as orig_dti_pct,
        (orig_dti is null or try_cast(orig_dti as integer) = 999) as is_dti_missing,
        try_cast(orig_upb as double) as orig_upb_usd,
        nullif(try_cast(orig_ltv as integer), 999) as orig_ltv_pct,
        try_cast(orig_interest_rate as double) as orig_interest_rate_pct,
        coalesce(channel_code, '9') as channel_code,
        coalesce(ppm_flag = 'Y', false) as has_prepayment_penalty,
        amortization_type,
        property_state,
        coalesce(property_type_code, '99') as property_type_code,
        postal_code,
        coalesce(loan_purpose_code, '9') as loan_purpose_code,
        try_cast(orig_loan_term as integer) as orig_loan_term_months,
        nullif(try_cast(num_borrowers as integer), 99) as num_borrowers,
        seller_name,
        servicer_name,
        coalesce(super_conforming_flag = 'Y', false) as is_super_conforming,
        pre_relief_loan_sequence_number,
        nullif(special_eligibility_program, '9') as special_eligibility_program,
        coalesce(relief_refinance_indicator = 'Y', false) as is_relief_refinance,
        nullif(property_valuation_method, '9') as property_valuation_method,
        interest_only_indicator = 'Y' as is_interest_only,
        mi_cancellation_indicator,
        try_cast(vantagescore_4 as integer) as vantagescore_4,
        layout::string as source_layout,
        source_file,
        line_number
    from valid
)

select
    typed.*,
    channels.channel,
    purposes.loan_purpose,
    occupancies.occupancy_status,
    property_types.property_type,
    states.region as property_region
from typed
left join channels on typed.channel_code = channels.code
left join purposes on typed.loan_purpose_code = purposes.code
left join occupancies on typed.occupancy_code = occupancies.code
left join property_types on typed.property_type_code = property_types.code
left join states on typed.property_state = states.code
