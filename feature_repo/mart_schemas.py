# ruff: noqa: E501
"""Feast fields of the dbt feature marts. GENERATED from the mart YAMLs
(dbt_project/models/marts/<mart>.yml) by `python -m creditrisk.features.schema --write`;
do not edit by hand (tests/features/test_feast_schema_contract.py fails when it is stale).
"""

from feast import Field
from feast.types import Bool, Float64, Int64, String, UnixTimestamp  # noqa: F401

FEAT_LOAN_ORIGINATION_FEATURES = [
    Field(
        name="orig_credit_score",
        dtype=Float64,
        description="Borrower credit score at origination (300-850); NULL when not available (9999).",
        tags={"risk_direction": "-1"},
    ),
    Field(
        name="orig_credit_score_missing",
        dtype=Int64,
        description="1 when the credit score was not available (sentinel 9999 or blank), else 0.",
    ),
    Field(
        name="orig_ltv_pct",
        dtype=Float64,
        description="Original loan-to-value ratio in percent; NULL when not available (999).",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="orig_cltv_pct",
        dtype=Float64,
        description="Original combined loan-to-value ratio in percent; NULL when not available (999).",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="orig_dti_pct",
        dtype=Float64,
        description="Original debt-to-income ratio in percent; NULL when not available or above 65% (999).",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="orig_dti_missing",
        dtype=Int64,
        description="1 when DTI was not available (999, which also covers DTI above 65%), else 0.",
    ),
    Field(
        name="orig_upb_usd",
        dtype=Float64,
        description="Original unpaid principal balance in USD.",
    ),
    Field(
        name="orig_interest_rate_pct",
        dtype=Float64,
        description="Original note rate in percent.",
    ),
    Field(
        name="orig_rate_spread_pct",
        dtype=Float64,
        description="Original note rate minus the latest 30-year market mortgage rate published by origination (the month two before the origination month, because a month is published 15 days after its end); percentage points.",
    ),
    Field(
        name="orig_loan_term_months",
        dtype=Int64,
        description="Original loan term in months.",
    ),
    Field(
        name="orig_mi_pct",
        dtype=Float64,
        description="Mortgage insurance coverage in percent (0 = none); NULL when not available (999).",
    ),
    Field(
        name="orig_num_units",
        dtype=Int64,
        description="Number of units in the property (1-4); NULL when not available (99).",
    ),
    Field(
        name="orig_num_borrowers",
        dtype=Int64,
        description="Number of borrowers; NULL when not available (99).",
    ),
    Field(
        name="is_first_time_homebuyer",
        dtype=Int64,
        description="1 first-time homebuyer, 0 not; NULL when not available or not applicable (9).",
    ),
    Field(
        name="is_super_conforming",
        dtype=Int64,
        description="1 when the loan is super conforming (flag Y), else 0.",
    ),
    Field(
        name="has_prepayment_penalty",
        dtype=Int64,
        description="1 when the loan carries a prepayment penalty (PPM flag Y), else 0.",
    ),
    Field(
        name="occupancy_status",
        dtype=String,
        description="primary, investment, second_home or unknown (decoded via seed occupancy_codes).",
    ),
    Field(
        name="channel",
        dtype=String,
        description="retail, broker, correspondent, tpo_not_specified or unknown (seed channel_codes).",
    ),
    Field(
        name="loan_purpose",
        dtype=String,
        description="purchase, cash_out_refi, no_cash_out_refi, refi_not_specified or unknown (seed purpose_codes).",
    ),
    Field(
        name="property_type",
        dtype=String,
        description="single_family, condo, pud, manufactured_housing, co_op or unknown (seed property_type_codes).",
    ),
    Field(
        name="amortization_type",
        dtype=String,
        description="FRM (fixed) or ARM (adjustable) as reported.",
    ),
    Field(
        name="property_state",
        dtype=String,
        description="Two-letter US state or territory code of the property (seed state_codes).",
    ),
    Field(
        name="property_region",
        dtype=String,
        description="Census region of the property state (northeast, midwest, south, west, territory).",
    ),
]

FEAT_LOAN_ORIGINATION_ATTRIBUTES = [
    Field(
        name="first_payment_month",
        dtype=UnixTimestamp,
        description="First payment month (1st of the month).",
    ),
    Field(
        name="origination_month",
        dtype=UnixTimestamp,
        description="Origination month, the month before the first payment (1st of the month).",
    ),
    Field(
        name="source_layout",
        dtype=String,
        description="Freddie Mac origination layout the row was read with (26, 31 or 32 fields).",
    ),
]

FEAT_LOAN_ORIGINATION_BOOKKEEPING = [
    Field(
        name="created_timestamp",
        dtype=UnixTimestamp,
        description="When this version of the row was written (the dbt run's start time, UTC).",
        tags={"role": "bookkeeping"},
    ),
]

FEAT_LOAN_MONTHLY_PERFORMANCE_FEATURES = [
    Field(
        name="current_upb_usd",
        dtype=Float64,
        description="Current actual unpaid principal balance in USD.",
    ),
    Field(
        name="current_upb_to_orig_ratio",
        dtype=Float64,
        description="Current UPB divided by the original UPB (amortisation progress).",
    ),
    Field(
        name="delinquency_status",
        dtype=Int64,
        description="Months delinquent this month (0 current, 1 = 30 days, 2 = 60 days, 3+ = 90+ days); NULL for RA (REO acquisition) or XX (unknown).",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="is_reo_acquisition",
        dtype=Int64,
        description="1 when the delinquency status is RA (REO acquisition), else 0.",
    ),
    Field(
        name="delinquency_status_change_1m",
        dtype=Int64,
        description="Delinquency status minus last month's status (positive = rolling into worse); NULL in the first month.",
    ),
    Field(
        name="loan_age_months",
        dtype=Int64,
        description="Months since the first payment (as reported).",
    ),
    Field(
        name="remaining_months_to_maturity",
        dtype=Int64,
        description="Remaining months to legal maturity.",
    ),
    Field(
        name="current_interest_rate_pct",
        dtype=Float64,
        description="Current note rate in percent.",
    ),
    Field(
        name="months_delinquent_6m",
        dtype=Int64,
        description="Reporting months with status >= 1 among this month and the 5 before it.",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="months_delinquent_12m",
        dtype=Int64,
        description="Reporting months with status >= 1 among this month and the 11 before it.",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="worst_delinquency_12m",
        dtype=Int64,
        description="Highest delinquency status over this month and the 11 before it (0 if always current).",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="count_30dpd_12m",
        dtype=Int64,
        description="Months with status exactly 1 (30-59 days) in this month and the 11 before it.",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="count_60dpd_12m",
        dtype=Int64,
        description="Months with status exactly 2 (60-89 days) in this month and the 11 before it.",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="count_90plus_dpd_12m",
        dtype=Int64,
        description="Months with status 3 or more (90+ days) in this month and the 11 before it.",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="current_delinquency_streak_months",
        dtype=Int64,
        description="Consecutive months up to and including this one with status >= 1 (0 when current).",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="months_since_last_delinquent",
        dtype=Int64,
        description="Months since the loan last had status >= 1 (0 when delinquent now); NULL if never delinquent so far.",
    ),
    Field(
        name="months_observed",
        dtype=Int64,
        description="Reporting months seen for this loan up to and including this one (window completeness).",
    ),
    Field(
        name="upb_paydown_1m_pct",
        dtype=Float64,
        description="Percent of last month's UPB paid down this month (negative when the balance grew).",
    ),
    Field(
        name="upb_paydown_12m_pct",
        dtype=Float64,
        description="Percent of the UPB 12 months ago (or the earliest month seen) paid down since.",
    ),
    Field(
        name="missed_payments_since_ddlpi",
        dtype=Int64,
        description="Months between the due date of the last paid installment and the reporting month; NULL when DDLPI is not reported.",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="is_modified",
        dtype=Int64,
        description="1 once the loan has been modified (modification flag Y or P this month or earlier), else 0.",
    ),
    Field(
        name="has_payment_deferral",
        dtype=Int64,
        description="1 when the deferred payment modification / payment deferral flag is Y this month, else 0.",
    ),
    Field(
        name="has_borrower_assistance",
        dtype=Int64,
        description="1 when a borrower assistance plan (forbearance, repayment plan, trial) is reported this month; 0 otherwise or when the layout has no such field.",
    ),
    Field(
        name="current_ltv_pct",
        dtype=Float64,
        description="Current UPB over the property value marked to market with the state house price index: orig value (orig UPB / orig LTV) x HPI(this month) / HPI(origination month), in percent. NULL when the original LTV or either HPI value is missing.",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="eltv_pct",
        dtype=Float64,
        description="Freddie Mac's estimated LTV from the file; NULL when not available (999 or blank).",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="eltv_missing",
        dtype=Int64,
        description="1 when the file's estimated LTV was not available, else 0.",
    ),
    Field(
        name="rate_incentive_pct",
        dtype=Float64,
        description="Current note rate minus the 30-year market mortgage rate of the same month, percentage points (refinance incentive).",
    ),
    Field(
        name="state_unemployment_rate_pct",
        dtype=Float64,
        description="Unemployment rate of the property state in the reporting month, percent.",
    ),
    Field(
        name="state_unemployment_change_3m_pct",
        dtype=Float64,
        description="State unemployment rate minus its value 3 months earlier, percentage points.",
    ),
    Field(
        name="state_unemployment_change_12m_pct",
        dtype=Float64,
        description="State unemployment rate minus its value 12 months earlier, percentage points.",
    ),
    Field(
        name="state_hpi_change_12m_pct",
        dtype=Float64,
        description="Percent change of the state house price index over 12 months.",
    ),
    Field(
        name="hpi_change_since_origination_pct",
        dtype=Float64,
        description="Percent change of the state house price index since the origination month.",
    ),
    Field(
        name="mortgage_rate_30y_pct",
        dtype=Float64,
        description="National 30-year fixed mortgage rate, monthly average of the reporting month, percent.",
    ),
    Field(
        name="mortgage_rate_change_12m_pct",
        dtype=Float64,
        description="30-year mortgage rate minus its value 12 months earlier, percentage points.",
    ),
]

FEAT_LOAN_MONTHLY_PERFORMANCE_ATTRIBUTES = []

FEAT_LOAN_MONTHLY_PERFORMANCE_BOOKKEEPING = [
    Field(
        name="created_timestamp",
        dtype=UnixTimestamp,
        description="When this version of the row was written (the dbt run's start time, UTC).",
        tags={"role": "bookkeeping"},
    ),
    Field(
        name="reporting_month",
        dtype=UnixTimestamp,
        description="Monthly reporting period (1st of the month).",
        tags={"role": "bookkeeping"},
    ),
]

FEAT_COMPANY_FINANCIALS_FEATURES = [
    Field(
        name="sector",
        dtype=String,
        description="Company sector from companies.csv.",
    ),
    Field(
        name="company_age_years",
        dtype=Float64,
        description="Years from the founding year to the period end.",
    ),
    Field(
        name="log_total_assets",
        dtype=Float64,
        description="Natural log of total assets in USD millions (size).",
    ),
    Field(
        name="current_ratio",
        dtype=Float64,
        description="Current assets / current liabilities (liquidity).",
    ),
    Field(
        name="quick_ratio",
        dtype=Float64,
        description="(Current assets - inventory) / current liabilities.",
    ),
    Field(
        name="cash_ratio",
        dtype=Float64,
        description="Cash and equivalents / current liabilities.",
    ),
    Field(
        name="debt_to_assets",
        dtype=Float64,
        description="Total liabilities / total assets (leverage).",
        tags={"risk_direction": "+1"},
    ),
    Field(
        name="debt_to_equity",
        dtype=Float64,
        description="Total liabilities / total equity; NULL when equity is zero.",
    ),
    Field(
        name="long_term_debt_to_assets",
        dtype=Float64,
        description="Long-term debt / total assets.",
    ),
    Field(
        name="interest_coverage",
        dtype=Float64,
        description="Operating income / interest expense; NULL when there is no interest expense.",
        tags={"risk_direction": "-1"},
    ),
    Field(
        name="return_on_assets",
        dtype=Float64,
        description="Annualised net income (quarter x 4) / total assets.",
    ),
    Field(
        name="return_on_equity",
        dtype=Float64,
        description="Annualised net income / total equity; NULL when equity is zero.",
    ),
    Field(
        name="gross_margin",
        dtype=Float64,
        description="(Revenue - cost of revenue) / revenue.",
    ),
    Field(
        name="operating_margin",
        dtype=Float64,
        description="Operating income / revenue.",
    ),
    Field(
        name="net_margin",
        dtype=Float64,
        description="Net income / revenue.",
    ),
    Field(
        name="operating_cash_flow_to_liabilities",
        dtype=Float64,
        description="Annualised operating cash flow / total liabilities.",
    ),
    Field(
        name="asset_turnover",
        dtype=Float64,
        description="Annualised revenue / total assets (activity).",
    ),
    Field(
        name="receivables_turnover",
        dtype=Float64,
        description="Annualised revenue / accounts receivable.",
    ),
    Field(
        name="inventory_turnover",
        dtype=Float64,
        description="Annualised cost of revenue / inventory; NULL when there is no inventory.",
    ),
    Field(
        name="altman_x1_working_capital_to_assets",
        dtype=Float64,
        description="Altman X1, (current assets - current liabilities) / total assets.",
    ),
    Field(
        name="altman_x2_retained_earnings_to_assets",
        dtype=Float64,
        description="Altman X2, retained earnings / total assets.",
    ),
    Field(
        name="altman_x3_ebit_to_assets",
        dtype=Float64,
        description="Altman X3, annualised operating income (EBIT proxy) / total assets.",
    ),
    Field(
        name="altman_x4_market_equity_to_liabilities",
        dtype=Float64,
        description="Altman X4, market value of equity / total liabilities.",
    ),
    Field(
        name="altman_x5_sales_to_assets",
        dtype=Float64,
        description="Altman X5, annualised revenue / total assets.",
    ),
    Field(
        name="altman_z_score",
        dtype=Float64,
        description="Altman (1968) Z = 1.2 X1 + 1.4 X2 + 3.3 X3 + 0.6 X4 + 1.0 X5 (below 1.81 = distress zone).",
    ),
    Field(
        name="ohlson_size",
        dtype=Float64,
        description="Ohlson SIZE, log(total assets in USD millions) (no price-level deflation).",
    ),
    Field(
        name="ohlson_tlta",
        dtype=Float64,
        description="Ohlson TLTA, total liabilities / total assets.",
    ),
    Field(
        name="ohlson_wcta",
        dtype=Float64,
        description="Ohlson WCTA, working capital / total assets.",
    ),
    Field(
        name="ohlson_clca",
        dtype=Float64,
        description="Ohlson CLCA, current liabilities / current assets.",
    ),
    Field(
        name="ohlson_oeneg",
        dtype=Int64,
        description="Ohlson OENEG, 1 when total liabilities exceed total assets, else 0.",
    ),
    Field(
        name="ohlson_nita",
        dtype=Float64,
        description="Ohlson NITA, annualised net income / total assets.",
    ),
    Field(
        name="ohlson_futl",
        dtype=Float64,
        description="Ohlson FUTL, annualised operating cash flow (funds from operations proxy) / total liabilities.",
    ),
    Field(
        name="ohlson_intwo",
        dtype=Int64,
        description="Ohlson INTWO, 1 when net income was negative in this and the previous quarter, else 0.",
    ),
    Field(
        name="ohlson_chin",
        dtype=Float64,
        description="Ohlson CHIN, (NI_t - NI_t-1) / (|NI_t| + |NI_t-1|) against the previous quarter; NULL without one.",
    ),
    Field(
        name="ohlson_o_score",
        dtype=Float64,
        description="Ohlson (1980) O = -1.32 - 0.407 SIZE + 6.03 TLTA - 1.43 WCTA + 0.0757 CLCA - 1.72 OENEG - 2.37 NITA - 1.83 FUTL + 0.285 INTWO - 0.521 CHIN (higher = riskier); NULL terms count as 0.",
    ),
    Field(
        name="revenue_growth_qoq_pct",
        dtype=Float64,
        description="Percent change of quarterly revenue against the previous quarter.",
    ),
    Field(
        name="revenue_growth_yoy_pct",
        dtype=Float64,
        description="Percent change of quarterly revenue against the same quarter a year earlier.",
    ),
    Field(
        name="current_ratio_qoq_change",
        dtype=Float64,
        description="Current ratio minus its value one quarter earlier.",
    ),
    Field(
        name="current_ratio_yoy_change",
        dtype=Float64,
        description="Current ratio minus its value four quarters earlier.",
    ),
    Field(
        name="current_ratio_mean_4q",
        dtype=Float64,
        description="Mean of the current ratio over this and the 3 previous quarters (as known at filing).",
    ),
    Field(
        name="current_ratio_std_4q",
        dtype=Float64,
        description="Sample standard deviation of the current ratio over the last 4 quarters.",
    ),
    Field(
        name="current_ratio_slope_4q",
        dtype=Float64,
        description="Least-squares slope of the current ratio per quarter over the last 4 quarters.",
    ),
    Field(
        name="debt_to_assets_qoq_change",
        dtype=Float64,
        description="Debt to assets minus its value one quarter earlier.",
    ),
    Field(
        name="debt_to_assets_yoy_change",
        dtype=Float64,
        description="Debt to assets minus its value four quarters earlier.",
    ),
    Field(
        name="debt_to_assets_mean_4q",
        dtype=Float64,
        description="Mean of debt to assets over the last 4 quarters.",
    ),
    Field(
        name="debt_to_assets_std_4q",
        dtype=Float64,
        description="Sample standard deviation of debt to assets over the last 4 quarters.",
    ),
    Field(
        name="debt_to_assets_slope_4q",
        dtype=Float64,
        description="Least-squares slope of debt to assets per quarter over the last 4 quarters.",
    ),
    Field(
        name="return_on_assets_qoq_change",
        dtype=Float64,
        description="Return on assets minus its value one quarter earlier.",
    ),
    Field(
        name="return_on_assets_yoy_change",
        dtype=Float64,
        description="Return on assets minus its value four quarters earlier.",
    ),
    Field(
        name="return_on_assets_mean_4q",
        dtype=Float64,
        description="Mean of return on assets over the last 4 quarters.",
    ),
    Field(
        name="return_on_assets_std_4q",
        dtype=Float64,
        description="Sample standard deviation of return on assets over the last 4 quarters.",
    ),
    Field(
        name="return_on_assets_slope_4q",
        dtype=Float64,
        description="Least-squares slope of return on assets per quarter over the last 4 quarters.",
    ),
    Field(
        name="altman_z_score_qoq_change",
        dtype=Float64,
        description="Altman Z minus its value one quarter earlier.",
    ),
    Field(
        name="altman_z_score_yoy_change",
        dtype=Float64,
        description="Altman Z minus its value four quarters earlier.",
    ),
    Field(
        name="altman_z_score_mean_4q",
        dtype=Float64,
        description="Mean of Altman Z over the last 4 quarters.",
    ),
    Field(
        name="altman_z_score_std_4q",
        dtype=Float64,
        description="Sample standard deviation of Altman Z over the last 4 quarters.",
    ),
    Field(
        name="altman_z_score_slope_4q",
        dtype=Float64,
        description="Least-squares slope of Altman Z per quarter over the last 4 quarters.",
    ),
    Field(
        name="quarters_of_history",
        dtype=Int64,
        description="Quarters known for the company as of the filing date, up to and including this one.",
    ),
]

FEAT_COMPANY_FINANCIALS_ATTRIBUTES = [
    Field(
        name="amendment_number",
        dtype=Int64,
        description="Version of the latest period's statement used (0 original, 1.. restatement).",
    ),
]

FEAT_COMPANY_FINANCIALS_BOOKKEEPING = [
    Field(
        name="created_timestamp",
        dtype=UnixTimestamp,
        description="When this version of the row was written (the dbt run's start time, UTC).",
        tags={"role": "bookkeeping"},
    ),
    Field(
        name="period_end_date",
        dtype=UnixTimestamp,
        description="Fiscal period end of the latest period known on the filing day (the row's statement).",
        tags={"role": "bookkeeping"},
    ),
]
