-- Loan default within 12 months of an observation month. Definition (also in the YAML):
-- default_12m = 1 if, in the 12 reporting months after the observation month, the loan reaches
-- delinquency status >= 3 (90+ days; REO acquisition "RA" counts as beyond 90+) or exits with a
-- credit-loss zero-balance code (02, 03, 09, 15). Prepaid (01) and other exits are not default.
-- Observations: active loans (no zero-balance code) with status 0-2 in the observation month.
-- Only complete horizons: the 12-month horizon ends on or before the last reporting month in the
-- data, and the loan is reported in the 12th month after the observation (or it exited or
-- defaulted within the 12 months; months missing inside the window are not checked). The first
-- condition matters: keeping early defaults near the data's end while dropping the loans still
-- being followed would fill the latest months with positives.
with panel as (
    select
        loan_id,
        reporting_month,
        {{ month_index('reporting_month') }} as month_index,
        delinquency_status,
        zero_balance_code,
        coalesce(delinquency_status >= 3 or is_reo_acquisition or is_credit_loss_exit, false) as is_default_event
    from {{ ref('stg_freddie__performance') }}
),

data_end as (
    select max(month_index) as last_month_index from panel
),

horizons as (
    select
        *,
        bool_or(is_default_event) over next_12 as defaults_within_12m,
        bool_or(zero_balance_code is not null) over next_12 as exits_within_12m,
        max(month_index) over next_12 as last_month_index_within_12m
    from panel
    window next_12 as (partition by loan_id order by month_index range between 1 following and 12 following)
)

select
    loan_id,
    {{ performance_event_timestamp('reporting_month') }} as event_timestamp,
    reporting_month as observation_month,
    coalesce(defaults_within_12m, false)::bigint as default_12m
from horizons
where zero_balance_code is null
    and delinquency_status between 0 and 2
    and month_index + 12 <= (select last_month_index from data_end)
    and (
        defaults_within_12m
        or exits_within_12m
        or last_month_index_within_12m = month_index + 12
    )
