-- state_hpi.csv lines typed and checked; reject_reason is NULL for rows that pass.
{{ validated_state_month_series('state_hpi', 'hpi') }}
