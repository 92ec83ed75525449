{{ config(materialized='view') }}
-- Every performance line, named by the layout of its file (the most common known field count in
-- that file: 26, 32 or 35). Nothing is filtered here. Field counts come from counting '|' (cheap),
-- and the split into fields happens after any filter a downstream model puts on
-- raw_reporting_period, so an incremental run splits only the lines it keeps.
with raw_lines as (
    {{ numbered_raw_lines(source('freddie', 'performance')) }}
),

counted_lines as (
    select
        source_file,
        line_number,
        line,
        length(line) - length(replace(line, '|', '')) + 1 as field_count
    from raw_lines
),

file_layouts as (
    select
        source_file,
        mode(field_count) filter (where field_count in (26, 32, 35)) as layout
    from counted_lines
    group by source_file
),

split_lines as (
    select
        counted_lines.*,
        file_layouts.layout,
        trim(split_part(counted_lines.line, '|', 2)) as raw_reporting_period,
        string_split(counted_lines.line, '|') as fields
    from counted_lines
    inner join file_layouts using (source_file)
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
