{{ config(materialized='view') }}
-- Every performance line, named by the layout of its file (the most common known field count in
-- that file: 26, 32 or 35). Nothing is filtered here. Field counts come from counting '|' (cheap)
-- in the same pass that numbers the lines, and the split into fields happens after any filter a
-- downstream model puts on raw_reporting_period, so an incremental run splits only the lines it
-- keeps.
{{ numbered_raw_lines_with(
    source('freddie', 'performance'),
    extra_columns={'field_count': byte_length('line') ~ " - " ~ byte_length("replace(line, '|', '')") ~ " + 1"},
    file_aggregates={'layout': 'mode(field_count) filter (where field_count in (26, 32, 35))'}
) }},

split_lines as (
    select
        {{ file_base_name('scanned.filename') }} as source_file,
        (scanned.scan_order - files.first_scan_order + 1)::bigint as line_number,
        scanned.line,
        scanned.field_count,
        files.layout,
        trim(split_part(scanned.line, '|', 2)) as raw_reporting_period,
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
    raw_reporting_period,
    {{ freddie_named_fields(freddie_performance_positions(), fields='fields', layout='layout') }}
from split_lines
