-- One row per state and month.
select
    state,
    {{ yyyy_mm_to_date('month') }} as month,
    try_cast(unemployment_rate_pct as double) as unemployment_rate_pct
from {{ ref('base_macro__state_unemployment_validated') }}
where reject_reason is null
