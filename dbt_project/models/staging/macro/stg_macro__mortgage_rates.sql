-- One row per month.
select
    {{ yyyy_mm_to_date('month') }} as month,
    try_cast(rate_pct as double) as mortgage_rate_30y_pct
from {{ ref('base_macro__mortgage_rate_30y_validated') }}
where reject_reason is null
