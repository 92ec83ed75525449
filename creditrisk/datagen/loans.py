"""Origination attributes of one origination quarter's loans.

Numeric fields come from a Gaussian copula mapped onto the reference marginals (so credit
score, LTV, DTI, UPB and the note-rate spread are realistically correlated), categorical
fields from the reference shares. The true values drive the hazards; the file shows them
with Freddie Mac's sentinels (9999, 999, 99, 9, blank) at small realistic rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.datagen import quantiles as q
from creditrisk.datagen.geography import STATES, msa_codes, state_shares, zip3_ranges
from creditrisk.datagen.macro import MacroPaths
from creditrisk.datagen.months import Month

#: National house-price level of the reference slice (first payments 2024-02/03): UPBs of
#: other vintages scale with the national HPI relative to it.
_REFERENCE_MONTH = Month.of(2024, 2)

SELLERS = {
    "Other sellers": 0.32, "UNITED WHOLESALE MORTGAGE, LLC": 0.14, "ROCKET MORTGAGE, LLC": 0.08,
    "CROSSCOUNTRY MORTGAGE, LLC": 0.05, "WELLS FARGO BANK, N.A.": 0.05, "U.S. BANK N.A.": 0.05,
    "GUILD MORTGAGE COMPANY LLC": 0.05, "PENNYMAC LOAN SERVICES, LLC": 0.06, "NEWREZ LLC": 0.05,
    "FAIRWAY INDEPENDENT MORTGAGE CORPORATION": 0.05, "JPMORGAN CHASE BANK, N.A.": 0.10,
}  # fmt: skip
SERVICERS = {
    "Other servicers": 0.30, "PENNYMAC LOAN SERVICES, LLC": 0.12, "ROCKET MORTGAGE, LLC": 0.10,
    "NATIONSTAR MORTGAGE LLC DBA MR. COOPER": 0.10, "WELLS FARGO BANK, N.A.": 0.08,
    "U.S. BANK N.A.": 0.08, "NEWREZ LLC": 0.08, "JPMORGAN CHASE BANK, N.A.": 0.08,
    "LAKEVIEW LOAN SERVICING, LLC": 0.06,
}  # fmt: skip


@dataclass
class LoanBlock:
    """One origination quarter's loans: true values (for the hazards) and file fields."""

    year: int
    quarter: int
    loan_id: np.ndarray  # object (str)
    note_month: np.ndarray  # month index
    first_payment: np.ndarray  # month index
    term: np.ndarray
    state_idx: np.ndarray
    credit_score: np.ndarray  # true score
    ltv: np.ndarray  # true original LTV (int)
    cltv: np.ndarray
    dti: np.ndarray
    upb: np.ndarray  # original UPB, dollars (multiple of 1000)
    rate: np.ndarray  # note rate %
    mi_pct: np.ndarray
    occupancy: np.ndarray  # object
    purpose: np.ndarray  # object
    fields: dict[str, np.ndarray]  # file fields by name (strings, sentinels applied)

    @property
    def n(self) -> int:
        return len(self.loan_id)

    @property
    def property_value(self) -> np.ndarray:
        return self.upb / (self.ltv / 100.0)


def loan_ids(year: int, quarter: int, n: int) -> np.ndarray:
    """Current-format ids: ``F`` + 2-digit year + ``Q`` + quarter + 7-digit sequence (12 chars)."""
    prefix = f"F{year % 100:02d}Q{quarter}"
    return np.array([f"{prefix}{i:07d}" for i in range(1, n + 1)], dtype=object)


def _national_hpi(macro: MacroPaths, month: np.ndarray | int) -> np.ndarray:
    weights = state_shares()
    return weights @ macro.hpi[:, macro.column(month)]


def _with_sentinel(
    rng: np.random.Generator, values: np.ndarray, rate: float, sentinel: str, width: int = 0
) -> np.ndarray:
    text = values.astype(np.int64).astype(str).astype(object)
    if width:
        text = np.char.zfill(text.astype(str), width).astype(object)
    mask = rng.random(len(values)) < rate
    text[mask] = sentinel
    return text


def draw_block(
    rng: np.random.Generator,
    macro: MacroPaths,
    year: int,
    quarter: int,
    n: int,
    note_months: np.ndarray,
    last_month: int,
) -> LoanBlock:
    """Draw ``n`` loans noted in the given months (already chosen) of one quarter."""
    u = q.copula_uniforms(rng, n)
    score = np.round(q.from_quantiles(u[:, 0], q.CREDIT_SCORE)).astype(np.int64)
    ltv = np.round(q.from_quantiles(u[:, 1], q.LTV)).astype(np.int64)
    dti = np.round(q.from_quantiles(u[:, 2], q.DTI)).astype(np.int64)
    scale = _national_hpi(macro, note_months) / _national_hpi(macro, _REFERENCE_MONTH.index)
    upb = np.maximum(np.round(q.from_quantiles(u[:, 3], q.UPB_2024) * scale, -3), 10_000).astype(np.int64)
    market = macro.mortgage_rate_pct[macro.column(note_months)]
    rate = np.maximum(np.round((market + q.from_quantiles(u[:, 4], q.RATE_SPREAD)) * 8) / 8, 1.5)

    piggyback = rng.random(n) < 0.06
    cltv = np.where(piggyback, np.minimum(ltv + rng.integers(3, 16, n), 200), ltv)
    mi_pct = np.select(
        [ltv <= 80, ltv <= 85, ltv <= 90, ltv <= 95],
        [0, rng.choice([6, 12], n), rng.choice([12, 25], n), rng.choice([25, 30], n)],
        rng.choice([30, 35], n),
    )
    term = rng.choice([360, 180, 240, 300, 120], size=n, p=[0.92, 0.06, 0.012, 0.005, 0.003])
    fp_lag = np.where(rng.random(n) < 0.75, 1, 2)
    first_payment = np.minimum(note_months + fp_lag, last_month)
    state_idx = rng.choice(len(STATES), size=n, p=state_shares())
    occupancy = q.choice(rng, {"P": 0.90, "I": 0.08, "S": 0.02}, n)
    purpose = q.choice(rng, {"P": 0.81, "C": 0.12, "N": 0.06, "R": 0.01}, n)
    true_values = {
        "score": score, "ltv": ltv, "cltv": cltv, "dti": dti, "upb": upb, "rate": rate, "mi_pct": mi_pct,
        "term": term, "first_payment": first_payment, "state_idx": state_idx, "occupancy": occupancy,
        "purpose": purpose, "scale": scale,
    }  # fmt: skip
    fields = _file_fields(rng, year, quarter, n, true_values)
    return LoanBlock(
        year=year,
        quarter=quarter,
        loan_id=fields["loan_sequence_number"],
        note_month=note_months,
        first_payment=first_payment,
        term=term,
        state_idx=state_idx,
        credit_score=score,
        ltv=ltv,
        cltv=cltv,
        dti=dti,
        upb=upb,
        rate=rate,
        mi_pct=mi_pct,
        occupancy=occupancy,
        purpose=purpose,
        fields=fields,
    )


def _file_fields(
    rng: np.random.Generator, year: int, quarter: int, n: int, v: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Every origination field as the file shows it (strings, sentinels applied)."""
    purchase = v["purpose"] == "P"
    fthb = np.where(purchase & (rng.random(n) < 0.48), "Y", "N").astype(object)
    lo, hi = zip3_ranges()
    zip3 = rng.integers(lo[v["state_idx"]], hi[v["state_idx"]] + 1)
    msa_table = msa_codes()
    msa = msa_table[v["state_idx"], rng.integers(0, msa_table.shape[1], n)].astype(str).astype(object)
    msa[rng.random(n) < 0.12] = ""
    fp = v["first_payment"]
    maturity = fp + v["term"] - 1
    super_conforming = np.where(v["upb"] > 766_550 * v["scale"], "Y", "").astype(object)
    mi_cancel = np.where(v["mi_pct"] == 0, "7", np.where(rng.random(n) < 0.03, "Y", "N")).astype(object)
    vantage = np.clip(v["score"] + np.round(rng.normal(0, 25, n)), 300, 850).astype(np.int64)
    return {
        "credit_score": _with_sentinel(rng, v["score"], 0.001, "9999"),
        "first_payment_date": _yyyymm(fp),
        "first_time_homebuyer_flag": fthb,
        "maturity_date": _yyyymm(maturity),
        "msa": msa,
        "mi_pct": np.char.zfill(v["mi_pct"].astype(str), 3).astype(object),
        "number_of_units": _with_sentinel(
            rng, rng.choice([1, 2, 3, 4], n, p=[0.975, 0.017, 0.004, 0.004]), 0.0002, "99"
        ),
        "occupancy_status": v["occupancy"],
        "original_cltv": _with_sentinel(rng, v["cltv"], 0.0005, "999"),
        "original_dti": _with_sentinel(rng, v["dti"], 0.003, "999"),
        "original_upb": v["upb"].astype(str).astype(object),
        "original_ltv": _with_sentinel(rng, v["ltv"], 0.0002, "999"),
        "original_interest_rate": _rate_text(v["rate"]),
        "channel": q.choice(rng, {"R": 0.42, "C": 0.40, "B": 0.18}, n),
        "ppm_flag": np.full(n, "N", dtype=object),
        "amortization_type": np.full(n, "FRM", dtype=object),
        "property_state": np.array(STATES, dtype=object)[v["state_idx"]],
        "property_type": q.choice(rng, {"SF": 0.588, "PU": 0.29, "CO": 0.10, "MH": 0.02, "CP": 0.002}, n),
        "postal_code": np.char.zfill((zip3 * 100).astype(str), 5).astype(object),
        "loan_sequence_number": loan_ids(year, quarter, n),
        "loan_purpose": v["purpose"],
        "original_loan_term": v["term"].astype(str).astype(object),
        "number_of_borrowers": _with_sentinel(
            rng, rng.choice([1, 2, 3, 4], n, p=[0.55, 0.43, 0.015, 0.005]), 0.0002, "99", width=2
        ),
        "seller_name": q.choice(rng, SELLERS, n),
        "servicer_name": q.choice(rng, SERVICERS, n),
        "super_conforming_flag": super_conforming,
        "pre_relief_refinance_loan_sequence_number": np.full(n, "", dtype=object),
        "special_eligibility_program": q.choice(rng, {"9": 0.89, "H": 0.09, "F": 0.02}, n),
        "relief_refinance_indicator": np.full(n, "", dtype=object),
        "property_valuation_method": q.choice(rng, {"2": 0.868, "1": 0.11, "4": 0.02, "3": 0.002}, n),
        "interest_only_indicator": np.full(n, "N", dtype=object),
        "mi_cancellation_indicator": mi_cancel,
        "vantagescore_4": vantage.astype(str).astype(object),
    }


def _yyyymm(index: np.ndarray) -> np.ndarray:
    from creditrisk.datagen.months import yyyymm

    return yyyymm(index).astype(str).astype(object)


def _rate_text(rate: np.ndarray) -> np.ndarray:
    """Note rates as the files show them: ``6.625``, ``7.0``, ``4.375``."""
    return np.array([repr(float(r)) for r in rate], dtype=object)
