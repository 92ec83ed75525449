-- One row per bankrupt company: the bankruptcy filing date and chapter.
select
    company_id,
    {{ try_strptime('bankruptcy_filing_date', '%Y-%m-%d') }}::date as bankruptcy_filing_date,
    try_cast(chapter as integer) as chapter
from {{ ref('base_companies__bankruptcies_validated') }}
where reject_reason is null
