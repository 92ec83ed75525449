"""A small hand-made raw data set with known answers, in the contract's file formats.

The generator (``creditrisk data generate``) makes realistic data; this fixture makes *crafted*
cases whose delinquency windows, labels and timestamps can be written down exactly, in all three
Freddie Mac layouts, plus a few broken lines that must land in the rejected models.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

START_YEAR, START_MONTH = 2018, 1
MONTHS = 30  # 2018-01 .. 2020-06


def month_str(index: int, sep: str = "") -> str:
    """The month ``index`` months after the fixture start, as YYYYMM (or YYYY-MM)."""
    total = START_YEAR * 12 + START_MONTH - 1 + index
    return f"{total // 12:04d}{sep}{total % 12 + 1:02d}"


@dataclass(frozen=True)
class CraftedLoan:
    """One loan: origination fields and its monthly status path from ``first_index``."""

    loan_id: str
    layout: int  # origination layout: 26, 32 or 31 (performance 26, 32, 35)
    first_index: int  # month index of the first performance row
    statuses: tuple[str, ...]  # delinquency status per month ("0", "1", ..., "RA")
    zero_balance_code: str = ""  # code on the last row, if the loan exits
    state: str = "CA"
    credit_score: str = "720"
    dti: str = "36"


LOANS = [
    # Always current, prepaid (01) at its 20th month: never a default.
    CraftedLoan("F18Q10000001", 32, 0, ("0",) * 20, zero_balance_code="01"),
    # Rolls 1, 2, 3 in months 10-12 (indices 9-11) and stays 90+: default for observations 0..8.
    CraftedLoan("F18Q10000002", 32, 0, ("0",) * 9 + ("1", "2", "3", "4", "5", "6")),
    # Current, 1, 2, then exits with a short sale (03) at index 14 without ever being 90+.
    CraftedLoan("F18Q10000003", 26, 0, ("0",) * 12 + ("1", "2", "2"), zero_balance_code="03", state="TX"),
    # Current for all 30 months: horizons complete only up to index 17 (30 - 12 - 1).
    CraftedLoan("F18Q10000004", 31, 0, ("0",) * 30, state="NY", credit_score="9999", dti="999"),
    # Delinquent streak 1,2,1,0,1 to exercise windows; starts at index 3.
    CraftedLoan("F18Q10000005", 26, 3, ("0", "1", "2", "1", "0", "1", "0", "0") + ("0",) * 19, state="TX"),
    # 30 days late every month from index 10 to the end: a streak longer than the 12-month
    # lookback, which an incremental build must carry over from earlier rows.
    CraftedLoan("F18Q10000006", 32, 0, ("0",) * 10 + ("1",) * 20),
]

#: (file, line content) of lines that must be rejected, with the reason substring expected.
BROKEN_ORIGINATION = [("too|few|fields", "field count")]
BROKEN_PERFORMANCE = [
    ("|".join(["F18Q10000001", "20180X", "100000", "0", "1", "359"] + [""] * 26), "reporting period"),
]


def _origination_line(loan: CraftedLoan) -> str:
    first_payment = month_str(loan.first_index + 1)
    common = [
        loan.credit_score, first_payment, "N", "204801", "", "0", "1", "P", "80", loan.dti,
        "200000", "80", "4.5", "R", "N", "FRM", loan.state, "SF", "94100", loan.loan_id, "P",
        "360", "2", "Other sellers",
    ]  # fmt: skip
    tail = {
        26: ["Other servicers", ""],
        32: ["Other servicers", "", "", "9", "", "2", "N", "7"],
        31: ["", "", "9", "", "2", "N", "750"],
    }[loan.layout]
    return "|".join(common + tail)


def _performance_lines(loan: CraftedLoan) -> list[str]:
    perf_layout = {26: 26, 32: 32, 31: 35}[loan.layout]
    lines = []
    upb = 200_000.0
    for offset, status in enumerate(loan.statuses):
        index = loan.first_index + offset
        last = offset == len(loan.statuses) - 1
        zb = loan.zero_balance_code if last else ""
        zb_date = month_str(index) if zb else ""
        upb = 0.0 if zb else upb - 300.0
        fields = [
            loan.loan_id, month_str(index), f"{upb:.2f}", status, str(offset), str(359 - offset), "", "",
            zb, zb_date, "4.5", "0", month_str(index), "", "", "", "", "", "", "", "", "", "", "", "",
            "75",
        ]  # fmt: skip
        fields += [""] * (perf_layout - len(fields))
        lines.append("|".join(fields))
    return lines


def write_raw_fixture(raw_dir: Path) -> dict[str, int]:
    """Write the crafted raw files under ``raw_dir``; return the number of data lines per source."""
    freddie = raw_dir / "freddie"
    freddie.mkdir(parents=True, exist_ok=True)
    by_layout: dict[int, list[CraftedLoan]] = {}
    for loan in LOANS:
        by_layout.setdefault(loan.layout, []).append(loan)
    quarter_of_layout = {32: "2018Q1", 26: "2018Q2", 31: "2018Q3"}
    counts = {"origination": 0, "performance": 0}
    for layout, loans in by_layout.items():
        quarter = quarter_of_layout[layout]
        orig = [_origination_line(loan) for loan in loans]
        perf = [line for loan in loans for line in _performance_lines(loan)]
        if layout == 32:
            orig += [line for line, _ in BROKEN_ORIGINATION]
            perf += [line for line, _ in BROKEN_PERFORMANCE]
            perf.append(perf[0])  # an exact duplicate row
        (freddie / f"historical_data_{quarter}.txt").write_text("\n".join(orig) + "\n")
        (freddie / f"historical_data_time_{quarter}.txt").write_text("\n".join(perf) + "\n")
        counts["origination"] += len(orig)
        counts["performance"] += len(perf)
    counts.update(_write_companies(raw_dir / "companies"))
    counts.update(_write_macro(raw_dir / "macro"))
    return counts


STATEMENT_COLUMNS = [
    "company_id", "fiscal_year", "fiscal_quarter", "period_end_date", "filing_date", "amendment_number",
    "currency", "total_assets", "current_assets", "cash_and_equivalents", "accounts_receivable",
    "inventory", "total_liabilities", "current_liabilities", "long_term_debt", "retained_earnings",
    "total_equity", "revenue", "cost_of_revenue", "operating_income", "interest_expense", "net_income",
    "operating_cash_flow", "market_value_equity",
]  # fmt: skip

QUARTER_ENDS = ["03-31", "06-30", "09-30", "12-31"]

#: Lines whose company id breaks the rule (C + 6 digits; dbt macro company_id_violation), in each
#: companies file that carries one: (file, line, the reason it must be rejected with).
BROKEN_COMPANY_IDS = [
    ("companies.csv", "c000003,Lower Case Co,retail,2001", "missing or malformed company_id: c000003"),
    ("companies.csv", ",No Id Co,retail,2001", "missing or malformed company_id: <blank>"),
    (
        "financial_statements.csv",
        "C00001,2019,1,2019-03-31,2019-05-10,0,USD" + ",1" * 17,
        "missing or malformed company_id: C00001",
    ),
    ("bankruptcies.csv", "C0000021,2019-11-15,11", "missing or malformed company_id: C0000021"),
]


def statement_row(company: str, year: int, quarter: int, filing: str, amendment: int, scale: float) -> list:
    """A balanced statement scaled by ``scale`` (current ratio 2.0 at scale 1)."""
    assets = 1_000_000 * scale
    return [
        company, year, quarter, f"{year}-{QUARTER_ENDS[quarter - 1]}", filing, amendment, "USD",
        assets, 400_000 * scale, 100_000 * scale, 80_000 * scale, 50_000 * scale, 600_000,
        200_000, 300_000, 150_000, assets - 600_000, 250_000 * scale, 150_000 * scale,
        40_000 * scale, 5_000, 20_000 * scale, 30_000 * scale, 500_000 * scale,
    ]  # fmt: skip


def _filing_date(year: int, quarter: int, days_after: int = 40) -> str:
    import datetime as dt

    end = dt.date.fromisoformat(f"{year}-{QUARTER_ENDS[quarter - 1]}")
    return (end + dt.timedelta(days=days_after)).isoformat()


def statement_rows() -> list[list]:
    """C000001: 8 quarters 2018-2019 plus a restatement of 2018Q4; C000002: 6 quarters, then bankrupt."""
    rows = []
    for i, (year, quarter) in enumerate([(y, q) for y in (2018, 2019) for q in (1, 2, 3, 4)]):
        rows.append(statement_row("C000001", year, quarter, _filing_date(year, quarter), 0, 1.0 + 0.05 * i))
    # Restatement of 2018Q4 filed after 2019Q1's original: lower assets.
    rows.append(statement_row("C000001", 2018, 4, "2019-06-01", 1, 0.5))
    for i, (year, quarter) in enumerate([(2018, q) for q in (1, 2, 3, 4)] + [(2019, 1), (2019, 2)]):
        rows.append(statement_row("C000002", year, quarter, _filing_date(year, quarter), 0, 1.0 - 0.1 * i))
    return rows


def _write_companies(folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)

    def broken_ids(file: str) -> list[str]:
        return [line for name, line, _ in BROKEN_COMPANY_IDS if name == file]

    companies = [["C000001", "Acme, Inc.", "industrials", 1990], ["C000002", "Bust Co", "retail", 2005]]
    _write_csv(
        folder / "companies.csv",
        ["company_id", "company_name", "sector", "founded_year"],
        companies,
        extra_lines=broken_ids("companies.csv"),
    )
    rows = statement_rows()
    broken = ["C000001,2019,5,2019-12-31,2020-02-09,0,USD" + ",1" * 17]  # fiscal_quarter 5
    broken += broken_ids("financial_statements.csv")
    _write_csv(folder / "financial_statements.csv", STATEMENT_COLUMNS, rows, extra_lines=broken)
    _write_csv(
        folder / "bankruptcies.csv",
        ["company_id", "bankruptcy_filing_date", "chapter"],
        [["C000002", "2019-11-15", 11]],
        extra_lines=broken_ids("bankruptcies.csv"),
    )
    return {
        "companies": len(companies) + len(broken_ids("companies.csv")),
        "financial_statements": len(rows) + len(broken),
        "bankruptcies": 1 + len(broken_ids("bankruptcies.csv")),
    }


def _write_macro(folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    states = ["CA", "TX", "NY"]
    unemployment, hpi, rates = [], [], []
    for index in range(-24, MONTHS):
        month = month_str(index, "-")
        for k, state in enumerate(states):
            unemployment.append([state, month, round(4.0 + k + 0.01 * index, 3)])
            hpi.append([state, month, round(200.0 * (1 + 0.005 * index) + k, 3)])
        rates.append([month, round(4.0 + 0.01 * index, 3)])
    _write_csv(folder / "state_unemployment.csv", ["state", "month", "unemployment_rate_pct"], unemployment,
               extra_lines=["ZZ,2019-01,5.0"])  # fmt: skip
    _write_csv(folder / "state_hpi.csv", ["state", "month", "hpi"], hpi)
    _write_csv(folder / "mortgage_rate_30y.csv", ["month", "rate_pct"], rates)
    return {
        "state_unemployment": len(unemployment) + 1,
        "state_hpi": len(hpi),
        "mortgage_rate_30y": len(rates),
    }


def _write_csv(path: Path, header: list[str], rows: list[list], extra_lines: list[str] = ()) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        for line in extra_lines:
            handle.write(line + "\n")
