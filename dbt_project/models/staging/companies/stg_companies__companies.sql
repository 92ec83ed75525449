-- One row per company.
select
    company_id,
    company_name,
    lower(sector) as sector,
    try_cast(founded_year as integer) as founded_year
from {{ ref('base_companies__companies_validated') }}
where reject_reason is null
