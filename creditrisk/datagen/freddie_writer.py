"""Write one origination quarter as Freddie Mac files: pipe-delimited, no header.

Columns are built in Arrow and written by Arrow's CSV writer (no quoting, ``|``), which keeps
the writer off the per-row Python path; the layout decides which fields and in what order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from creditrisk.datagen import text
from creditrisk.datagen.layouts import Layout
from creditrisk.datagen.loans import LoanBlock
from creditrisk.datagen.months import yyyymm
from creditrisk.datagen.performance import CREDIT_EXITS, STATUS_RA, PerformanceRows

_WRITE = pacsv.WriteOptions(include_header=False, delimiter="|", quoting_style="none")
#: Current UPB is disclosed rounded to the nearest $1,000 for the first six months.
_ROUNDED_AGE = 6


def origination_path(raw_dir: Path, year: int, quarter: int) -> Path:
    return raw_dir / "freddie" / f"historical_data_{year}Q{quarter}.txt"


def performance_path(raw_dir: Path, year: int, quarter: int) -> Path:
    return raw_dir / "freddie" / f"historical_data_time_{year}Q{quarter}.txt"


def write_table(path: Path, names: tuple[str, ...], columns: dict[str, pa.Array]) -> int:
    """Write ``columns`` in ``names`` order, pipe-delimited without header; returns rows."""
    table = pa.table([columns[n] for n in names], names=list(names))
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, write_options=_WRITE)
    return table.num_rows


def write_origination(path: Path, block: LoanBlock, layout: Layout) -> int:
    columns = {name: pa.array(block.fields[name], type=pa.string()) for name in layout.origination}
    return write_table(path, layout.origination, columns)


def performance_columns(block: LoanBlock, rows: PerformanceRows) -> dict[str, pa.Array]:
    """Every performance field (the union of the layouts) as Arrow string columns."""
    c = rows.columns
    n = rows.n
    zb = c["zero_balance_code"] > 0
    credit = np.isin(c["zero_balance_code"], CREDIT_EXITS)
    upb = np.where(c["age"] <= _ROUNDED_AGE, np.round(c["upb"], -3), c["upb"])
    status = c["status"]
    status_table = ["RA", *[str(i) for i in range(int(max(status.max(initial=0), 0)) + 1)]]
    not_mod = ~c["modified"]

    def loss(name: str) -> pa.Array:
        values = np.zeros(n)
        values[rows.losses["row"]] = rows.losses[name]
        return text.money(values, blank=~credit)

    return {
        "loan_sequence_number": text.labels(c["loan"], list(block.loan_id)),
        "monthly_reporting_period": text.ints(yyyymm(c["month"])),
        "current_actual_upb": text.money(upb),
        "current_loan_delinquency_status": text.labels(
            np.where(status == STATUS_RA, 0, status + 1), status_table
        ),
        "loan_age": text.ints(c["age"], width=3),
        "remaining_months_to_legal_maturity": text.ints(c["remaining"], width=3),
        "defect_settlement_date": text.empty(n),
        "modification_flag": text.labels(np.zeros(n), ["Y"], blank=not_mod),
        "zero_balance_code": text.ints(c["zero_balance_code"], width=2, blank=~zb),
        "zero_balance_effective_date": text.ints(yyyymm(c["month"]), blank=~zb),
        "current_interest_rate": text.decimals(c["rate"]),
        "current_non_interest_bearing_upb": text.money(c["deferred_upb"]),
        "due_date_of_last_paid_installment": text.ints(
            yyyymm(c["month"] - np.maximum(status, 0)), blank=(c["age"] == 0) | (status == STATUS_RA)
        ),
        "mi_recoveries": loss("mi_recoveries"),
        "net_sale_proceeds": loss("net_sale_proceeds"),
        "non_mi_recoveries": loss("non_mi_recoveries"),
        "total_expenses": loss("total_expenses"),
        "legal_costs": loss("legal_costs"),
        "maintenance_and_preservation_costs": loss("maintenance_costs"),
        "taxes_and_insurance": loss("taxes_insurance"),
        "miscellaneous_expenses": loss("misc_expenses"),
        "actual_loss_calculation": loss("actual_loss"),
        "cumulative_modification_cost": text.money(c["cum_mod_cost"], blank=not_mod),
        "interest_rate_step_indicator": text.labels(
            np.maximum(c["step_mod"] - 1, 0), ["N", "Y"], blank=c["step_mod"] == 0
        ),
        "payment_deferral": text.labels(np.zeros(n), ["Y"], blank=~c["deferral"]),
        "estimated_ltv": text.ints(c["eltv"], blank=zb),
        "zero_balance_removal_upb": text.money(c["removal_upb"], blank=~zb),
        "delinquent_accrued_interest": loss("delinquent_accrued_interest"),
        "delinquency_due_to_disaster": text.labels(np.zeros(n), ["Y"], blank=~c["disaster"]),
        "borrower_assistance_status_code": text.labels(
            np.maximum(c["assistance"] - 1, 0), ["F", "R", "T"], blank=c["assistance"] == 0
        ),
        "current_month_modification_cost": text.money(c["month_mod_cost"], blank=not_mod),
        "interest_bearing_upb": text.money(np.maximum(upb - c["deferred_upb"], 0.0)),
        "mi_cancellation_indicator": text.labels(c["loan"], block.fields["mi_cancellation_indicator"]),
        "servicer_name": text.labels(c["loan"], block.fields["servicer_name"]),
        "bankruptcy_cramdown_costs": text.empty(n),
    }


def write_performance(path: Path, block: LoanBlock, rows: PerformanceRows, layout: Layout) -> int:
    return write_table(path, layout.performance, performance_columns(block, rows))
