{{ config(materialized='view') }}
-- Performance lines typed and checked: each row carries the first rule it breaks (reject_reason)
-- or NULL. Duplicates of (loan, month) keep the first line read; the others are rejected.
-- Rows of loans without a valid origination record are rejected too (nothing to join them to).
with lines as (
    select * from {{ ref('base_freddie__performance_lines') }}
),

loans as (
    select loan_id from {{ ref('stg_freddie__loans') }}
),

zero_balance_codes as (select code from {{ ref('zero_balance_codes') }}),

checked as (
    select
        lines.*,
        {{ yyyymm_to_date('monthly_reporting_period') }} as reporting_month,
        case
            when layout is null
                then 'unknown layout: no line of the file has 26, 32 or 35 fields'
            when field_count <> layout
                then 'field count ' || field_count || ' does not match the file layout (' || layout || ')'
            when loan_sequence_number is null
                then 'missing loan sequence number'
            when length(loan_sequence_number) <> 12
                or not regexp_full_match(loan_sequence_number, 'F[0-9]{2,3}Q[1-4][0-9]{6,7}')
                then 'malformed loan sequence number: ' || loan_sequence_number
            when {{ yyyymm_to_date('monthly_reporting_period') }} is null
                then 'missing or malformed reporting period: ' || coalesce(monthly_reporting_period, '<blank>')
            when try_cast(current_actual_upb as double) is null or try_cast(current_actual_upb as double) < 0
                then 'missing or invalid current UPB: ' || coalesce(current_actual_upb, '<blank>')
            when delinquency_status_code is null
                or not (regexp_full_match(delinquency_status_code, '[0-9]{1,3}')
                    or delinquency_status_code in ('RA', 'XX'))
                then 'invalid delinquency status: ' || coalesce(delinquency_status_code, '<blank>')
            when {{ failed_cast('loan_age', 'integer') }} then 'invalid loan age: ' || loan_age
            when {{ failed_cast('remaining_months_to_maturity', 'integer') }}
                then 'invalid remaining months to maturity: ' || remaining_months_to_maturity
            when {{ failed_cast('current_interest_rate', 'double') }}
                then 'invalid current interest rate: ' || current_interest_rate
            when zero_balance_code is not null and zero_balance_code not in (select code from zero_balance_codes)
                then 'unknown zero balance code: ' || zero_balance_code
            when zero_balance_effective_date is not null and {{ yyyymm_to_date('zero_balance_effective_date') }} is null
                then 'malformed zero balance effective date: ' || zero_balance_effective_date
            when {{ failed_cast('eltv', 'double') }} then 'invalid estimated LTV: ' || eltv
            when loan_sequence_number not in (select loan_id from loans)
                then 'loan not in the (valid) origination data: ' || loan_sequence_number
        end as rule_violation
    from lines
),

ranked as (
    select
        *,
        row_number() over (
            partition by case when rule_violation is null then loan_sequence_number end,
                case when rule_violation is null then reporting_month end
            order by source_file, line_number
        ) as copy_rank
    from checked
)

select
    * exclude (rule_violation, copy_rank),
    case
        when rule_violation is not null then rule_violation
        when copy_rank > 1 then 'duplicate loan and reporting month ' || loan_sequence_number || ' '
            || strftime(reporting_month, '%Y-%m') || ' (an earlier line was kept)'
    end as reject_reason
from ranked
