{{
  config(
    materialized=incremental_or_table(),
    incremental_strategy='delete+insert',
    unique_key=['reporting_month'],
    on_schema_change='fail'
  )
}}
{#-
  Backward-looking delinquency and payment windows per loan and reporting month, with the month's
  own performance fields the panel needs (carried through the same pass, so the panel does not
  join two 6M-row tables).

  Windows are RANGE windows over a month index, so a missing month shortens a window instead of
  shifting it. Incremental by reporting month: a run computes only the months after the latest
  one already here, re-reading `delinquency_lookback_months` (12) months of staged history for
  the windows, and carrying the running quantities (streaks, months observed, modified ever)
  from each loan's last row before that lookback (its "anchor"). A full refresh has no anchors
  and reads everything; both give the same rows (tests/dbt/test_incremental.py).
-#}
{% set lookback = var('delinquency_lookback_months') %}

with first_new_month as (
    {% if is_incremental() %}
    select coalesce(max(reporting_month) + interval 1 month, date '1900-01-01')::date as first_month
    from {{ this }}
    {% else %}
    select date '1900-01-01' as first_month
    {% endif %}
),

performance as (
    select
        loan_id,
        reporting_month,
        {{ month_index('reporting_month') }} as month_index,
        delinquency_status,
        coalesce(delinquency_status >= 1 or is_reo_acquisition, false) as is_delinquent,
        current_upb_usd,
        is_modified_this_month,
        {{ month_index('reporting_month') }} - {{ month_index('ddlpi_month') }} as missed_payments_since_ddlpi,
        is_reo_acquisition,
        loan_age_months,
        remaining_months_to_maturity,
        current_interest_rate_pct,
        zero_balance_code,
        is_credit_loss_exit,
        is_prepaid_exit,
        has_payment_deferral,
        borrower_assistance_status_code is not null as has_borrower_assistance,
        eltv_pct,
        is_eltv_missing
    from {{ ref('stg_freddie__performance') }}
    where reporting_month >= (select (first_month - interval {{ lookback }} month)::date from first_new_month)
),

anchors as (
    {% if is_incremental() %}
    -- Each loan's last row before the lookback (an aggregate, cheaper than a sorted window).
    select
        loan_id,
        {{ month_index('max(reporting_month)') }} as month_index,
        max_by(current_delinquency_streak_months, reporting_month) as current_delinquency_streak_months,
        max_by(months_since_last_delinquent, reporting_month) as months_since_last_delinquent,
        max_by(months_observed, reporting_month) as months_observed,
        max_by(is_modified, reporting_month) as is_modified
    from {{ this }}
    where reporting_month < (select (first_month - interval {{ lookback }} month)::date from first_new_month)
    group by loan_id
    {% else %}
    select
        null::string as loan_id,
        null::bigint as month_index,
        null::bigint as current_delinquency_streak_months,
        null::bigint as months_since_last_delinquent,
        null::bigint as months_observed,
        null::boolean as is_modified
    where false
    {% endif %}
),

windows as (
    select
        *,
        count_if(is_delinquent) over last_6 as months_delinquent_6m,
        count_if(is_delinquent) over last_12 as months_delinquent_12m,
        coalesce(max(delinquency_status) over last_12, 0) as worst_delinquency_12m,
        count_if(delinquency_status = 1) over last_12 as count_30dpd_12m,
        count_if(delinquency_status = 2) over last_12 as count_60dpd_12m,
        count_if(delinquency_status >= 3) over last_12 as count_90plus_dpd_12m,
        max(case when not is_delinquent then month_index end) over so_far as last_current_index,
        max(case when is_delinquent then month_index end) over so_far as last_delinquent_index,
        min(month_index) over so_far as first_index_seen,
        count(*) over so_far as rows_so_far,
        bool_or(is_modified_this_month) over so_far as modified_so_far,
        max(delinquency_status) over previous_month as previous_status,
        max(current_upb_usd) over previous_month as previous_upb,
        first_value(current_upb_usd) over last_13 as upb_12m_ago_or_earliest
    from performance
    window
        last_6 as (partition by loan_id order by month_index range between 5 preceding and current row),
        last_12 as (partition by loan_id order by month_index range between 11 preceding and current row),
        last_13 as (partition by loan_id order by month_index range between 12 preceding and current row),
        so_far as (partition by loan_id order by month_index rows between unbounded preceding and current row),
        previous_month as (partition by loan_id order by month_index range between 1 preceding and 1 preceding)
),

final as (
    select
        windows.loan_id,
        windows.reporting_month,
        windows.delinquency_status,
        windows.months_delinquent_6m::bigint as months_delinquent_6m,
        windows.months_delinquent_12m::bigint as months_delinquent_12m,
        windows.worst_delinquency_12m,
        windows.count_30dpd_12m::bigint as count_30dpd_12m,
        windows.count_60dpd_12m::bigint as count_60dpd_12m,
        windows.count_90plus_dpd_12m::bigint as count_90plus_dpd_12m,
        case
            when not windows.is_delinquent then 0
            when windows.last_current_index is not null then windows.month_index - windows.last_current_index
            when anchors.loan_id is not null
                then anchors.current_delinquency_streak_months + windows.month_index - anchors.month_index
            else windows.month_index - windows.first_index_seen + 1
        end::bigint as current_delinquency_streak_months,
        case
            when windows.last_delinquent_index is not null then windows.month_index - windows.last_delinquent_index
            when anchors.months_since_last_delinquent is not null
                then anchors.months_since_last_delinquent + windows.month_index - anchors.month_index
        end::bigint as months_since_last_delinquent,
        (windows.rows_so_far + coalesce(anchors.months_observed, 0))::bigint as months_observed,
        coalesce(windows.modified_so_far or anchors.is_modified, windows.modified_so_far) as is_modified,
        windows.delinquency_status - windows.previous_status as delinquency_status_change_1m,
        100.0 * (windows.previous_upb - windows.current_upb_usd) / nullif(windows.previous_upb, 0) as upb_paydown_1m_pct,
        100.0 * (windows.upb_12m_ago_or_earliest - windows.current_upb_usd)
            / nullif(windows.upb_12m_ago_or_earliest, 0) as upb_paydown_12m_pct,
        windows.missed_payments_since_ddlpi::bigint as missed_payments_since_ddlpi,
        -- The month's own performance fields ride along, so the panel needs no second 6M-row join.
        windows.current_upb_usd,
        windows.is_reo_acquisition,
        windows.loan_age_months,
        windows.remaining_months_to_maturity,
        windows.current_interest_rate_pct,
        windows.zero_balance_code,
        windows.is_credit_loss_exit,
        windows.is_prepaid_exit,
        windows.has_payment_deferral,
        windows.has_borrower_assistance,
        windows.eltv_pct,
        windows.is_eltv_missing
    from windows
    left join anchors on windows.loan_id = anchors.loan_id
    where windows.reporting_month >= (select first_month from first_new_month)
)

select * from final
