{{ config(materialized='view') }}
-- Every origination line, split on '|' and named by the layout of its file (the most common
-- known field count in that file: 26, 31 or 32). Nothing is filtered here.
with raw_lines as (
    {{ numbered_raw_lines(source('freddie', 'origination')) }}
),

split_lines as (
    select
        source_file,
        line_number,
        line,
        string_split(line, '|') as fields,
        len(string_split(line, '|')) as field_count
    from raw_lines
),

file_layouts as (
    select
        source_file,
        mode(field_count) filter (where field_count in (26, 31, 32)) as layout
    from split_lines
    group by source_file
)

select
    split_lines.source_file,
    split_lines.line_number,
    split_lines.line,
    split_lines.field_count,
    file_layouts.layout,
    {{ freddie_named_fields(freddie_origination_positions(), fields='split_lines.fields', layout='file_layouts.layout') }}
from split_lines
inner join file_layouts using (source_file)
