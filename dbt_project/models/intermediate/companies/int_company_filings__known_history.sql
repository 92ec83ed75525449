-- For every date on which a company filed something (an original or a restatement), its recent
-- quarters as they were known that day: each period in its latest version filed on or before
-- that date, for the latest known period and the 4 before it (what the trends need).
-- quarters_back counts back from the latest period known that day (0 = latest). This keeps trends
-- point-in-time correct: a restatement enters the history only from its own filing date.
with ratios as (
    select * from {{ ref('int_company_statements__ratios') }}
),

filing_days as (
    select
        company_id,
        filing_date as known_at,
        max(max(period_end_date)) over known_so_far as latest_period_end_date,
        (sum(count(*) filter (where amendment_number = 0)) over known_so_far)::bigint as quarters_of_history
    from ratios
    group by company_id, filing_date
    window known_so_far as (partition by company_id order by filing_date rows between unbounded preceding and current row)
),

versions_known as (
    select
        filing_days.known_at,
        filing_days.quarters_of_history,
        round(({{ month_index('filing_days.latest_period_end_date') }} - {{ month_index('ratios.period_end_date') }}) / 3.0)::integer
            as quarters_back,
        ratios.*
    from filing_days
    inner join ratios
        on filing_days.company_id = ratios.company_id
        and ratios.filing_date <= filing_days.known_at
        and ratios.period_end_date >= (filing_days.latest_period_end_date - interval 14 month)::date
    qualify row_number() over (
        partition by filing_days.company_id, filing_days.known_at, ratios.period_end_date
        order by ratios.filing_date desc, ratios.amendment_number desc
    ) = 1
)

select * from versions_known
