{{ config(materialized='view') }}
-- Every origination line, split on '|' and named by the layout of its file (the most common
-- known field count in that file: 26, 31 or 32). Nothing is filtered here. Field counts come from
-- counting '|' in the same pass that numbers the lines, so each line is split once.
{{ numbered_raw_lines_with(
    source('freddie', 'origination'),
    extra_columns={'field_count': byte_length('line') ~ " - " ~ byte_length("replace(line, '|', '')") ~ " + 1"},
    file_aggregates={'layout': 'mode(field_count) filter (where field_count in (26, 31, 32))'}
) }},

split_lines as (
    select
        {{ file_base_name('scanned.filename') }} as source_file,
        (scanned.scan_order - files.first_scan_order + 1)::bigint as line_number,
        scanned.line,
        scanned.field_count,
        files.layout,
        {{ split_to_list('scanned.line', '|') }} as fields
    from scanned
    inner join files using (filename)
)

select
    source_file,
    line_number,
    line,
    field_count,
    layout,
    {{ freddie_named_fields(freddie_origination_positions(), fields='fields', layout='layout') }}
from split_lines
