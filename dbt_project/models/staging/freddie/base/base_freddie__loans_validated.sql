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
            when not {{ regexp_full_match('loan_sequence_number', "F[0-9]{2,3}Q[1-4][0-9]{6,7}") }}
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

-- Among valid copies of a loan the first line read wins; later copies are rejected. Duplicates
-- are rare: count keys with one aggregate, then order only the rows of duplicated loans (a
-- window over every row would sort them all).
duplicated_loans as (
    select loan_sequence_number
    from checked
    where rule_violation is null
    group by loan_sequence_number
    having count(*) > 1
),

first_copies as (
    select
        checked.loan_sequence_number,
        min_by(
            checked.source_file || ':' || checked.line_number,
            checked.source_file || ':' || lpad(checked.line_number::string, 12, '0')
        ) as kept_copy
    from checked
    {{ semi_join() }} duplicated_loans on checked.loan_sequence_number = duplicated_loans.loan_sequence_number
    where checked.rule_violation is null
    group by checked.loan_sequence_number
)

select
    {{ star_except(['rule_violation'], 'checked') }},
    case
        when checked.rule_violation is not null then checked.rule_violation
        when first_copies.kept_copy <> checked.source_file || ':' || checked.line_number
            then 'duplicate loan sequence number ' || checked.loan_sequence_number
                || ' (kept ' || first_copies.kept_copy || ')'
    end as reject_reason
from checked
left join first_copies
    on checked.rule_violation is null
    and checked.loan_sequence_number = first_copies.loan_sequence_number
