{{ config(materialized='table') }}
-- Origination lines typed and checked: each row carries the first rule it breaks (reject_reason)
-- or NULL, and whether it is the copy kept among duplicates of its loan_id.
with lines as (
    select * from {{ ref('base_freddie__origination_lines') }}
),

states as (select code from {{ ref('state_codes') }}),
channels as (select code from {{ ref('channel_codes') }}),
purposes as (select code from {{ ref('purpose_codes') }}),
occupancies as (select code from {{ ref('occupancy_codes') }}),
property_types as (select code from {{ ref('property_type_codes') }}),

checked as (
    select
        lines.*,
        case
            when layout is null
                then 'unknown layout: no line of the file has 26, 31 or 32 fields'
            when field_count <> layout
                then 'field count ' || field_count || ' does not match the file layout (' || layout || ')'
            when loan_sequence_number is null
                then 'missing loan sequence number'
            when not regexp_full_match(loan_sequence_number, 'F[0-9]{2,3}Q[1-4][0-9]{6,7}')
                or length(loan_sequence_number) <> 12
                then 'malformed loan sequence number: ' || loan_sequence_number
            when {{ yyyymm_to_date('first_payment_date') }} is null
                then 'missing or malformed first payment date: ' || coalesce(first_payment_date, '<blank>')
            when {{ failed_cast('credit_score', 'integer') }}
                or not (try_cast(credit_score as integer) between 300 and 850
                    or try_cast(credit_score as integer) = 9999 or credit_score is null)
                then 'invalid credit score: ' || credit_score
            when try_cast(orig_upb as double) is null or try_cast(orig_upb as double) <= 0
                then 'missing or invalid original UPB: ' || coalesce(orig_upb, '<blank>')
            when try_cast(orig_interest_rate as double) is null
                or not try_cast(orig_interest_rate as double) between 0 and 25
                then 'missing or invalid original interest rate: ' || coalesce(orig_interest_rate, '<blank>')
            when try_cast(orig_loan_term as integer) is null or try_cast(orig_loan_term as integer) <= 0
                then 'missing or invalid original loan term: ' || coalesce(orig_loan_term, '<blank>')
            when {{ failed_cast('orig_ltv', 'integer') }} then 'invalid original LTV: ' || orig_ltv
            when {{ failed_cast('orig_cltv', 'integer') }} then 'invalid original CLTV: ' || orig_cltv
            when {{ failed_cast('orig_dti', 'integer') }} then 'invalid original DTI: ' || orig_dti
            when {{ failed_cast('mi_pct', 'integer') }} then 'invalid mortgage insurance %: ' || mi_pct
            when {{ failed_cast('num_units', 'integer') }} then 'invalid number of units: ' || num_units
            when {{ failed_cast('num_borrowers', 'integer') }} then 'invalid number of borrowers: ' || num_borrowers
            when property_state is null or property_state not in (select code from states)
                then 'unknown property state: ' || coalesce(property_state, '<blank>')
            when coalesce(channel_code, '9') not in (select code from channels)
                then 'unknown channel code: ' || channel_code
            when coalesce(loan_purpose_code, '9') not in (select code from purposes)
                then 'unknown loan purpose code: ' || loan_purpose_code
            when coalesce(occupancy_code, '9') not in (select code from occupancies)
                then 'unknown occupancy code: ' || occupancy_code
            when coalesce(property_type_code, '99') not in (select code from property_types)
                then 'unknown property type code: ' || property_type_code
        end as rule_violation
    from lines
),

ranked as (
    select
        *,
        -- Among valid copies of a loan the first line read wins; later copies are rejected.
        row_number() over (
            partition by case when rule_violation is null then loan_sequence_number end
            order by source_file, line_number
        ) as copy_rank,
        first_value(source_file || ':' || line_number) over (
            partition by case when rule_violation is null then loan_sequence_number end
            order by source_file, line_number
        ) as kept_copy
    from checked
)

select
    * exclude (rule_violation, copy_rank, kept_copy),
    case
        when rule_violation is not null then rule_violation
        when copy_rank > 1 then 'duplicate loan sequence number ' || loan_sequence_number || ' (kept ' || kept_copy || ')'
    end as reject_reason
from ranked
