-- event_timestamp is when a value became known, never earlier:
--   performance  = end of the reporting month + performance_reporting_lag_days, 00:00 UTC
--   statements   = the filing date, 00:00 UTC, strictly after the period end
--   origination  = the 1st of the month before the first payment, 00:00 UTC
--   loan labels  = the performance timestamp of the observation month
-- Returns every row that breaks a rule.
{% set lag = var('performance_reporting_lag_days') %}
select loan_id as entity_id, 'feat_loan_monthly_performance' as mart, event_timestamp
from {{ ref('feat_loan_monthly_performance') }}
where event_timestamp <> {{ wall_time_as_utc("reporting_month + interval 1 month + interval " ~ lag ~ " day") }}
    or event_timestamp <= {{ wall_time_as_utc("reporting_month + interval 1 month") }}
union all
select company_id, 'feat_company_financials', event_timestamp
from {{ ref('feat_company_financials') }}
where {{ utc_wall_time('event_timestamp') }}::date <= period_end_date
    or {{ utc_wall_time('event_timestamp') }} <> date_trunc('day', {{ utc_wall_time('event_timestamp') }})
    or {{ utc_wall_time('event_timestamp') }}::date not in (
        select filing_date from {{ ref('stg_companies__financial_statements') }} as s
        where s.company_id = feat_company_financials.company_id
    )
union all
select loan_id, 'feat_loan_origination', event_timestamp
from {{ ref('feat_loan_origination') }}
where event_timestamp <> {{ wall_time_as_utc("first_payment_month - interval 1 month") }}
union all
select labels.loan_id, 'lbl_loan_default_12m', labels.event_timestamp
from {{ ref('lbl_loan_default_12m') }} as labels
left join {{ ref('feat_loan_monthly_performance') }} as performance
    on labels.loan_id = performance.loan_id and labels.observation_month = performance.reporting_month
where performance.event_timestamp is null or performance.event_timestamp <> labels.event_timestamp
