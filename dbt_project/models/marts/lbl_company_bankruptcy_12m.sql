-- Company bankruptcy within 12 months of an original filing. Definition (also in the YAML):
-- bankruptcy_12m = 1 if the bankruptcy filing date falls in (filing_date, filing_date + 12 months].
-- Observed at the original statement's filing date (amendment 0). Only complete horizons: a 0
-- needs filing_date + 12 months on or before the last filing date in the data.
with originals as (
    select company_id, period_end_date, filing_date
    from {{ ref('stg_companies__financial_statements') }}
    where amendment_number = 0
),

bankruptcies as (
    select * from {{ ref('stg_companies__bankruptcies') }}
),

data_end as (
    select max(filing_date) as last_filing_date from {{ ref('stg_companies__financial_statements') }}
),

labelled as (
    select
        originals.company_id,
        originals.period_end_date,
        originals.filing_date,
        coalesce(
            bankruptcies.bankruptcy_filing_date > originals.filing_date
            and bankruptcies.bankruptcy_filing_date <= originals.filing_date + interval 12 month,
            false
        ) as is_bankrupt_within_12m
    from originals
    left join bankruptcies on originals.company_id = bankruptcies.company_id
)

select
    company_id,
    {{ utc_timestamp('filing_date') }} as event_timestamp,
    period_end_date,
    is_bankrupt_within_12m::bigint as bankruptcy_12m
from labelled
where is_bankrupt_within_12m
    or filing_date + interval 12 month <= (select last_filing_date from data_end)
