-- Origination lines that could not be parsed or broke a rule, with the reason. Together with
-- stg_freddie__loans they account for every raw line.
select
    source_file,
    line_number,
    reject_reason,
    loan_sequence_number as loan_id,
    line
from {{ ref('base_freddie__loans_validated') }}
where reject_reason is not null
