-- The loan default label looks forward exactly 12 months and only over complete horizons.
-- Returns label rows that break the definition in lbl_loan_default_12m.yml. Re-derived with a
-- range join (not the model's windows); on large data a deterministic sample of about 5,000
-- loans (labels and their performance rows alike) is checked to keep the build fast. The
-- sampling step is looked up before the query runs, so the sample is a plain filter on both sides.
-- depends_on: {{ ref('stg_freddie__loans') }}
{% set sample_every = 1 %}
{% if execute %}
    {% set loans = run_query("select count(*) from " ~ ref('stg_freddie__loans')).columns[0].values()[0] %}
    {% set sample_every = [1, loans // 5000] | max %}
{% endif %}
with labels as (
    select * from {{ ref('lbl_loan_default_12m') }}
    where hash(loan_id) % {{ sample_every }} = 0
),

panel as (
    select
        loan_id,
        reporting_month,
        delinquency_status,
        zero_balance_code,
        coalesce(delinquency_status >= 3 or is_reo_acquisition or is_credit_loss_exit, false) as is_default_event
    from {{ ref('stg_freddie__performance') }}
    where hash(loan_id) % {{ sample_every }} = 0
),

follow_up as (
    select
        labels.loan_id,
        labels.observation_month,
        labels.default_12m,
        bool_or(panel.is_default_event) as has_default_event,
        bool_or(panel.zero_balance_code is not null) as has_exit,
        max(panel.reporting_month) as last_month_seen
    from labels
    left join panel
        on labels.loan_id = panel.loan_id
        and panel.reporting_month > labels.observation_month
        and panel.reporting_month <= labels.observation_month + interval 12 month
    group by all
),

data_end as (
    select max(reporting_month) as last_reporting_month from {{ ref('stg_freddie__performance') }}
),

observation_rows as (
    select labels.loan_id, labels.observation_month, panel.delinquency_status, panel.zero_balance_code
    from labels
    left join panel on labels.loan_id = panel.loan_id and labels.observation_month = panel.reporting_month
)

select follow_up.loan_id, follow_up.observation_month, 'label disagrees with the follow-up months' as problem
from follow_up
where follow_up.default_12m <> coalesce(follow_up.has_default_event, false)::bigint
union all
select loan_id, observation_month, 'horizon incomplete: no 12 months of follow-up, no exit, no default'
from follow_up
where not coalesce(has_default_event or has_exit, false)
    and (last_month_seen is null or last_month_seen < observation_month + interval 12 month)
union all
select loan_id, observation_month, 'horizon ends after the last reporting month in the data'
from labels
where observation_month + interval 12 month > (select last_reporting_month from data_end)
union all
select loan_id, observation_month, 'observation is not an active loan under 90 days delinquent'
from observation_rows
where zero_balance_code is not null or delinquency_status is null or delinquency_status not between 0 and 2
