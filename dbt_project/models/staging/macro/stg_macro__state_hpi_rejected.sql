-- state_hpi.csv rows that broke a rule, with the reason.
select source_file, line_number, reject_reason, line
from {{ ref('base_macro__state_hpi_validated') }}
where reject_reason is not null
