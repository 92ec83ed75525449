{#
  Freddie Mac field positions (1-based) per layout, keyed by the number of fields in a row.
  See /docs/contracts.md section 1 and the layout reference: origination 26 (2018 guide),
  32 (2023-2026 releases) and 31 (Release 47); performance 26, 32 and 35 (Release 47).
  A field a layout does not have maps to NULL.
#}
{% macro freddie_origination_positions() %}
  {% set common = {
      'credit_score': 1, 'first_payment_date': 2, 'first_time_homebuyer_flag': 3, 'maturity_date': 4,
      'msa': 5, 'mi_pct': 6, 'num_units': 7, 'occupancy_code': 8, 'orig_cltv': 9, 'orig_dti': 10,
      'orig_upb': 11, 'orig_ltv': 12, 'orig_interest_rate': 13, 'channel_code': 14, 'ppm_flag': 15,
      'amortization_type': 16, 'property_state': 17, 'property_type_code': 18, 'postal_code': 19,
      'loan_sequence_number': 20, 'loan_purpose_code': 21, 'orig_loan_term': 22, 'num_borrowers': 23,
      'seller_name': 24} %}
  {% set by_layout = {
      26: {'servicer_name': 25, 'super_conforming_flag': 26},
      32: {'servicer_name': 25, 'super_conforming_flag': 26, 'pre_relief_loan_sequence_number': 27,
           'special_eligibility_program': 28, 'relief_refinance_indicator': 29,
           'property_valuation_method': 30, 'interest_only_indicator': 31,
           'mi_cancellation_indicator': 32},
      31: {'super_conforming_flag': 25, 'pre_relief_loan_sequence_number': 26,
           'special_eligibility_program': 27, 'relief_refinance_indicator': 28,
           'property_valuation_method': 29, 'interest_only_indicator': 30, 'vantagescore_4': 31}
  } %}
  {{ return({'common': common, 'by_layout': by_layout}) }}
{% endmacro %}

{% macro freddie_performance_positions() %}
  {% set common = {
      'loan_sequence_number': 1, 'monthly_reporting_period': 2, 'current_actual_upb': 3,
      'delinquency_status_code': 4, 'loan_age': 5, 'remaining_months_to_maturity': 6,
      'defect_settlement_date': 7, 'modification_flag': 8, 'zero_balance_code': 9,
      'zero_balance_effective_date': 10, 'current_interest_rate': 11, 'current_deferred_upb': 12,
      'ddlpi': 13, 'mi_recoveries': 14, 'net_sale_proceeds': 15, 'non_mi_recoveries': 16,
      'total_expenses': 17, 'legal_costs': 18, 'maintenance_costs': 19, 'taxes_and_insurance': 20,
      'miscellaneous_expenses': 21, 'actual_loss': 22, 'modification_cost': 23,
      'step_modification_flag': 24, 'payment_deferral_flag': 25, 'eltv': 26} %}
  {% set tail32 = {'zero_balance_removal_upb': 27, 'delinquent_accrued_interest': 28,
      'delinquency_due_to_disaster': 29, 'borrower_assistance_status_code': 30,
      'current_month_modification_cost': 31, 'interest_bearing_upb': 32} %}
  {% set tail35 = dict(tail32) %}
  {% do tail35.update({'mi_cancellation_indicator': 33, 'servicer_name': 34, 'cramdown_costs': 35}) %}
  {% set by_layout = {26: {}, 32: tail32, 35: tail35} %}
  {{ return({'common': common, 'by_layout': by_layout}) }}
{% endmacro %}

{#
  Select list naming every field of a layout family from the split array `fields` and the
  detected `layout` column: `nullif(trim(fields[pos]), '') as name`, with a CASE over layouts for
  fields whose position differs between layouts.
#}
{% macro freddie_named_fields(positions, fields='fields', layout='layout') %}
  {% set names = [] %}
  {% for name, pos in positions.common.items() %}
    {% do names.append(name) %}
  {% endfor %}
  {% for lay, extra in positions.by_layout.items() %}
    {% for name in extra %}
      {% if name not in names %}{% do names.append(name) %}{% endif %}
    {% endfor %}
  {% endfor %}
  {% for name in names %}
    {% if name in positions.common %}
    nullif(trim({{ list_item(fields, positions.common[name]) }}), '') as {{ name }}
    {%- else %}
    case {{ layout }}
      {%- for lay, extra in positions.by_layout.items() if name in extra %}
      when {{ lay }} then nullif(trim({{ list_item(fields, extra[name]) }}), '')
      {%- endfor %}
    end as {{ name }}
    {%- endif %}{{ ',' if not loop.last }}
  {% endfor %}
{% endmacro %}
