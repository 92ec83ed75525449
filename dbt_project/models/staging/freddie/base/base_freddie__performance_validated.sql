{{
  config(
    materialized=incremental_or_table(),
    incremental_strategy='append',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where reporting_month is null or reporting_month > (select coalesce(max(reporting_month), date '0001-01-01') from {{ this }} where reject_reason is null){% endif %}"
  )
}}
-- Performance lines typed and checked: each row carries the first rule it breaks (reject_reason)
-- or NULL. Duplicates of (loan, month) keep the first line read; the others are rejected.
-- Rows of loans without a valid origination record are rejected too (nothing to join them to).
-- A table, so the raw lines are parsed once for both the staged and the rejected model. It holds
-- the fields already cast to their types (text is what makes a 6M-row table slow to write); the
-- raw line text is kept only for rejected rows, whose typed fields may be NULL where a cast failed.
--
-- Incremental by reporting month: a run parses only lines whose reporting period (compared as
-- YYYYMM text before any parsing) is after the latest accepted month already here, plus the lines
-- whose period does not parse at all. The pre-hook first deletes exactly that open tail (rows after
-- the latest accepted month, and rows without a month), so re-checking it never counts a line
-- twice. A line for an older month added later needs --full-refresh (the row-conservation test
-- would flag it); line numbers refer to the file as it was when the line was parsed.
with lines as (
    select
        source_file, line_number, line, field_count, layout, loan_sequence_number,
        monthly_reporting_period, current_actual_upb, delinquency_status_code, loan_age,
        remaining_months_to_maturity, modification_flag, zero_balance_code,
        zero_balance_effective_date, current_interest_rate, current_deferred_upb, ddlpi,
        payment_deferral_flag, eltv, borrower_assistance_status_code, delinquency_due_to_disaster
    from {{ ref('base_freddie__performance_lines') }}
    {% if is_incremental() %}
    -- A constant (looked up before the query is planned), so DuckDB filters the raw lines before
    -- it splits and parses them.
    where raw_reporting_period > '{{ latest_accepted_month(this) }}'
        or {{ yyyymm_to_date('raw_reporting_period') }} is null
    {% endif %}
),

loans as (
    select loan_id from {{ ref('stg_freddie__loans') }}
),

zero_balance_codes as (select code from {{ ref('zero_balance_codes') }}),

typed as (
    select
        source_file,
        line_number,
        line,
        field_count,
        layout,
        loan_sequence_number,
        monthly_reporting_period,
        {{ yyyymm_to_date('monthly_reporting_period') }} as reporting_month,
        current_actual_upb as raw_current_actual_upb,
        try_cast(current_actual_upb as double) as current_actual_upb,
        delinquency_status_code,
        loan_age as raw_loan_age,
        try_cast(loan_age as integer) as loan_age,
        remaining_months_to_maturity as raw_remaining_months_to_maturity,
        try_cast(remaining_months_to_maturity as integer) as remaining_months_to_maturity,
        modification_flag,
        zero_balance_code,
        zero_balance_effective_date as raw_zero_balance_effective_date,
        {{ yyyymm_to_date('zero_balance_effective_date') }} as zero_balance_effective_date,
        current_interest_rate as raw_current_interest_rate,
        try_cast(current_interest_rate as double) as current_interest_rate,
        try_cast(current_deferred_upb as double) as current_deferred_upb,
        {{ yyyymm_to_date('ddlpi') }} as ddlpi,
        payment_deferral_flag,
        eltv as raw_eltv,
        try_cast(eltv as double) as eltv,
        borrower_assistance_status_code,
        delinquency_due_to_disaster
    from lines
),

checked as (
    select
        {{ star_except([
            'monthly_reporting_period', 'raw_current_actual_upb', 'raw_loan_age', 'raw_remaining_months_to_maturity',
            'raw_zero_balance_effective_date', 'raw_current_interest_rate', 'raw_eltv'
        ], 'typed') }},
        case
            when layout is null
                then 'unknown layout: no line of the file has 26, 32 or 35 fields'
            when field_count <> layout
                then 'field count ' || field_count || ' does not match the file layout (' || layout || ')'
            when loan_sequence_number is null
                then 'missing loan sequence number'
            -- A loan id found among the valid loans passed this same check there, so the pattern
            -- is only matched for ids without a loan.
            when loans.loan_id is null and (length(loan_sequence_number) <> 12
                or not {{ regexp_full_match('loan_sequence_number', "F[0-9]{2,3}Q[1-4][0-9]{6,7}") }})
                then 'malformed loan sequence number: ' || loan_sequence_number
            when reporting_month is null
                then 'missing or malformed reporting period: ' || coalesce(monthly_reporting_period, '<blank>')
            when current_actual_upb is null or current_actual_upb < 0
                then 'missing or invalid current UPB: ' || coalesce(raw_current_actual_upb, '<blank>')
            when delinquency_status_code is null
                or not (delinquency_status_code in ('0', '1', '2', '3', '4', '5', '6', 'RA', 'XX')
                    or {{ regexp_full_match('delinquency_status_code', '[0-9]{1,3}') }})
                then 'invalid delinquency status: ' || coalesce(delinquency_status_code, '<blank>')
            when raw_loan_age is not null and loan_age is null then 'invalid loan age: ' || raw_loan_age
            when raw_remaining_months_to_maturity is not null and remaining_months_to_maturity is null
                then 'invalid remaining months to maturity: ' || raw_remaining_months_to_maturity
            when raw_current_interest_rate is not null and current_interest_rate is null
                then 'invalid current interest rate: ' || raw_current_interest_rate
            when zero_balance_code is not null and zero_balance_code not in (select code from zero_balance_codes)
                then 'unknown zero balance code: ' || zero_balance_code
            when raw_zero_balance_effective_date is not null and zero_balance_effective_date is null
                then 'malformed zero balance effective date: ' || raw_zero_balance_effective_date
            when raw_eltv is not null and eltv is null then 'invalid estimated LTV: ' || raw_eltv
            when loans.loan_id is null
                then 'loan not in the (valid) origination data: ' || loan_sequence_number
        end as rule_violation
    from typed
    left join loans on typed.loan_sequence_number = loans.loan_id
),

-- Duplicated (loan, month) keys are rare: find them with a count (one cheap aggregate over every
-- row), then pick the first line read among the few rows that share a key.
duplicated_keys as (
    select loan_sequence_number, reporting_month
    from checked
    where rule_violation is null
    group by all
    having count(*) > 1
),

first_copies as (
    select
        checked.loan_sequence_number,
        checked.reporting_month,
        min(checked.source_file || ':' || lpad(checked.line_number::string, 12, '0')) as kept_line
    from checked
    {{ semi_join() }} duplicated_keys
        on checked.loan_sequence_number = duplicated_keys.loan_sequence_number
        and checked.reporting_month = duplicated_keys.reporting_month
    where checked.rule_violation is null
    group by all
)

select
    {{ star_except(['rule_violation', 'line'], 'checked') }},
    case
        when checked.rule_violation is not null then checked.rule_violation
        when first_copies.kept_line <> checked.source_file || ':' || lpad(checked.line_number::string, 12, '0')
            then 'duplicate loan and reporting month ' || checked.loan_sequence_number || ' '
                || {{ strftime('checked.reporting_month', '%Y-%m') }} || ' (an earlier line was kept)'
    end as reject_reason,
    case when reject_reason is not null then checked.line end as line
from checked
left join first_copies
    on checked.rule_violation is null
    and checked.loan_sequence_number = first_copies.loan_sequence_number
    and checked.reporting_month = first_copies.reporting_month
