-- Performance lines that could not be parsed or broke a rule, with the reason. Together with
-- stg_freddie__performance they account for every raw line.
select
    source_file,
    line_number,
    reject_reason,
    loan_sequence_number as loan_id,
    line
from {{ ref('base_freddie__performance_validated') }}
where reject_reason is not null
