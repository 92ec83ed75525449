-- One row per state and month.
select
    state,
    {{ yyyy_mm_to_date('month') }} as month,
    try_cast(hpi as double) as hpi
from {{ ref('base_macro__state_hpi_validated') }}
where reject_reason is null
