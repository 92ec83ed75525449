{# A model's compound key is unique: no two rows share the values of all `columns`. #}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as copies
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{# Every value of a TIMESTAMP WITH TIME ZONE column is at 00:00:00 UTC (an event at a day boundary). #}
{% test at_utc_midnight(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and {{ utc_wall_time(column_name) }} <> date_trunc('day', {{ utc_wall_time(column_name) }})
{% endtest %}
