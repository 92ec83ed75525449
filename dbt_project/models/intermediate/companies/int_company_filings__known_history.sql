-- For every date on which a company filed something (an original or a restatement), its
-- quarters as they were known that day: each period in its latest version filed on or before
-- that date. quarters_back counts back from the latest period known that day (0 = latest).
-- This is what keeps trends point-in-time correct: a restatement only enters the history from
-- its own filing date, never earlier.
with ratios as (
    select * from {{ ref('int_company_statements__ratios') }}
),

filing_days as (
    select distinct company_id, filing_date as known_at from ratios
),

versions_known as (
    select
        filing_days.known_at,
        ratios.*
    from filing_days
    inner join ratios
        on filing_days.company_id = ratios.company_id
        and ratios.filing_date <= filing_days.known_at
    qualify row_number() over (
        partition by filing_days.company_id, filing_days.known_at, ratios.period_end_date
        order by ratios.filing_date desc, ratios.amendment_number desc
    ) = 1
)

select
    *,
    round(datediff(
        'month',
        period_end_date,
        max(period_end_date) over (partition by company_id, known_at)
    ) / 3.0)::integer as quarters_back
from versions_known
