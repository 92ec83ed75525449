"""Ground truth: the generator's own probability of default within 12 months, per loan-month.

For each performance row that is not a zero-balance row, the distribution over
delinquency states (current never-delinquent, current once-delinquent, 1, 2 months behind)
is pushed forward 12 months with the same transition probabilities the simulation drew from
(:mod:`creditrisk.datagen.hazards`), along the known macro path; the mass absorbed at 3+
months behind (every credit exit passes through it) is ``true_pd_12m`` under the label of
``docs/contracts.md`` section 2. Exact for rows less than 90 days delinquent (the labelled
population); for rows already 90+ it assumes a loan that cures keeps its current terms.
"""

from __future__ import annotations

import numpy as np

from creditrisk.datagen.hazards import Coefficients, LoanStatics, transition_probabilities
from creditrisk.datagen.macro import MacroPaths
from creditrisk.datagen.performance import PerformanceRows, scheduled_for_hazard

HORIZON = 12
_CHUNK = 400_000


def loan_pd_12m(
    rows: PerformanceRows, statics: LoanStatics, macro: MacroPaths, coef: Coefficients
) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the non-zero-balance rows and their ``true_pd_12m``."""
    positions = np.flatnonzero(rows.columns["zero_balance_code"] == 0)
    result = np.empty(len(positions))
    for lo in range(0, len(positions), _CHUNK):
        part = positions[lo : lo + _CHUNK]
        result[lo : lo + _CHUNK] = _forward(rows, part, statics, macro, coef)
    return positions, result


def _forward(rows, part, statics, macro, coef) -> np.ndarray:
    c = {k: v[part] for k, v in rows.columns.items()}
    status, dirty = c["status"], c["dirty"]
    clean0 = ((status == 0) & ~dirty).astype(float)
    dirty0 = ((status == 0) & dirty).astype(float)
    one = (status == 1).astype(float)
    two = (status == 2).astype(float)
    deep = status >= 3
    absorbed = np.zeros(len(part))
    modified = c["modified"].astype(float)
    for h in range(1, HORIZON + 1):
        month = c["month"] + h - 1
        sched = scheduled_for_hazard(
            c["basis_principal"], c["basis_rate"], c["basis_term"], c["basis_start"], month
        )
        p = transition_probabilities(
            statics, c["loan"], month, c["age"] + h, np.zeros(len(part)), modified, c["rate"], sched,
            macro, coef, deep=(h == 1 and bool(deep.any())), both_histories=True,
        )  # fmt: skip
        absorbed = absorbed + two * p.roll_2
        new_clean0 = clean0 * (1.0 - p.prepay - p.roll_0)
        new_dirty0 = dirty0 * (1.0 - p.prepay_if_dirty - p.roll_0_if_dirty) + one * p.cure_1 + two * p.cure_2
        new_one = clean0 * p.roll_0 + dirty0 * p.roll_0_if_dirty + one * (1.0 - p.cure_1 - p.roll_1)
        new_two = one * p.roll_1 + two * (1.0 - p.cure_2 - p.roll_2)
        clean0, dirty0, one, two = new_clean0, new_dirty0, new_one, new_two
        if h == 1 and deep.any():
            # 3+ behind: back to current by paying up or a modification, else still in default.
            can_modify = (modified == 0) | (status >= 6)
            back = p.pay_3 + np.where(can_modify, p.modify_3, 0.0)
            dirty0 = np.where(deep, back, dirty0)
            absorbed = np.where(deep, 1.0 - back, absorbed)
    return np.clip(absorbed, 0.0, 1.0)
