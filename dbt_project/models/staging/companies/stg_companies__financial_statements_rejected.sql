-- financial_statements.csv rows that broke a rule, with the reason.
select source_file, line_number, reject_reason, company_id, line
from {{ ref('base_companies__financial_statements_validated') }}
where reject_reason is not null
