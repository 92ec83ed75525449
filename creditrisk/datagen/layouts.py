"""Field lists of the Freddie Mac Single-Family Loan-Level files, by layout.

The files have no header, so a field is known only by its position; dbt detects the layout
of each file from its field count. This module is the one place the generator spells out
the positions (names follow ``shared/reference/freddie_layout.md``, current names in
snake_case), so the writer and the tests agree with each other and with the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Origination fields 1-32 of the current (2023+) layout, in file order.
ORIGINATION_32: tuple[str, ...] = (
    "credit_score",
    "first_payment_date",
    "first_time_homebuyer_flag",
    "maturity_date",
    "msa",
    "mi_pct",
    "number_of_units",
    "occupancy_status",
    "original_cltv",
    "original_dti",
    "original_upb",
    "original_ltv",
    "original_interest_rate",
    "channel",
    "ppm_flag",
    "amortization_type",
    "property_state",
    "property_type",
    "postal_code",
    "loan_sequence_number",
    "loan_purpose",
    "original_loan_term",
    "number_of_borrowers",
    "seller_name",
    "servicer_name",
    "super_conforming_flag",
    "pre_relief_refinance_loan_sequence_number",
    "special_eligibility_program",
    "relief_refinance_indicator",
    "property_valuation_method",
    "interest_only_indicator",
    "mi_cancellation_indicator",
)

#: Release 47 (July 2026): 1-23 unchanged, Servicer Name and MI Cancellation move to the
#: performance file, VantageScore 4.0 is added at the end.
ORIGINATION_31: tuple[str, ...] = (
    *ORIGINATION_32[:23],
    "seller_name",
    "super_conforming_flag",
    "pre_relief_refinance_loan_sequence_number",
    "special_eligibility_program",
    "relief_refinance_indicator",
    "property_valuation_method",
    "interest_only_indicator",
    "vantagescore_4",
)

#: Performance fields 1-32 of the current layout, in file order.
PERFORMANCE_32: tuple[str, ...] = (
    "loan_sequence_number",
    "monthly_reporting_period",
    "current_actual_upb",
    "current_loan_delinquency_status",
    "loan_age",
    "remaining_months_to_legal_maturity",
    "defect_settlement_date",
    "modification_flag",
    "zero_balance_code",
    "zero_balance_effective_date",
    "current_interest_rate",
    "current_non_interest_bearing_upb",
    "due_date_of_last_paid_installment",
    "mi_recoveries",
    "net_sale_proceeds",
    "non_mi_recoveries",
    "total_expenses",
    "legal_costs",
    "maintenance_and_preservation_costs",
    "taxes_and_insurance",
    "miscellaneous_expenses",
    "actual_loss_calculation",
    "cumulative_modification_cost",
    "interest_rate_step_indicator",
    "payment_deferral",
    "estimated_ltv",
    "zero_balance_removal_upb",
    "delinquent_accrued_interest",
    "delinquency_due_to_disaster",
    "borrower_assistance_status_code",
    "current_month_modification_cost",
    "interest_bearing_upb",
)

#: Release 47 performance file: 1-32 keep their order, three fields are appended.
PERFORMANCE_35: tuple[str, ...] = (
    *PERFORMANCE_32,
    "mi_cancellation_indicator",
    "servicer_name",
    "bankruptcy_cramdown_costs",
)


@dataclass(frozen=True)
class Layout:
    """One file layout: the ``--layout`` key and the field lists of both files."""

    key: int
    description: str
    origination: tuple[str, ...]
    performance: tuple[str, ...]


LAYOUTS: dict[int, Layout] = {
    26: Layout(26, "Oct 2018 user guide", ORIGINATION_32[:26], PERFORMANCE_32[:26]),
    32: Layout(32, "2023-2026 releases (default)", ORIGINATION_32, PERFORMANCE_32),
    31: Layout(31, "Release 47 (July 2026)", ORIGINATION_31, PERFORMANCE_35),
}

#: Every origination / performance field the generator can produce (union of the layouts).
ALL_ORIGINATION_FIELDS: tuple[str, ...] = (*ORIGINATION_32, "vantagescore_4")
ALL_PERFORMANCE_FIELDS: tuple[str, ...] = PERFORMANCE_35


def get_layout(key: int) -> Layout:
    """The layout for a ``--layout`` value; raises ``ConfigurationError`` for an unknown one."""
    from creditrisk.errors import ConfigurationError

    try:
        return LAYOUTS[key]
    except KeyError:
        raise ConfigurationError(f"unknown layout {key}; choose one of {sorted(LAYOUTS)}") from None
