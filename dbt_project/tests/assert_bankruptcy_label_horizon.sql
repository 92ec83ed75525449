-- The bankruptcy label is 1 exactly when the bankruptcy falls in (filing_date, filing_date + 12
-- months], is observed at an original (amendment 0) filing, and only with a complete horizon.
with labels as (
    select *, {{ utc_wall_time('event_timestamp') }}::date as filing_date
    from {{ ref('lbl_company_bankruptcy_12m') }}
),

originals as (
    select company_id, period_end_date, filing_date
    from {{ ref('stg_companies__financial_statements') }}
    where amendment_number = 0
),

bankruptcies as (select * from {{ ref('stg_companies__bankruptcies') }}),

data_end as (select max(filing_date) as last_filing_date from {{ ref('stg_companies__financial_statements') }})

select labels.company_id, labels.period_end_date, 'not observed at the original filing date' as problem
from labels
left join originals using (company_id, period_end_date)
where originals.filing_date is null or originals.filing_date <> labels.filing_date
union all
select labels.company_id, labels.period_end_date, 'label disagrees with the bankruptcy date'
from labels
left join bankruptcies using (company_id)
where labels.bankruptcy_12m <> coalesce(
    bankruptcies.bankruptcy_filing_date > labels.filing_date
    and bankruptcies.bankruptcy_filing_date <= labels.filing_date + interval 12 month, false)::bigint
union all
select labels.company_id, labels.period_end_date, 'label without 12 months of data after it'
from labels
where labels.filing_date + interval 12 month > (select last_filing_date from data_end)
