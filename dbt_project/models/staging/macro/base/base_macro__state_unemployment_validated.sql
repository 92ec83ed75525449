-- state_unemployment.csv lines typed and checked; reject_reason is NULL for rows that pass.
{{ validated_state_month_series('state_unemployment', 'unemployment_rate_pct') }}
